//! The journal as the pure functions see it (reconciliation, grouping): one row per
//! (job, machine), read from the store. The store owns the table; this is its shape.

use chrono::{DateTime, Utc};

use crate::dto::jobs::{ItemState, JobKind};

/// One machine of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub job_id: String,
    pub kind: JobKind,
    pub machine_id: String,
    pub state: ItemState,
    pub action_id: Option<String>,
    pub attempts: u32,
    /// The job's source (`reconcile`, `auto-reconcile`, `batch:…`, …).
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub not_before: Option<DateTime<Utc>>,
}
