//! `POST /_sim/alerts`: alerts a test chooses (machine, severity, title, …), raised at
//! the simulated *now* and, with `visibleAfterSecs`, published only that much later, as
//! Defender's ingestion delay does: until then the alert is in no list, count or get,
//! and afterwards it shows with its original creation time. Apart from `control.rs`,
//! whose routes drive machines and the clock, because of the validation it needs (one
//! object or an array, all or nothing) and the body type it shares with the typed
//! client ([`NewAlert`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Shared;
use super::control::{bad, parse};
use super::token::stable_guid;
use crate::model::{Alert, Detection, Tenant};
use crate::scenario::alerts::alert_id;

/// The severities Defender spells (the input is read case-insensitively).
pub const SEVERITIES: &[&str] = &["Informational", "Low", "Medium", "High"];
/// The title of an alert posted without one.
pub const DEFAULT_TITLE: &str = "Suspicious activity detected";
/// The category of an alert posted without one.
pub const DEFAULT_CATEGORY: &str = "SuspiciousActivity";
/// The detection source of an alert posted without one.
pub const DEFAULT_DETECTION_SOURCE: &str = "WindowsDefenderAtp";

/// One alert to raise (`POST /_sim/alerts` takes one or an array). Missing names get
/// defaults ([`DEFAULT_TITLE`], …; the detector id is derived from the title).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAlert {
    /// The machine's id (or its computer name).
    pub machine_id: String,
    /// Informational, Low, Medium or High (any case).
    pub severity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector_id: Option<String>,
    /// Simulated seconds between the alert's creation and its showing in the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_after_secs: Option<u32>,
}

impl NewAlert {
    /// An alert of `severity` on `machine_id`, with the default names, shown at once.
    pub fn new(machine_id: impl Into<String>, severity: impl Into<String>) -> Self {
        Self {
            machine_id: machine_id.into(),
            severity: severity.into(),
            title: None,
            category: None,
            detection_source: None,
            detector_id: None,
            visible_after_secs: None,
        }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    pub fn with_detection_source(mut self, source: impl Into<String>) -> Self {
        self.detection_source = Some(source.into());
        self
    }

    pub fn with_detector_id(mut self, detector_id: impl Into<String>) -> Self {
        self.detector_id = Some(detector_id.into());
        self
    }

    /// Published `seconds` (simulated) after its creation (Defender's ingestion delay).
    pub fn visible_after_secs(mut self, seconds: u32) -> Self {
        self.visible_after_secs = Some(seconds);
        self
    }
}

/// Defender's spelling of a severity, read case-insensitively.
pub fn severity(s: &str) -> Option<&'static str> {
    SEVERITIES
        .iter()
        .copied()
        .find(|x| x.eq_ignore_ascii_case(s.trim()))
}

/// A checked [`NewAlert`]: its machine index and its detection.
struct Checked {
    machine: u32,
    detection: Detection,
    visible_after: Option<u32>,
}

fn check(t: &Tenant, a: NewAlert) -> Result<Checked, String> {
    let machine = t
        .find_machine(&a.machine_id)
        .ok_or_else(|| format!("no machine {}", a.machine_id))?;
    let severity = severity(&a.severity).ok_or_else(|| {
        format!(
            "severity {:?} is not one of {}",
            a.severity,
            SEVERITIES.join(", ")
        )
    })?;
    let title = a.title.unwrap_or_else(|| DEFAULT_TITLE.to_owned());
    let detector_id = a
        .detector_id
        .unwrap_or_else(|| stable_guid(&format!("detector:{title}")));
    let text =
        |v: Option<String>, default: &'static str| v.map_or(Cow::Borrowed(default), Cow::Owned);
    Ok(Checked {
        machine,
        detection: Detection {
            title: Cow::Owned(title),
            description: "Review the alert story and the affected entities.",
            category: text(a.category, DEFAULT_CATEGORY),
            detection_source: text(a.detection_source, DEFAULT_DETECTION_SOURCE),
            detector_id: Cow::Owned(detector_id),
            threat_family: None,
            threat_name: None,
            mitre: &[],
            severity,
            file_name: "setup.exe",
            file_path: "C:\\Users\\user\\Downloads",
            sha1: "1111111111111111111111111111111111111111",
            sha256: "2222222222222222222222222222222222222222222222222222222222222222",
        },
        visible_after: a.visible_after_secs.filter(|&n| n > 0),
    })
}

/// Raises the checked alerts at `now`; alerts of the same detection share it.
fn raise_all(t: &mut Tenant, all: Vec<Checked>, now: DateTime<Utc>) -> Vec<String> {
    type Key = (String, String, String, String, &'static str);
    let mut shared: HashMap<Key, Arc<Detection>> = HashMap::new();
    all.into_iter()
        .map(|c| {
            let d = &c.detection;
            let key = (
                d.title.to_string(),
                d.detector_id.to_string(),
                d.category.to_string(),
                d.detection_source.to_string(),
                d.severity,
            );
            let detection = shared
                .entry(key)
                .or_insert_with(|| Arc::new(c.detection))
                .clone();
            let id = alert_id(t, now);
            let incident_id = t.rng.gen_range(1000..99_999);
            t.add_alert(Alert {
                id: id.clone(),
                incident_id,
                investigation_id: None,
                detection,
                status: "New",
                classification: None,
                determination: None,
                investigation_state: "Unknown",
                assigned_to: None,
                machine: c.machine,
                created: now,
                first_event: now,
                last_update: now,
                resolved: None,
                user: Some(("user".into(), "CONTOSO".into())),
                visible_from: c
                    .visible_after
                    .map(|n| now + Duration::seconds(i64::from(n))),
            });
            id
        })
        .collect()
}

/// `POST /_sim/alerts`: one [`NewAlert`] or an array; 201 `{"alerts": [ids]}`, or 400
/// and nothing raised when any of them is wrong.
pub async fn post_alerts(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let (many, wanted): (bool, Vec<NewAlert>) = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(_)) => match parse(&body) {
            Ok(v) => (true, v),
            Err(e) => return bad(e),
        },
        Ok(_) => match parse::<NewAlert>(&body) {
            Ok(a) => (false, vec![a]),
            Err(e) => return bad(e),
        },
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    let now = s.now();
    let mut t = s.tenant_at(now);
    let mut checked = Vec::with_capacity(wanted.len());
    for (i, a) in wanted.into_iter().enumerate() {
        match check(&t, a) {
            Ok(c) => checked.push(c),
            Err(e) if many => return bad(format!("alert {i}: {e}; no alert was raised")),
            Err(e) => return bad(e),
        }
    }
    let ids = raise_all(&mut t, checked, now);
    (StatusCode::CREATED, Json(json!({ "alerts": ids }))).into_response()
}
