//! The types that cross the IPC boundary to the web view.
//!
//! TypeScript for them is generated (tauri-specta) into `ui/src/ipc/bindings.ts`; never
//! mirror them by hand. Rules: no 64-bit integers (JavaScript numbers cannot hold them),
//! timestamps travel as RFC 3339 strings, ids as strings, and no token or secret ever
//! appears in a DTO.

pub mod automation;
pub mod cancel;
pub mod grid;
pub mod jobs;
pub mod team;
pub mod wait;

use serde::{Deserialize, Serialize};
use specta::Type;

/// A machine's derived isolation state (the words of product.md's state table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum IsolationState {
    NotIsolated,
    Isolating,
    Isolated,
    Releasing,
    ReleaseStuck,
    IsolationFailed,
}

/// One row of the Machines view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MachineRow {
    pub id: String,
    pub name: String,
    pub state: IsolationState,
    /// The sentence that explains the state ("Isolated since … by …: comment").
    pub reason: String,
    /// When the shown state began, RFC 3339.
    pub since: Option<String>,
    /// True for isolated, releasing and release_stuck: cut off right now.
    pub isolated_now: bool,
    /// An isolation or release is still pending (or in progress) at Defender: what
    /// "Cancel pending" concerns (a stuck release that timed out is not).
    pub pending: bool,
    pub health: String,
    /// Defender's `lastSeen`: the last full device report (about daily).
    pub last_seen: Option<String>,
    pub os: String,
    pub risk: Option<String>,
    pub exposure: Option<String>,
    pub device_value: Option<String>,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub ip: Option<String>,
}

/// The counters at the top of the Machines view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub total: u32,
    /// Cut off right now: isolated + releasing + release stuck.
    pub isolated_now: u32,
    pub isolating: u32,
    pub releasing: u32,
    pub stuck: u32,
    pub isolation_failed: u32,
}

/// How fresh the local view of the tenant is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// Increases with every change of the cached data.
    pub revision: u32,
    /// Last successful sync, RFC 3339 (tenant clock).
    pub synced_at: Option<String>,
    /// Set while the last sync attempt failed; cleared by the next success.
    pub error: Option<IpcError>,
    /// True until the first sync finished (success or failure).
    pub loading: bool,
}

/// Everything the Machines view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub machines: Vec<MachineRow>,
    pub counters: Counters,
    pub sync: SyncStatus,
}

/// The tenant this window works on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// True when Cordon runs against its embedded simulator.
    pub demo: bool,
    pub tenant_label: String,
    pub api_base: String,
    /// Permissions granted to the token (e.g. `Machine.Isolate`); empty until known.
    pub permissions: Vec<String>,
    /// Whether isolate and release are offered ([`may_isolate`]).
    pub may_isolate: bool,
}

/// The permission that isolate and release need.
pub const ISOLATE_PERMISSION: &str = "Machine.Isolate";

/// Whether isolate and release are offered: `None` (permissions not known yet) offers
/// them, and Defender answers a 403 naming the missing permission; a known list must
/// hold [`ISOLATE_PERMISSION`] (an empty known list holds nothing).
pub fn may_isolate(permissions: Option<&[String]>) -> bool {
    permissions.is_none_or(|ps| {
        ps.iter()
            .any(|p| p.eq_ignore_ascii_case(ISOLATE_PERMISSION))
    })
}

/// `Full` blocks everything but the Defender service; `Selective` keeps chosen apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
pub enum IsolationKind {
    Full,
    Selective,
}

/// One isolate or release action in a machine's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub action_id: String,
    /// `Isolate` or `Unisolate`.
    pub action_type: String,
    /// Defender's status (`Pending`, `InProgress`, `Succeeded`, …).
    pub status: String,
    pub scope: Option<String>,
    pub requestor: String,
    pub comment: String,
    pub created: String,
    pub updated: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_comment: Option<String>,
}

/// The machine detail drawer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MachineDetail {
    pub machine: MachineRow,
    pub os_version: Option<String>,
    pub first_seen: Option<String>,
    pub aad_device_id: Option<String>,
    pub ip_addresses: Vec<String>,
    /// Newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A request to isolate machines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IsolateRequest {
    pub machine_ids: Vec<String>,
    pub isolation_type: IsolationKind,
    pub comment: String,
}

/// A request to release machines from isolation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseRequest {
    pub machine_ids: Vec<String>,
    pub comment: String,
}

/// What happened to one machine of an isolate/release request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActionOutcome {
    pub machine_id: String,
    pub machine_name: Option<String>,
    /// The Defender action id when an action was created or adopted.
    pub action_id: Option<String>,
    /// Defender's status of that action.
    pub status: Option<String>,
    /// True when an already-pending action was adopted instead of sending twice.
    pub adopted: bool,
    pub error: Option<IpcError>,
}

/// A machine a name or id may refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MachineRef {
    pub id: String,
    pub name: String,
}

/// The one error type at the IPC boundary: tagged by `kind` so the UI can switch on
/// it, always with a sentence a person can act on, and with Defender's status, error
/// code and correlation id kept for the "details" toggle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum IpcError {
    /// The input was refused before any request (empty comment, malformed id, …).
    #[error("{message}")]
    Validation { field: String, message: String },
    /// No machine (or action) matches.
    #[error("{message}")]
    NotFound { message: String },
    /// A name matches several machines: nothing is done until the user picks one.
    #[error("{message}")]
    Ambiguous {
        message: String,
        candidates: Vec<MachineRef>,
    },
    /// Defender (or the sign-in service) could not be reached.
    #[error("{message}")]
    Unreachable { message: String, detail: String },
    /// The certificate of a server (Defender, the sign-in service, the team store) is
    /// not trusted by this computer: typically a company proxy that inspects TLS with a
    /// CA not installed in the system store. Not a network failure: nothing was sent.
    #[error("{message}")]
    UntrustedCertificate {
        message: String,
        /// The server whose certificate was refused.
        host: String,
        /// Who issued it (its common name), when it could be read.
        issuer: Option<String>,
        /// Why, in a few words: `unknown issuer`, `expired`, `issued for another name`.
        reason: String,
    },
    /// Signing in failed.
    #[error("{message}")]
    #[serde(rename_all = "camelCase")]
    Auth {
        message: String,
        code: Option<String>,
        correlation_id: Option<String>,
    },
    /// The token lacks a permission.
    #[error("{message}")]
    #[serde(rename_all = "camelCase")]
    Forbidden {
        message: String,
        permission: Option<String>,
        correlation_id: Option<String>,
    },
    /// Defender throttled Cordon.
    #[error("{message}")]
    #[serde(rename_all = "camelCase")]
    Throttled {
        message: String,
        retry_after_secs: Option<u32>,
    },
    /// The request left but no answer came: Cordon checks before any resend.
    #[error("{message}")]
    OutcomeUnknown { message: String },
    /// Any other answer from Defender, with its details.
    #[error("{message}")]
    #[serde(rename_all = "camelCase")]
    Defender {
        message: String,
        status: u16,
        code: Option<String>,
        correlation_id: Option<String>,
        detail: Option<String>,
    },
    /// The OS credential store cannot be used; Cordon stores no secret elsewhere.
    #[error("{message}")]
    SecureStorage { message: String },
    /// Cordon's local store (the journal and audit log) failed: nothing was sent
    /// without a committed intent. A blocking error in the UI.
    #[error("{message}")]
    Storage { message: String },
    /// A bulk job's preview no longer matches what it would send: nothing was sent;
    /// the person looks at the new preview and confirms again (S-7).
    #[error("{message}")]
    StalePreview { message: String },
    /// A safety rule refused it (four eyes, an application approving, an expired
    /// proposal, a protected machine without an override): nothing was done.
    #[error("{message}")]
    Refused { message: String },
    /// A fault inside Cordon.
    #[error("{message}")]
    Internal { message: String },
}

/// Which machine actions to list (every field optional; all given ones must match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActionFilter {
    /// A machine id or DNS name (resolved like the search: ambiguous names are refused).
    pub machine: Option<String>,
    /// Defender's action type, e.g. `Isolate`, `Unisolate`, `RunAntiVirusScan`.
    pub action_type: Option<String>,
    /// Defender's status, e.g. `Pending`, `InProgress`, `Succeeded`, `Failed`.
    pub status: Option<String>,
    /// Only actions created at or after this time, RFC 3339.
    pub since: Option<String>,
}

/// One machine action (any type) as listed by `cordon actions` or after a cancel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActionRow {
    pub action_id: String,
    pub action_type: String,
    pub status: String,
    pub scope: Option<String>,
    pub machine_id: Option<String>,
    pub machine_name: Option<String>,
    pub requestor: String,
    pub comment: String,
    pub created: String,
    pub updated: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_comment: Option<String>,
}
