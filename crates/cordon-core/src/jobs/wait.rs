//! Waiting until a job's actions end in Defender: after the POSTs, each machine's
//! action goes `Pending → InProgress → Succeeded | Failed | TimeOut | Cancelled`, and
//! an offline machine's stays `Pending` until it reports again. The wait reads each
//! action from the fleet's cache and syncs as the sync loop does while work is under
//! way (one paged call for every action in flight, however many machines), so a wait
//! over thousands of machines costs a call every few seconds, not one per machine.
//! Each machine is handed to the caller once, when its outcome is final; the report
//! at the end has every machine, those still waiting included.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use mde_api::ActionStatus;

use crate::dto::IpcError;
use crate::dto::jobs::{ItemState, JobItem};
use crate::dto::wait::{WaitItem, WaitOutcome, WaitReport};
use crate::error::Result;
use crate::fleet::Fleet;
use crate::jobs::Jobs;
use crate::time::rfc3339;

impl Jobs {
    /// Each machine of job `id` with its action as the cache has it now (no wait, no
    /// call: the sync loop keeps the cache current while work is under way); the
    /// desktop's job panel follows it to Defender's final statuses.
    pub fn outcomes(&self, id: &str) -> Result<WaitReport> {
        Ok(report(
            id,
            look(&self.fleet, &self.job(id)?.items),
            Duration::ZERO,
            None,
        ))
    }

    /// Waits until every action of job `id` has ended, or `limit` has passed.
    pub async fn wait(
        &self,
        id: &str,
        limit: Duration,
        mut on_end: impl FnMut(&WaitItem) + Send,
    ) -> Result<WaitReport> {
        let started = Instant::now();
        let deadline = started + limit;
        let mut told: HashSet<String> = HashSet::new();
        let mut error = None;
        loop {
            let items = look(&self.fleet, &self.job(id)?.items);
            for it in items.iter().filter(|it| it.is_final()) {
                if told.insert(it.machine_id.clone()) {
                    on_end(it);
                }
            }
            let done = items.iter().all(WaitItem::is_final);
            let left = deadline.saturating_duration_since(Instant::now());
            if done || left.is_zero() {
                return Ok(report(id, items, started.elapsed(), error));
            }
            tokio::time::sleep(self.fleet.busy_poll().min(left)).await;
            // A failed look is kept for the report and tried again next round.
            error = self.fleet.sync_once(false).await.err().map(IpcError::from);
        }
    }
}

/// Each item with its action as the cache has it now (the store's copy for an action
/// the cache no longer keeps: an ended one, older than its machine's live work).
fn look(fleet: &Fleet, items: &[JobItem]) -> Vec<WaitItem> {
    let missing: Vec<String> = {
        let c = fleet.cache();
        items
            .iter()
            .filter(|i| {
                i.action_id
                    .as_deref()
                    .is_some_and(|a| !c.actions.contains_key(a))
            })
            .map(|i| i.machine_id.clone())
            .collect()
    };
    let stored = if missing.is_empty() {
        Vec::new()
    } else {
        fleet.store().machine_actions(&missing).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "job outcomes: the store's actions not read");
            Vec::new()
        })
    };
    let stored: std::collections::HashMap<&str, &mde_api::MachineAction> =
        stored.iter().map(|a| (a.id.as_str(), a)).collect();
    let c = fleet.cache();
    items
        .iter()
        .map(|i| {
            let action = i
                .action_id
                .as_deref()
                .and_then(|a| c.actions.get(a).or_else(|| stored.get(a).copied()));
            let outcome = match (i.state, action.map(|a| &a.status)) {
                (ItemState::Failed | ItemState::Cancelled, _) => WaitOutcome::NotSent,
                (_, Some(ActionStatus::Succeeded)) => WaitOutcome::Succeeded,
                (_, Some(s)) if s.is_final() => WaitOutcome::Failed,
                _ => WaitOutcome::Waiting,
            };
            WaitItem {
                machine_id: i.machine_id.clone(),
                machine_name: i.machine_name.clone(),
                action_id: i.action_id.clone(),
                status: action
                    .map(|a| a.status.as_str().to_owned())
                    .or_else(|| i.action_status.clone()),
                outcome,
                updated: action.and_then(|a| a.last_update_date_time_utc.map(rfc3339)),
                error: i.error.clone(),
            }
        })
        .collect()
}

fn report(id: &str, items: Vec<WaitItem>, waited: Duration, error: Option<IpcError>) -> WaitReport {
    let count = |f: fn(WaitOutcome) -> bool| {
        u32::try_from(items.iter().filter(|i| f(i.outcome)).count()).unwrap_or(u32::MAX)
    };
    let succeeded = count(|o| o == WaitOutcome::Succeeded);
    let failed = count(|o| matches!(o, WaitOutcome::Failed | WaitOutcome::NotSent));
    let waiting = count(|o| o == WaitOutcome::Waiting);
    WaitReport {
        job_id: id.to_owned(),
        ran_out: waiting > 0,
        waited_secs: u32::try_from(waited.as_secs()).unwrap_or(u32::MAX),
        succeeded,
        failed,
        waiting,
        items,
        error,
    }
}
