//! Cancelling the pending isolations and releases of several machines at once (the
//! Machines view's "Cancel pending (N)…"): the request names machines, or a grid filter
//! the core resolves ("all N matching", as a bulk preview does), and the answer says,
//! machine by machine, what Defender did. The core finds each machine's pending action
//! itself: the web view never sends action ids it read from a window.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::IpcError;
use super::grid::GridFilter;

/// Which machines' pending isolation work to cancel, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CancelPendingRequest {
    pub machine_ids: Vec<String>,
    /// Also every machine matching this grid filter, resolved by the core now.
    #[serde(default)]
    pub matching: Option<GridFilter>,
    /// Why (recorded in Defender and in the audit log); required.
    pub comment: String,
}

/// What happened to one machine of a [`CancelPendingRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CancelResult {
    /// Defender accepted the cancel of its pending isolation or release.
    Cancelled,
    /// No isolation or release of this machine was pending: nothing was sent.
    NothingPending,
    /// The cancel was refused or could not be sent (`error` says why).
    Failed,
}

/// One machine's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CancelOutcome {
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub result: CancelResult,
    /// The pending action found (`Isolate` or `Unisolate`) and its id.
    pub action_type: Option<String>,
    pub action_id: Option<String>,
    /// Defender's status of that action after the cancel.
    pub status: Option<String>,
    pub error: Option<IpcError>,
}
