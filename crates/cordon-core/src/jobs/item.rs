//! One machine of a job, driven to a terminal state without ever sending twice.
//!
//! - `planned`: wait out a throttle's `not_before`; adopt an isolation action already
//!   under way (fresh cache); else take a rate slot, commit `sending` (the intent, with
//!   the job-still-running check, in one transaction: a storage error halts the job
//!   and nothing is sent), then POST at once and record the answer.
//! - The answer: 201 → `done` (or `adopted` when Defender answered with an action
//!   that was already under way); 429 → `planned` again with `not_before` (never a
//!   failure); 400/401/403/404 → `failed` with Defender's code; a timeout or reset
//!   after the request left, a 5xx or an unreadable 2xx → `unknown`; nothing sent
//!   (connection refused) → `planned` again, a bounded number of times.
//! - `sending` (left by a crash) and `unknown` are looked up before anything is
//!   resent, no sooner than the settle delay after the intent, and resent only after
//!   several spaced lookups found nothing ([`crate::jobs::lookup`]).
//!
//! The transport never resends a POST that acts: a 429 comes back here, where the
//! item waits out the Retry-After and reads the job's state again (a cancel stops it)
//! before any resend. Every move is one transaction with its audit row
//! ([`crate::store`]). An [`ItemTask`] is handed the fleet and the store explicitly.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mde_api::{ActionType, IsolationType, MachineAction, MachineId};
use tokio::sync::Semaphore;

use crate::dto::IsolationKind;
use crate::dto::jobs::{ItemState, JobKind, JobState};
use crate::error::{CoreError, api_to_ipc};
use crate::fleet::Fleet;
use crate::jobs::book::Book;
use crate::jobs::lookup::Lookups;
use crate::store::{ItemRow, JobRow, Store, Transition, off_runtime};
use crate::team::Team;
use crate::team::lease::ItemTake;

/// Tries (lookups finding nothing, or sends that never left) before an item fails.
pub const MAX_MISSES: u32 = 5;
/// How far before the intent time a lookup searches (clock skew, late writes); the
/// comment must match too, so an older action of someone else's is not taken for ours.
pub(crate) const LOOKUP_SLACK: chrono::Duration = chrono::Duration::minutes(30);
/// A Defender answer whose action was created this long before our intent is an
/// action that was already under way.
const EXISTING_SLACK: chrono::Duration = chrono::Duration::seconds(5);
/// A cached in-flight action is trusted for adoption when the cache is this fresh.
const CACHE_FRESH: chrono::Duration = chrono::Duration::minutes(2);

pub(crate) fn action_type(kind: JobKind) -> ActionType {
    match kind {
        JobKind::Isolate => ActionType::Isolate,
        JobKind::Release => ActionType::Unisolate,
    }
}

/// Capped exponential backoff: 1, 2, 4, … 30 s.
pub(crate) fn backoff(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.min(5)).min(Duration::from_secs(30))
}

pub(crate) fn to_std(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or_default()
}

/// What a POST's error means for the item.
enum Answer {
    /// 429: wait this long, then send again.
    Throttled(Duration),
    /// The request may have been acted on: look it up.
    Unknown,
    /// Nothing reached Defender.
    NotSent,
    /// Refused: no retry.
    Refused,
}

fn classify(e: &mde_api::Error) -> Answer {
    use mde_api::Error as E;
    match e {
        E::Api {
            status: 429,
            retry_after,
            ..
        } => Answer::Throttled(retry_after.unwrap_or(Duration::from_secs(30))),
        E::Api {
            status: 400,
            code,
            message,
            ..
        } if code == "ActiveRequestAlreadyExists" || message.contains("already in progress") => {
            Answer::Unknown
        }
        E::Api { status, .. } if *status >= 500 || *status == 408 => Answer::Unknown,
        E::OutcomeUnknown { .. } | E::Decode { .. } | E::Redirect { .. } => Answer::Unknown,
        // A refused certificate ends the handshake before any request byte.
        E::Transport { .. } | E::UntrustedCertificate { .. } => Answer::NotSent,
        _ => Answer::Refused,
    }
}

/// One item of a job being driven: the runner's bookkeeping, the fleet and the store
/// it works through, the job and the job's concurrency gate.
pub(crate) struct ItemTask {
    pub book: Book,
    pub fleet: Fleet,
    pub store: Arc<Store>,
    pub job: Arc<JobRow>,
    pub gate: Arc<Semaphore>,
    /// How long after the intent an unknown outcome is first looked up, and the
    /// spacing of the lookups that follow ([`crate::jobs::lookup`]).
    pub settle: Duration,
    /// This process in the team: the claimant, its leases ([`crate::team`]).
    pub team: Team,
}

impl ItemTask {
    /// Runs `f` with this task's store on the blocking pool.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> Option<T> {
        let store = Arc::clone(&self.store);
        off_runtime(move || f(&store)).await
    }

    pub(crate) async fn drive(&self, machine_id: &str) {
        let job = &self.job;
        let gate = &*self.gate;
        let mut lookups = Lookups::default();
        loop {
            let read = {
                let (j, m) = (job.id.clone(), machine_id.to_owned());
                self.with_store(move |store| store.item(&j, &m)).await
            };
            let item = match read {
                Some(Ok(Some(i))) => i,
                Some(Ok(None)) | None => return,
                Some(Err(e)) => return self.halt_async(e).await,
            };
            match item.state {
                ItemState::Planned => {
                    if let Some(nb) = item.not_before.filter(|t| *t > Utc::now()) {
                        tokio::time::sleep(to_std(nb - Utc::now())).await;
                        continue;
                    }
                    let state = {
                        let (book, j) = (self.book.clone(), job.id.clone());
                        self.with_store(move |store| book.job_state(store, &j))
                            .await
                    };
                    if state != Some(JobState::Running) {
                        return;
                    }
                    // S-6: a paused automation holds rule-started items here (and
                    // the claim checks again); a resume starts the runner again.
                    let j = Arc::clone(&self.job);
                    if !matches!(
                        self.with_store(move |store| store.held(&j)).await,
                        Some(Ok(false))
                    ) {
                        return;
                    }
                    if let Some(a) =
                        self.fleet
                            .fresh_in_flight(machine_id, action_type(job.kind), CACHE_FRESH)
                    {
                        let t = Transition::new(
                            ItemState::Adopted,
                            format!(
                                "adopted {} {} requested by {}: nothing sent",
                                a.action_type.as_str(),
                                a.status.as_str(),
                                a.requestor.as_deref().unwrap_or("someone")
                            ),
                        )
                        .action(&a);
                        if !self.apply_async(item, t).await {
                            return;
                        }
                        continue;
                    }
                    let Ok(_permit) = gate.acquire().await else {
                        return;
                    };
                    if !self.send(&item).await {
                        return;
                    }
                }
                ItemState::Sending | ItemState::Unknown => match self.take(&item).await {
                    Some(ItemTake::Taken { .. }) => {
                        if !self.reconcile(&item, &mut lookups).await {
                            return;
                        }
                    }
                    // Another live process holds it: wait for its lease, then look.
                    Some(ItemTake::Held { until, .. }) => {
                        let wait = to_std(until - Utc::now()).min(to_std(self.team.lease()));
                        tokio::time::sleep(wait + Duration::from_millis(200)).await;
                    }
                    Some(ItemTake::Closed) => {}
                    None => return,
                },
                _ => return,
            }
        }
    }

    /// Claims the item and POSTs it; `false` stops this item's task.
    async fn send(&self, item: &ItemRow) -> bool {
        let job = &self.job;
        let kind = action_type(job.kind);
        let Ok(id) = MachineId::parse(&item.machine_id) else {
            let t = Transition::new(ItemState::Failed, "not a Defender machine id").error(
                api_to_ipc(&mde_api::Error::InvalidMachineId {
                    input: item.machine_id.clone(),
                }),
            );
            return self.apply_async(item.clone(), t).await;
        };
        // Counted before the claim, so a cancel that commits after it waits for it.
        self.book.inflight_add(&job.id);
        let slot = match self.fleet.client().reserve_send(kind).await {
            Ok(s) => s,
            Err(e) => {
                self.book.inflight_done(&job.id);
                let t = Transition::new(ItemState::Failed, e.to_string()).error(api_to_ipc(&e));
                return self.apply_async(item.clone(), t).await;
            }
        };
        let intent = self.fleet.now();
        let claimed_at = std::time::Instant::now();
        if !self.team.ready_to_claim(job.sender.as_deref()).await {
            drop(slot);
            self.book.inflight_done(&job.id);
            return false;
        }
        let claimant = self.team.claimant(Utc::now());
        let owner = claimant.owner.clone();
        let claimed = {
            let (j, m) = (job.id.clone(), item.machine_id.clone());
            let book = self.book.clone();
            self.with_store(move |store| {
                let claimed = store.claim(&j, &m, &claimant, intent, Utc::now());
                if matches!(claimed, Ok(true)) {
                    book.emit_item(store, &j, &m);
                }
                claimed
            })
            .await
        };
        match claimed {
            Some(Ok(true)) => {}
            Some(Ok(false)) => {
                drop(slot);
                self.book.inflight_done(&job.id);
                // Lost a race (or the job is not ours to send now): look again soon.
                tokio::time::sleep(Duration::from_millis(250)).await;
                return true;
            }
            Some(Err(e)) => {
                drop(slot);
                self.book.inflight_done(&job.id);
                self.halt_async(e).await;
                return false;
            }
            None => {
                drop(slot);
                self.book.inflight_done(&job.id);
                return false;
            }
        }
        if self.book.cancel_requested(&job.id) {
            // The cancel came between the claim and here: the request never leaves.
            drop(slot);
            let sending = ItemRow {
                state: ItemState::Sending,
                ..item.clone()
            };
            let t = Transition::new(ItemState::Cancelled, "not sent: the job was cancelled");
            let go_on = self.apply_async(sending, t).await;
            self.book.inflight_done(&job.id);
            return go_on;
        }
        // The lease is checked again right before the POST: a process that slept (a
        // laptop's lid) after its claim sends nothing once another may have taken it.
        let holds = {
            let (j, m, owner) = (job.id.clone(), item.machine_id.clone(), owner.clone());
            self.with_store(move |store| store.holds_item(&j, &m, &owner, Utc::now()))
                .await
        };
        if !matches!(holds, Some(Ok(true))) {
            drop(slot);
            self.book.inflight_done(&job.id);
            tracing::warn!(
                job = job.id,
                machine = item.machine_id,
                "the claim's lease ended before the POST: nothing sent, the item is looked up"
            );
            return holds.is_some();
        }
        slot.spend();
        let answer = match job.kind {
            JobKind::Isolate => {
                let t = match job.isolation_type {
                    Some(IsolationKind::Selective) => IsolationType::Selective,
                    _ => IsolationType::Full,
                };
                self.fleet.client().isolate(&id, t, &job.comment).await
            }
            JobKind::Release => self.fleet.client().unisolate(&id, &job.comment).await,
        };
        let go_on = {
            // The intent time on the tenant clock as the answer's `Date` corrects it
            // (a new core learns the skew from this very answer).
            let intent = self.fleet.now()
                - chrono::Duration::from_std(claimed_at.elapsed()).unwrap_or_default();
            let (task, item) = (self.detached(), item.clone());
            off_runtime(move || task.record(&item, intent, answer))
                .await
                .unwrap_or(false)
        };
        self.book.inflight_done(&job.id);
        go_on
    }

    /// A handle on the same task for work on the blocking pool.
    pub(crate) fn detached(&self) -> ItemTask {
        ItemTask {
            book: self.book.clone(),
            fleet: self.fleet.clone(),
            store: Arc::clone(&self.store),
            job: Arc::clone(&self.job),
            gate: Arc::clone(&self.gate),
            settle: self.settle,
            team: self.team.clone(),
        }
    }

    /// [`ItemTask::apply`] on the blocking pool.
    pub(crate) async fn apply_async(&self, item: ItemRow, t: Transition) -> bool {
        let task = self.detached();
        off_runtime(move || task.apply(&item, &t))
            .await
            .unwrap_or(false)
    }

    /// The runner's halt on the blocking pool.
    async fn halt_async(&self, e: CoreError) {
        let (book, job) = (self.book.clone(), self.job.id.clone());
        let _ = self
            .with_store(move |store| book.halt(store, &job, &e))
            .await;
    }

    /// Records a POST's answer (the item is `sending`).
    fn record(
        &self,
        item: &ItemRow,
        intent: DateTime<Utc>,
        answer: Result<MachineAction, mde_api::Error>,
    ) -> bool {
        let sending = ItemRow {
            state: ItemState::Sending,
            ..item.clone()
        };
        let t = match answer {
            Ok(a) => {
                let existing = self.fleet.knows_action(&a.id)
                    || a.creation_date_time_utc < intent - EXISTING_SLACK;
                self.fleet.merge(None, vec![a.clone()], false);
                if existing {
                    Transition::new(
                        ItemState::Adopted,
                        format!(
                            "Defender answered with action {} already under way ({})",
                            a.id,
                            a.status.as_str()
                        ),
                    )
                } else {
                    Transition::new(
                        ItemState::Done,
                        format!("created action {} ({})", a.id, a.status.as_str()),
                    )
                }
                .action(&a)
            }
            Err(e) => match classify(&e) {
                Answer::Throttled(wait) => {
                    let nb = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    let mut t = Transition::new(
                        ItemState::Planned,
                        format!(
                            "throttled by Defender: resending after {}",
                            nb.format("%H:%M:%S")
                        ),
                    );
                    t.not_before = Some(nb);
                    t
                }
                Answer::Unknown => Transition::new(
                    ItemState::Unknown,
                    format!("no clear answer ({e}): looking the action up before any resend"),
                )
                .error(api_to_ipc(&e)),
                Answer::NotSent if item.misses + 1 < MAX_MISSES => {
                    let mut t = Transition::new(
                        ItemState::Planned,
                        format!("not sent ({e}): trying again"),
                    )
                    .error(api_to_ipc(&e));
                    t.not_before = Some(
                        Utc::now()
                            + chrono::Duration::from_std(backoff(item.misses + 1))
                                .unwrap_or_default(),
                    );
                    t.miss = true;
                    t
                }
                Answer::NotSent | Answer::Refused => {
                    // The audit keeps Defender's correlation id.
                    let detail = match &e {
                        mde_api::Error::Api {
                            target: Some(id), ..
                        } => format!("refused: {e} (correlation id {id})"),
                        _ => format!("refused: {e}"),
                    };
                    Transition::new(ItemState::Failed, detail).error(api_to_ipc(&e))
                }
            },
        };
        self.apply(&sending, &t)
    }

    /// Applies `t` to `item` (from its current state); emits progress. `false` when
    /// the store failed (the job is halted).
    pub(crate) fn apply(&self, item: &ItemRow, t: &Transition) -> bool {
        let (store, job) = (&*self.store, &self.job.id);
        match store.transition(job, &item.machine_id, item.state, t, Utc::now()) {
            Ok(_) => {
                self.book.emit_item(store, job, &item.machine_id);
                true
            }
            Err(e) => {
                self.book.halt(store, job, &e);
                false
            }
        }
    }
}

impl ItemTask {
    /// Takes (or renews) the lease of an item left `sending` or `unknown` before it is
    /// looked up; `None` when the store failed (the job is halted).
    async fn take(&self, item: &ItemRow) -> Option<ItemTake> {
        let _ = self.team.oid().await;
        let c = self.team.claimant(Utc::now());
        let dead = self.team.ended(item.lease_owner.as_deref());
        let (j, m) = (self.job.id.clone(), item.machine_id.clone());
        match self
            .with_store(move |store| store.take_item(&j, &m, &c, dead.as_deref(), Utc::now()))
            .await
        {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                self.halt_async(e).await;
                None
            }
            None => None,
        }
    }
}
