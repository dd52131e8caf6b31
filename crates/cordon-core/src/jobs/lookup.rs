//! The lookup that resolves an item left `sending` (by a crash) or `unknown` (no
//! clear answer to its POST) before anything is resent: Defender's machine actions
//! for the machine and type, created since the intent minus a slack (for clock skew)
//! with the job's comment, or still in flight. Found → `adopted` (nothing resent); not
//! found → `planned` again, at most [`MAX_MISSES`] times, then `failed` for a person to
//! resubmit.

use std::time::Duration;

use mde_api::{Filter, Query};

use crate::dto::IpcError;
use crate::dto::jobs::ItemState;
use crate::fleet::in_flight;
use crate::jobs::item::{ItemTask, LOOKUP_SLACK, MAX_MISSES, action_type};
use crate::store::{ItemRow, Transition, off_runtime};

impl ItemTask {
    /// Looks the item's action up. `Ok(false)` stops the task (storage failed);
    /// `Err(wait)` asks for another try after `wait`.
    pub(crate) async fn look_up(&self, item: &ItemRow) -> Result<bool, Duration> {
        let job = &self.job;
        let kind = action_type(job.kind);
        let since = item.intent_at.unwrap_or(item.created_at) - LOOKUP_SLACK;
        let filter = Filter::eq("machineId", item.machine_id.as_str())
            .and(Filter::eq("type", kind.as_str()))
            .and(
                Filter::ge("creationDateTimeUtc", since)
                    .or(Filter::r#in("status", ["Pending", "InProgress"])),
            );
        let found = match self
            .fleet
            .client()
            .list_machine_actions(&Query::new().filter(filter))
            .await
        {
            Ok(found) => found,
            Err(mde_api::Error::Api {
                status: 429,
                retry_after,
                ..
            }) => {
                return Err(retry_after.unwrap_or(Duration::from_secs(30)));
            }
            Err(e) => {
                tracing::warn!(job = job.id, machine = item.machine_id, error = %e, "lookup failed");
                return Err(Duration::ZERO);
            }
        };
        // Ours: created since the intent (minus the slack) with this job's comment, in
        // any status. Else one still under way, whoever asked: adopting it is right.
        // (A finished action with another comment is someone else's past work.)
        let ours = |a: &&mde_api::MachineAction| {
            a.creation_date_time_utc >= since
                && a.requestor_comment.as_deref().map(str::trim) == Some(job.comment.trim())
        };
        let pick = found
            .iter()
            .filter(ours)
            .max_by_key(|a| a.creation_date_time_utc)
            .or_else(|| {
                found
                    .iter()
                    .filter(|a| in_flight(&a.status))
                    .max_by_key(|a| a.creation_date_time_utc)
            })
            .cloned();
        let t = match &pick {
            Some(a) => {
                Transition::new(
                    ItemState::Adopted,
                    format!(
                        "found by lookup: action {} ({}) requested by {}; nothing resent",
                        a.id,
                        a.status.as_str(),
                        a.requestor.as_deref().unwrap_or("someone")
                    ),
                )
                .action(a)
            }
            None if item.misses + 1 >= MAX_MISSES => Transition::new(
                ItemState::Failed,
                format!("Defender has no action for this machine after {MAX_MISSES} tries"),
            )
            .error(IpcError::Defender {
                message: format!(
                    "Defender has no record of this action after {MAX_MISSES} tries; resubmit it from Reconciliation."
                ),
                status: 0,
                code: None,
                correlation_id: None,
                detail: None,
            }),
            None => {
                let mut t = Transition::new(ItemState::Planned, "no action found by lookup: sending again");
                t.miss = true;
                t
            }
        };
        let (task, item) = (self.detached(), item.clone());
        let applied = off_runtime(move || {
            if let Some(a) = pick {
                task.fleet.merge(None, vec![a], false);
            }
            task.apply(&item, &t)
        })
        .await;
        Ok(applied.unwrap_or(false))
    }
}
