//! A machine action (§4.1): its type and status enums with the service's spellings, and
//! its wire JSON. The lifecycle that moves the status lives in `tenant`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::clock::odata;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionType {
    Isolate,
    Unisolate,
    RunAntiVirusScan,
    RestrictCodeExecution,
    UnrestrictCodeExecution,
    CollectInvestigationPackage,
}

impl ActionType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Isolate => "Isolate",
            Self::Unisolate => "Unisolate",
            Self::RunAntiVirusScan => "RunAntiVirusScan",
            Self::RestrictCodeExecution => "RestrictCodeExecution",
            Self::UnrestrictCodeExecution => "UnrestrictCodeExecution",
            Self::CollectInvestigationPackage => "CollectInvestigationPackage",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    InProgress,
    Succeeded,
    Failed,
    TimeOut,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::TimeOut => "TimeOut",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Pending and InProgress are the only states that can still change (D6).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::InProgress)
    }
}

#[derive(Debug, Clone)]
pub struct Cancellation {
    pub requestor: Arc<str>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Action {
    pub id: Uuid,
    pub kind: ActionType,
    /// `Full`/`Selective` for isolation, `Quick`/`Full` for scans, else null.
    pub scope: Option<&'static str>,
    pub requestor: Arc<str>,
    pub comment: Arc<str>,
    pub status: Status,
    pub machine: u32,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// When it became InProgress.
    pub started: Option<DateTime<Utc>>,
    pub cancel: Option<Box<Cancellation>>,
    pub external_id: Option<Arc<str>>,
    /// Sim seconds from deliverable to InProgress, and from InProgress to the end.
    pub pickup_secs: u32,
    pub exec_secs: u32,
    /// Decided at submission: ends Failed instead of Succeeded.
    pub will_fail: bool,
    pub error_hresult: i32,
}

/// HRESULT written on failed actions (E_FAIL).
pub const E_FAIL: i32 = -2_147_467_259;

impl Action {
    /// The MachineAction entity. `list_quirk` writes `lastUpdateTimeUtc` as the list
    /// examples do (D4) instead of `lastUpdateDateTimeUtc`.
    pub fn to_json(&self, computer_dns_name: &str, machine_id: &str, list_quirk: bool) -> Value {
        let last_update_key = if list_quirk {
            "lastUpdateTimeUtc"
        } else {
            "lastUpdateDateTimeUtc"
        };
        let mut v = json!({
            "id": self.id.to_string(),
            "type": self.kind.as_str(),
            "title": null,
            "requestor": &*self.requestor,
            "requestorComment": &*self.comment,
            "status": self.status.as_str(),
            "machineId": machine_id,
            "computerDnsName": computer_dns_name,
            "creationDateTimeUtc": odata(self.created),
            "cancellationRequestor": self.cancel.as_ref().map(|c| c.requestor.to_string()),
            "cancellationComment": self.cancel.as_ref().and_then(|c| c.comment.clone()),
            "cancellationDateTimeUtc": self.cancel.as_ref().map(|c| odata(c.at)),
            "errorHResult": self.error_hresult,
            "scope": self.scope,
            "externalId": self.external_id.as_deref(),
            "requestSource": "PublicApi",
            "relatedFileInfo": null,
            "commands": [],
            "troubleshootInfo": null
        });
        if let Some(obj) = v.as_object_mut() {
            obj.insert(last_update_key.to_owned(), json!(odata(self.updated)));
        }
        v
    }
}
