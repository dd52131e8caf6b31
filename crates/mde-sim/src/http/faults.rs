//! Injected faults for the next N matching requests: 429 with a Retry-After, 500, 503, a
//! delay, or "accept then drop". They let tests prove the client survives what the real
//! service does on a bad day (D14: 429s, transient 5xx).

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FaultKind {
    Status {
        status: u16,
        #[serde(default)]
        retry_after: Option<u64>,
    },
    Delay {
        delay_ms: u64,
    },
    /// Only `"accept_then_drop"` is accepted (checked on registration).
    Named(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub path_contains: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    pub kind: FaultKind,
}

fn one() -> u32 {
    1
}

impl Fault {
    pub fn validate(&self) -> Result<(), String> {
        match &self.kind {
            FaultKind::Named(n) if n != "accept_then_drop" => {
                Err(format!("unknown fault kind {n:?}"))
            }
            FaultKind::Status { status, .. } if !(400..=599).contains(status) => {
                Err(format!("fault status {status} is not an error status"))
            }
            _ => Ok(()),
        }
    }
}

/// Takes one use of the first fault matching the request, if any.
pub fn take(faults: &mut Vec<Fault>, method: &str, path_and_query: &str) -> Option<FaultKind> {
    let pos = faults.iter().position(|f| {
        f.count > 0
            && path_and_query.contains(&f.path_contains)
            && f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    })?;
    let fault = &mut faults[pos];
    fault.count -= 1;
    let kind = fault.kind.clone();
    if fault.count == 0 {
        faults.remove(pos);
    }
    Some(kind)
}
