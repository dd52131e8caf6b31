//! Injected faults for the next N matching requests: 429 with a Retry-After, 500, 503, a
//! delay, or "accept then drop". They let tests prove the client survives what the real
//! service does on a bad day (D14: 429s, transient 5xx).
//!
//! The same types are the body of `POST /_sim/faults` on both sides: the server reads
//! them, and [`crate::control_client::SimControl::add_faults`] writes them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FaultKind {
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    Delay {
        delay_ms: u64,
    },
    /// Only `"accept_then_drop"` is accepted (checked on registration).
    Named(String),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub path_contains: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    pub kind: FaultKind,
}

fn one() -> u32 {
    1
}

impl FaultKind {
    /// An error answer with this status (400–599) and no `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }

    /// A 429 with `Retry-After: retry_after_secs`.
    pub fn throttle(retry_after_secs: u64) -> Self {
        Self::Status {
            status: 429,
            retry_after: Some(retry_after_secs),
        }
    }

    /// The answer comes after `delay_ms` milliseconds.
    pub fn delay_ms(delay_ms: u64) -> Self {
        Self::Delay { delay_ms }
    }

    /// The request is processed, then the connection is cut before the answer.
    pub fn accept_then_drop() -> Self {
        Self::Named("accept_then_drop".into())
    }
}

impl Fault {
    /// `kind` for the next request (any method) whose path and query contain `path_contains`.
    pub fn new(path_contains: impl Into<String>, kind: FaultKind) -> Self {
        Self {
            path_contains: path_contains.into(),
            method: None,
            count: 1,
            kind,
        }
    }

    /// Only requests with this method match.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// The next `count` matching requests get the fault.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
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
