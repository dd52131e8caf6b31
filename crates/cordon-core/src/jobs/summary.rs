//! How a stored job and its items read in lists, progress events and the UI.

use chrono::Utc;

use crate::dto::IpcError;
use crate::dto::jobs::{JobItem, JobState, JobSummary};
use crate::error::{CoreError, Result};
use crate::store::{ItemRow, JobRow, Store};
use crate::time::rfc3339;

/// The summary of a stored job, with its counts; `halted` is a halt known in this
/// process that the store may not have recorded.
pub(crate) fn summary_of(
    store: &Store,
    j: &JobRow,
    halted: Option<IpcError>,
) -> Result<JobSummary> {
    let c = store.job_counts(&j.id)?;
    let now = Utc::now();
    let (state, error) = match halted {
        Some(e) if j.state == JobState::Running => (JobState::Halted, Some(e)),
        _ => (j.state, j.error.clone()),
    };
    Ok(JobSummary {
        id: j.id.clone(),
        kind: j.kind,
        state,
        comment: j.comment.clone(),
        requested_by: j.requested_by.clone(),
        source: j.source.clone(),
        created_at: rfc3339(j.created_at),
        updated_at: rfc3339(j.updated_at.max(c.last_update.unwrap_or(j.updated_at))),
        total: c.total,
        finished: c.done + c.adopted + c.failed + c.cancelled,
        succeeded: c.done + c.adopted,
        adopted: c.adopted,
        failed: c.failed,
        cancelled: c.cancelled,
        throttled_until: c
            .throttled_until
            .filter(|t| *t > now && state == JobState::Running)
            .map(rfc3339),
        error,
        // On a team store only: on this computer every Cordon process may send it.
        sent_by: store.pg().and_then(|_| crate::team::lease::sent_by(j)),
    })
}

/// An item as the UI shows it.
pub(crate) fn job_item(i: &ItemRow) -> JobItem {
    JobItem {
        machine_id: i.machine_id.clone(),
        machine_name: i.machine_name.clone(),
        state: i.state,
        action_id: i.action_id.clone(),
        action_status: i.action_status.clone(),
        attempts: i.attempts,
        error: i.error.clone(),
        updated_at: rfc3339(i.updated_at),
    }
}

/// The error a halted job shows.
pub(crate) fn storage_ipc(e: &CoreError) -> IpcError {
    match e {
        CoreError::Storage(detail) => IpcError::from(CoreError::Storage(detail.clone())),
        CoreError::TeamStore(detail) => IpcError::from(CoreError::TeamStore(detail.clone())),
        other => IpcError::from(CoreError::Storage(other.to_string())),
    }
}
