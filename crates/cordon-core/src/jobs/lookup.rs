//! The lookup that resolves an item left `sending` (by a crash) or `unknown` (no
//! clear answer to its POST) before anything is resent: Defender's machine actions
//! for the machine and type, created since the intent minus a slack (for clock skew)
//! with the job's comment, or still in flight. Found → `adopted` (nothing resent).
//!
//! Why it waits: Defender does not promise that a new action is listed at once. A
//! lookup right after a cut answer can miss an action that was created, and a resend
//! on that miss is the duplicate this module exists to prevent. So the first lookup
//! comes no sooner than the settle delay (`AppConfig::lookup_settle`, 30 s by default)
//! after the intent, and "not there" needs [`MISSES_BEFORE_RESEND`] lookups finding
//! nothing, each the settle delay after the one before. Only then is the item
//! `planned` again (one miss in the store's count), at most [`MAX_MISSES`] times, then
//! `failed` for a person to resubmit.
//!
//! The count of spaced misses is this run's (not stored): a resume starts it again,
//! which only makes the item wait longer, never resend sooner.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mde_api::{Filter, Query};

use crate::dto::IpcError;
use crate::dto::jobs::ItemState;
use crate::fleet::in_flight;
use crate::jobs::item::{ItemTask, LOOKUP_SLACK, MAX_MISSES, action_type, backoff, to_std};
use crate::store::{ItemRow, Transition, off_runtime};

/// Lookups finding nothing, spaced by the settle delay, before an item is resent.
pub const MISSES_BEFORE_RESEND: u32 = 3;
/// Failed lookups in a row before this run leaves the item `unknown` for a resume.
const MAX_LOOKUP_ERRORS: u32 = 6;

/// What a lookup did.
enum Looked {
    /// The item moved (adopted, planned again or failed).
    Moved,
    /// Storage failed: the task stops.
    Stopped,
    /// Nothing listed yet, and not yet enough spaced misses to conclude.
    NotYet,
    /// The lookup itself failed: try again after this long.
    Retry(Duration),
}

/// One item's lookups in this run, since its current intent.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    intent: Option<DateTime<Utc>>,
    misses: u32,
    last: Option<Instant>,
    errors: u32,
}

impl ItemTask {
    /// Waits until the item may be looked up (the settle delay after its intent and
    /// after the last miss), then looks it up. `false` stops the item's task.
    pub(crate) async fn reconcile(&self, item: &ItemRow, s: &mut Lookups) -> bool {
        let intent = item.intent_at.unwrap_or(item.created_at);
        if s.intent != Some(intent) {
            *s = Lookups {
                intent: Some(intent),
                ..Lookups::default()
            };
        }
        // The intent is on the tenant clock, as the fleet's `now`. A process that resumes
        // a crash's items may not have learned the tenant's clock yet (its `now` is then
        // the local one, maybe far behind): the intent is in the past either way, so the
        // wait is capped at one settle from now.
        let after_intent = to_std(
            intent + chrono::Duration::from_std(self.settle).unwrap_or_default() - self.fleet.now(),
        )
        .min(self.settle);
        let after_miss = s
            .last
            .map_or(Duration::ZERO, |t| self.settle.saturating_sub(t.elapsed()));
        let wait = after_intent.max(after_miss);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let permit = self.gate.acquire().await;
        match self.look_up(item, s.misses).await {
            Looked::Moved => {
                s.errors = 0;
                true
            }
            Looked::Stopped => false,
            Looked::NotYet => {
                s.errors = 0;
                s.misses += 1;
                s.last = Some(Instant::now());
                tracing::info!(
                    job = self.job.id,
                    machine = item.machine_id,
                    misses = s.misses,
                    "not listed yet: looking again before any resend"
                );
                true
            }
            Looked::Retry(wait) => {
                s.errors += 1;
                if s.errors > MAX_LOOKUP_ERRORS {
                    tracing::warn!(
                        job = self.job.id,
                        machine = item.machine_id,
                        "left unknown until a resume"
                    );
                    return false;
                }
                drop(permit);
                tokio::time::sleep(wait.max(backoff(s.errors))).await;
                true
            }
        }
    }

    /// Looks the item's action up once; `misses` found nothing before in this run.
    async fn look_up(&self, item: &ItemRow, misses: u32) -> Looked {
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
                return Looked::Retry(retry_after.unwrap_or(Duration::from_secs(30)));
            }
            Err(e) => {
                tracing::warn!(job = job.id, machine = item.machine_id, error = %e, "lookup failed");
                return Looked::Retry(Duration::ZERO);
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
        if pick.is_none() && misses + 1 < MISSES_BEFORE_RESEND {
            return Looked::NotYet;
        }
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
                format!(
                    "Defender has no action for this machine after {MAX_MISSES} tries \
                     ({MISSES_BEFORE_RESEND} lookups each)"
                ),
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
                let mut t = Transition::new(
                    ItemState::Planned,
                    format!(
                        "no action found by {MISSES_BEFORE_RESEND} lookups since the intent: sending again"
                    ),
                );
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
        if applied.unwrap_or(false) {
            Looked::Moved
        } else {
            Looked::Stopped
        }
    }
}
