//! The IPC types of bulk work (journal jobs), reconciliation, grouping, history and
//! the audit log. Same rules as `dto.rs`: no 64-bit integers, RFC 3339 strings for
//! times, no secret ever.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::dto::{IpcError, IsolationKind, MachineRef};

/// What a job asks Defender to do for each of its machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Isolate,
    Release,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Items remain to be sent or checked (also after a restart, until resumed).
    Running,
    /// Every item reached a terminal state.
    Done,
    /// Cancelled by a person: no call after the cancel; unsent items are `cancelled`.
    Cancelled,
    /// Stopped because the local store failed (nothing is sent without a committed intent).
    Halted,
}

/// One machine of a job: `planned → sending → {done | adopted | failed | unknown → …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Intent committed, not sent yet (or waiting for its `notBefore` time).
    Planned,
    /// Committed as about to be sent; on restart it is looked up before any resend.
    Sending,
    /// Sent, no answer: looked up before anything else.
    Unknown,
    /// Defender created the action.
    Done,
    /// An action already under way for the machine was adopted; nothing was sent twice.
    Adopted,
    /// Refused by Defender (or invalid); not retried.
    Failed,
    /// Not sent: the job was cancelled first.
    Cancelled,
}

impl ItemState {
    /// True once the item will not change any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ItemState::Done | ItemState::Adopted | ItemState::Failed | ItemState::Cancelled
        )
    }
}

/// A bulk isolate or release request (one machine is a bulk of one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkRequest {
    pub kind: JobKind,
    pub machine_ids: Vec<String>,
    pub comment: String,
    /// Isolate only; `Full` when absent.
    pub isolation_type: Option<IsolationKind>,
    /// Where the selection came from, e.g. `batch:3f2a…`, `reconcile`, `auto-reconcile`.
    pub source: Option<String>,
    /// Include machines whose isolation someone else requested (S-7: excluded by default).
    pub include_foreign: bool,
    /// Also every machine matching this grid filter ("select all N matching"),
    /// resolved by the core when the preview is computed; a sync that changes the
    /// matching set makes the preview stale (S-7).
    #[serde(default)]
    pub matching: Option<super::grid::GridFilter>,
}

/// Why a machine is left out of a bulk request: what the UI switches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionCause {
    /// Not a Defender machine id.
    InvalidId,
    /// A release of a machine that is not isolated.
    NotIsolated,
    /// An isolation of a machine that is isolated already.
    AlreadyIsolated,
    /// A release of someone else's isolation, not chosen explicitly (S-7).
    IsolatedByOther,
}

/// A machine left out of a bulk request, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Exclusion {
    pub machine: MachineRef,
    pub cause: ExclusionCause,
    /// The cause in a sentence.
    pub reason: String,
    /// Who requested the isolation (`IsolatedByOther`).
    pub isolated_by: Option<String>,
}

/// What a bulk request would do: shown before the one confirmation. The count sent
/// equals `will_send.len()` (S-7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkPreview {
    pub kind: JobKind,
    pub will_send: Vec<MachineRef>,
    pub excluded: Vec<Exclusion>,
    /// When set, the user must type this text to confirm (above the threshold).
    pub confirm_phrase: Option<String>,
    /// A fingerprint of exactly what would be sent: `start_job` takes it back and
    /// refuses when the preview it would compute now differs.
    pub token: String,
}

/// What the person confirmed: the token of the preview they saw, and the phrase they
/// typed when that preview asked for one. The core checks both before it commits
/// anything, so no front end can skip them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    pub preview_token: String,
    pub typed_phrase: Option<String>,
}

impl Confirmation {
    /// Confirms exactly what `preview` shows and asks (after a person's own prompt, a
    /// `--yes`, or a decision Cordon made row by row).
    pub fn of(preview: &BulkPreview) -> Self {
        Self {
            preview_token: preview.token.clone(),
            typed_phrase: preview.confirm_phrase.clone(),
        }
    }
}

/// A job's counts, as lists and progress events show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobSummary {
    pub id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub comment: String,
    pub requested_by: String,
    pub source: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub total: u32,
    /// Items in a terminal state.
    pub finished: u32,
    /// Done + adopted.
    pub succeeded: u32,
    pub adopted: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// Set while Defender throttles the job: nothing is sent before this time.
    pub throttled_until: Option<String>,
    /// Why the job stopped, when it is `halted`.
    pub error: Option<IpcError>,
    /// Who may send it when not any Cordon process may: "Alice's Cordon" (a person's
    /// job waits while that person's laptop is closed) or "the agent that runs the
    /// automation".
    pub sent_by: Option<String>,
}

/// One machine of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobItem {
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub state: ItemState,
    pub action_id: Option<String>,
    /// Defender's status of that action when last seen.
    pub action_status: Option<String>,
    pub attempts: u32,
    pub error: Option<IpcError>,
    pub updated_at: String,
}

/// A job and its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobDetail {
    pub job: JobSummary,
    pub items: Vec<JobItem>,
}

/// A progress event: the job's counts and, when one changed, the item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    pub job: JobSummary,
    pub item: Option<JobItem>,
}

/// Why a row is in the Reconciliation view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum StuckCause {
    /// Pending past the threshold on a device that has not reported since.
    Offline,
    /// Pending past the threshold although the device reports (online).
    PendingTooLong,
    /// Ended `TimeOut` (Defender gave up after 3 days).
    TimedOut,
    /// Ended `Failed`.
    Failed,
    /// Cancelled by someone.
    Cancelled,
    /// A newer action of the other type replaced it; nothing to do.
    Superseded,
}

/// What Cordon proposes (or will do) next for a stuck row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Defender delivers it when the device next connects: wait.
    WaitForDevice,
    /// Send it again (nothing is under way any more).
    Resubmit,
    /// Cancel the pending action, then send a new one.
    CancelAndResubmit,
    /// Auto-reconcile will resubmit when the device is seen again.
    AutoResubmit,
    /// A resubmission by Cordon is under way (journal).
    InProgress,
    /// Auto-reconcile used its tries: a person decides.
    NeedsPerson,
    /// Nothing to do.
    Nothing,
}

impl NextStep {
    /// True when a person may resubmit the row now: what `resubmit` accepts, and
    /// what the Reconciliation view offers (one rule, decided here).
    pub fn resubmittable(self) -> bool {
        matches!(
            self,
            NextStep::Resubmit
                | NextStep::CancelAndResubmit
                | NextStep::AutoResubmit
                | NextStep::NeedsPerson
        )
    }
}

/// One row of the Reconciliation view (and `cordon reconcile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconRow {
    /// A person may resubmit it now ([`NextStep::resubmittable`]).
    pub resubmittable: bool,
    pub machine_id: String,
    pub machine_name: String,
    pub kind: JobKind,
    pub action_id: String,
    pub cause: StuckCause,
    /// The facts, in a sentence: "Release pending 5 h; device Active, last full report 14 h ago: …".
    pub cause_text: String,
    pub requested_at: String,
    pub ended_at: Option<String>,
    pub requestor: String,
    pub comment: String,
    pub health: String,
    pub last_seen: Option<String>,
    pub next_step: NextStep,
    /// What Cordon will do next and when, in a sentence.
    pub next_text: String,
    pub next_at: Option<String>,
    /// Resubmissions Cordon already made for this machine (auto and manual).
    pub tries: u32,
}

/// Isolations that share a cause: one selection releases the whole batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IsolationGroup {
    /// Stable id (`cordon release --batch <id>`).
    pub id: String,
    /// "Alert: <detection title>" or the shared comment.
    pub title: String,
    pub requestor: String,
    pub comment: String,
    pub first_at: String,
    pub last_at: String,
    /// Machines of the batch that are isolated now (what a release would target).
    pub machines: Vec<MachineRef>,
    pub count: u32,
}

/// Which isolation actions the History view lists (all given fields must match).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryFilter {
    pub kind: Option<JobKind>,
    /// Defender's status, e.g. `Succeeded`.
    pub status: Option<String>,
    /// Substring of the requestor, case-insensitive.
    pub requestor: Option<String>,
    /// Machine id or substring of its name.
    pub machine: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`, inclusive.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Rows per page: [`DEFAULT_PAGE`] when absent, at most [`MAX_PAGE`].
    #[serde(default)]
    #[specta(optional)]
    pub limit: Option<u32>,
    /// Rows to skip from the newest (the first page is the newest rows).
    #[serde(default)]
    #[specta(optional)]
    pub offset: Option<u32>,
    /// The viewer's offset from UTC in minutes (UTC+01:00 is 60): `per_day` counts
    /// the viewer's local days. Absent: UTC days (the CLI).
    #[serde(default)]
    #[specta(optional)]
    pub utc_offset_minutes: Option<i32>,
}

/// Rows per page when a filter gives no `limit`.
pub const DEFAULT_PAGE: u32 = 1_000;
/// The largest page a filter may ask for; a larger `limit` is capped to it.
pub const MAX_PAGE: u32 = 10_000;

/// The page a filter asks for: `(offset, limit)`, the limit defaulted and capped
/// (and at least 1).
pub fn page_of(offset: Option<u32>, limit: Option<u32>) -> (u32, u32) {
    (
        offset.unwrap_or(0),
        limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
    )
}

/// One isolation action in the History view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    pub action_id: String,
    pub machine_id: String,
    pub machine_name: String,
    pub kind: JobKind,
    pub status: String,
    pub requestor: String,
    pub comment: String,
    pub created: String,
    pub updated: Option<String>,
}

/// Isolations and releases requested on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub isolations: u32,
    pub releases: u32,
}

/// The History view: one page of the matching rows (newest first) and the per-day
/// chart over every matching row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct History {
    /// Rows `offset .. offset + limit` of the matches, newest first.
    pub rows: Vec<HistoryRow>,
    /// Over every match, not only this page.
    pub per_day: Vec<DayCount>,
    /// How many rows match in all; more exist when `offset + rows.len() < total`.
    pub total: u32,
    pub offset: u32,
    /// The page size applied (defaulted and capped).
    pub limit: u32,
}

/// One audit-log entry: what Cordon did or was asked to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Position in the log (1, 2, …).
    pub seq: u32,
    pub at: String,
    /// Who: the signed-in user or the app (client id), or `cordon` for automatic steps.
    pub actor: String,
    /// What, e.g. `job.created`, `item.sent`, `item.done`, `item.adopted`, `item.failed`,
    /// `job.cancelled`, `auto_reconcile.resubmit`.
    pub event: String,
    pub job_id: Option<String>,
    pub machine_id: Option<String>,
    /// The machine's DNS name, resolved when read (the machine cache, else the name
    /// its job item recorded); `None` when neither knows it.
    pub machine_name: Option<String>,
    pub comment: Option<String>,
    pub action_id: Option<String>,
    /// Result or detail in words.
    pub detail: String,
}

/// Which audit entries to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    /// Substring in actor, event, machine, comment or detail (case-insensitive).
    pub text: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub job_id: Option<String>,
    /// Entries per page: [`DEFAULT_PAGE`] when absent, at most [`MAX_PAGE`].
    #[serde(default)]
    #[specta(optional)]
    pub limit: Option<u32>,
    /// Entries to skip from the newest: the first page is the newest entries.
    #[serde(default)]
    #[specta(optional)]
    pub offset: Option<u32>,
}

/// One page of the audit log. The page is counted from the newest end (offset 0 is
/// the newest `limit` entries, offset `limit` the ones before them), so the view
/// opens on what happened last and "Load more" reaches further back; the entries of
/// a page are oldest first, as the log reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// How many entries match in all; more exist when `offset + entries.len() < total`.
    pub total: u32,
    pub offset: u32,
    /// The page size applied (defaulted and capped).
    pub limit: u32,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// Reconciliation settings (kept in the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileSettings {
    /// Resubmit a timed-out release when its machine is seen again.
    pub auto_reconcile: bool,
    /// Resubmissions per machine before a person must decide.
    pub max_tries: u32,
    /// A pending action older than this is stuck (minutes; default 30).
    pub stuck_after_minutes: u32,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        Self {
            auto_reconcile: true,
            max_tries: 3,
            stuck_after_minutes: 30,
        }
    }
}
