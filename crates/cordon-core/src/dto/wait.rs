//! The types of waiting for a job's actions to end in Defender ([`crate::App::wait_job`]):
//! each machine's action as the wait last saw it, and the report at the end. Same rules
//! as `dto.rs`: no 64-bit integers, RFC 3339 strings for times.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::dto::IpcError;

/// How one machine's action ended, as a wait reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum WaitOutcome {
    /// Defender's action `Succeeded`.
    Succeeded,
    /// Defender's action ended `Failed`, `TimeOut` or `Cancelled` (see `status`).
    Failed,
    /// No action to wait for: the job failed or cancelled this machine before any was
    /// created (see `error`).
    NotSent,
    /// Still `Pending` or `InProgress` when the wait ran out.
    Waiting,
}

/// One machine of a job, with its action as last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitItem {
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub action_id: Option<String>,
    /// Defender's status: Pending, InProgress, Succeeded, Failed, TimeOut, Cancelled.
    pub status: Option<String>,
    pub outcome: WaitOutcome,
    /// When Defender last updated the action.
    pub updated: Option<String>,
    /// Why nothing was sent (`NotSent`).
    pub error: Option<IpcError>,
}

impl WaitItem {
    /// True once nothing more will change (every outcome but `Waiting`).
    pub fn is_final(&self) -> bool {
        self.outcome != WaitOutcome::Waiting
    }
}

/// The end of a wait: every machine of the job and the counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WaitReport {
    pub job_id: String,
    /// True when the time ran out before every action ended.
    pub ran_out: bool,
    /// How long the wait lasted, in whole seconds.
    pub waited_secs: u32,
    pub succeeded: u32,
    /// Actions that ended otherwise, and machines for which none was sent.
    pub failed: u32,
    /// Actions still pending or in progress (when the wait ran out).
    pub waiting: u32,
    pub items: Vec<WaitItem>,
    /// The last failed look at Defender, when the wait could not see (e.g. the tenant
    /// was unreachable until the time ran out).
    pub error: Option<IpcError>,
}
