//! The journal's row types and their text encodings (states are stored as the
//! snake_case words the IPC types serialise to; times as RFC 3339 text).

use chrono::{DateTime, Utc};
use rusqlite::Row;

use super::parse_ts;
use crate::dto::jobs::{ItemState, JobKind, JobState};
use crate::dto::{IpcError, IsolationKind};

/// A job to commit with its items.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub kind: JobKind,
    pub comment: String,
    pub isolation_type: Option<IsolationKind>,
    pub requested_by: String,
    pub source: Option<String>,
    /// Whose processes may send it ([`crate::team::Sender`]): a principal's object
    /// id, [`crate::team::AUTOMATION`] (whoever leads the automation), or `None`
    /// (any process: jobs journaled before team mode).
    pub sender: Option<String>,
}

/// A machine of a new job.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub machine_id: String,
    pub machine_name: Option<String>,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: String,
    pub kind: JobKind,
    pub state: JobState,
    pub comment: String,
    pub isolation_type: Option<IsolationKind>,
    pub requested_by: String,
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub error: Option<IpcError>,
    /// Whose processes may send it (see [`NewJob::sender`]).
    pub sender: Option<String>,
}

/// An item as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    pub job_id: String,
    pub seq: u32,
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub state: ItemState,
    pub action_id: Option<String>,
    pub action_status: Option<String>,
    /// POSTs sent (each `sending` commit).
    pub attempts: u32,
    /// Lookups that found no action after an unsent or unknown attempt.
    pub misses: u32,
    pub error: Option<IpcError>,
    /// When the last `sending` was committed (tenant clock): lookups search from it.
    pub intent_at: Option<DateTime<Utc>>,
    /// Not sent before this time (local clock): Defender throttled the job.
    pub not_before: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The process that claimed it for a POST (or took it over for a lookup), and
    /// until when no other process may take it ([`crate::team`]).
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

/// One move of an item.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: ItemState,
    pub action_id: Option<String>,
    pub action_status: Option<String>,
    pub error: Option<IpcError>,
    pub not_before: Option<DateTime<Utc>>,
    /// Counts a lookup that found nothing.
    pub miss: bool,
    /// The audit row's words.
    pub detail: String,
}

impl Transition {
    pub fn new(to: ItemState, detail: impl Into<String>) -> Self {
        Self {
            to,
            action_id: None,
            action_status: None,
            error: None,
            not_before: None,
            miss: false,
            detail: detail.into(),
        }
    }

    pub fn action(mut self, a: &mde_api::MachineAction) -> Self {
        self.action_id = Some(a.id.clone());
        self.action_status = Some(a.status.as_str().to_owned());
        self
    }

    pub fn error(mut self, e: IpcError) -> Self {
        self.error = Some(e);
        self
    }
}

pub(crate) fn item_state_str(s: ItemState) -> &'static str {
    match s {
        ItemState::Planned => "planned",
        ItemState::Sending => "sending",
        ItemState::Unknown => "unknown",
        ItemState::Done => "done",
        ItemState::Adopted => "adopted",
        ItemState::Failed => "failed",
        ItemState::Cancelled => "cancelled",
    }
}

pub(crate) fn item_state(s: &str) -> ItemState {
    match s {
        "planned" => ItemState::Planned,
        "sending" => ItemState::Sending,
        "done" => ItemState::Done,
        "adopted" => ItemState::Adopted,
        "failed" => ItemState::Failed,
        "cancelled" => ItemState::Cancelled,
        // Anything unexpected is looked up before anything is sent.
        _ => ItemState::Unknown,
    }
}

pub(crate) fn job_state_str(s: JobState) -> &'static str {
    match s {
        JobState::Running => "running",
        JobState::Done => "done",
        JobState::Cancelled => "cancelled",
        JobState::Halted => "halted",
    }
}

pub(crate) fn job_state(s: &str) -> JobState {
    match s {
        "done" => JobState::Done,
        "cancelled" => JobState::Cancelled,
        "halted" => JobState::Halted,
        _ => JobState::Running,
    }
}

pub(crate) fn kind_str(k: JobKind) -> &'static str {
    match k {
        JobKind::Isolate => "isolate",
        JobKind::Release => "release",
    }
}

pub(crate) fn kind(s: &str) -> JobKind {
    if s == "isolate" {
        JobKind::Isolate
    } else {
        JobKind::Release
    }
}

pub(crate) fn isolation_str(k: IsolationKind) -> &'static str {
    match k {
        IsolationKind::Full => "full",
        IsolationKind::Selective => "selective",
    }
}

/// A stored isolation type back (anything but `selective` is full isolation).
pub(crate) fn isolation_kind(s: &str) -> IsolationKind {
    if s == "selective" {
        IsolationKind::Selective
    } else {
        IsolationKind::Full
    }
}

pub(crate) fn error_json(e: Option<&IpcError>) -> Option<String> {
    e.and_then(|e| serde_json::to_string(e).ok())
}

pub(crate) fn error_of(json: Option<String>) -> Option<IpcError> {
    json.and_then(|j| serde_json::from_str(&j).ok())
}

pub(crate) fn opt_ts(s: Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().map(parse_ts)
}

pub(crate) const JOB_COLS: &str = "id, kind, state, comment, isolation_type, requested_by, source, created_at, updated_at, error, sender";

pub(crate) fn job_row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    let iso: Option<String> = r.get(4)?;
    Ok(JobRow {
        id: r.get(0)?,
        kind: kind(&r.get::<_, String>(1)?),
        state: job_state(&r.get::<_, String>(2)?),
        comment: r.get(3)?,
        isolation_type: iso.as_deref().map(isolation_kind),
        requested_by: r.get(5)?,
        source: r.get(6)?,
        created_at: parse_ts(&r.get::<_, String>(7)?),
        updated_at: parse_ts(&r.get::<_, String>(8)?),
        error: error_of(r.get(9)?),
        sender: r.get(10)?,
    })
}

pub(crate) const ITEM_COLS: &str = "job_id, seq, machine_id, machine_name, state, action_id, action_status, attempts, misses, error, intent_at, not_before, created_at, updated_at, lease_owner, lease_until";

pub(crate) fn item_row(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        job_id: r.get(0)?,
        seq: r.get(1)?,
        machine_id: r.get(2)?,
        machine_name: r.get(3)?,
        state: item_state(&r.get::<_, String>(4)?),
        action_id: r.get(5)?,
        action_status: r.get(6)?,
        attempts: r.get(7)?,
        misses: r.get(8)?,
        error: error_of(r.get(9)?),
        intent_at: opt_ts(r.get(10)?),
        not_before: opt_ts(r.get(11)?),
        created_at: parse_ts(&r.get::<_, String>(12)?),
        updated_at: parse_ts(&r.get::<_, String>(13)?),
        lease_owner: r.get(14)?,
        lease_until: opt_ts(r.get(15)?),
    })
}

/// A job's items counted by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub total: u32,
    pub done: u32,
    pub adopted: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// The latest `not_before` of a planned item (Defender throttled the job).
    pub throttled_until: Option<DateTime<Utc>>,
    pub last_update: Option<DateTime<Utc>>,
}

impl JobCounts {
    /// Adds one `GROUP BY state` row: `n` items in `state`, their latest `not_before`
    /// and `updated_at` (the same reading for every engine).
    pub(crate) fn add(
        &mut self,
        state: &str,
        n: u32,
        not_before: Option<String>,
        updated: Option<String>,
    ) {
        self.total += n;
        match item_state(state) {
            ItemState::Done => self.done += n,
            ItemState::Adopted => self.adopted += n,
            ItemState::Failed => self.failed += n,
            ItemState::Cancelled => self.cancelled += n,
            ItemState::Planned => self.throttled_until = opt_ts(not_before),
            _ => {}
        }
        self.last_update = self.last_update.max(opt_ts(updated));
    }
}
