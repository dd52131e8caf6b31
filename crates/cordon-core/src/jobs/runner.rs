//! The bulk runner: drives every open item of a job to a terminal state.
//!
//! [`Runner`] owns the bookkeeping of the jobs this process drives: one runner task
//! per job (`ensure`), the POSTs under way per job (so a cancel can wait for them and
//! report their outcome), the jobs halted because the store failed, and the jobs
//! cancelled here (checked right before each POST). It reads and writes nothing but
//! through the [`Fleet`] and the [`Store`] it is handed. Items run as tasks bounded by
//! `AppConfig::concurrency` ([`crate::jobs::item`]), while the client's pacer keeps
//! the calls under Defender's per-API limits. Progress goes out on the jobs broadcast
//! channel after each item change.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, Semaphore, broadcast, watch};
use tokio::task::JoinSet;

use crate::dto::IpcError;
use crate::dto::jobs::{JobProgress, JobState, JobSummary};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::jobs::item::ItemTask;
use crate::jobs::summary::{job_item, summary_of};
use crate::store::{ItemRow, Store, off_runtime};

/// How long a cancel waits at most for POSTs already under way, beyond the client's
/// timeout.
const CANCEL_WAIT_SLACK: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Maps {
    /// Jobs a runner of this process is driving (one runner per job).
    runners: HashMap<String, watch::Receiver<bool>>,
    /// POSTs under way per job (claimed and not yet answered).
    inflight: HashMap<String, usize>,
    /// Jobs halted in this process because the store failed, with the reason: shown
    /// even when the store could not record the halt itself.
    halted: HashMap<String, IpcError>,
    /// Jobs cancelled in this process.
    cancelled: HashSet<String>,
}

struct Inner {
    concurrency: usize,
    cancel_wait: Duration,
    progress: broadcast::Sender<JobProgress>,
    maps: Mutex<Maps>,
    inflight_done: Notify,
}

/// The jobs this process drives. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Runner {
    inner: Arc<Inner>,
}

impl Runner {
    /// A runner with `concurrency` requests in flight per job; a cancel waits up to
    /// `timeout` (the client's) for POSTs under way.
    pub fn new(concurrency: usize, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                concurrency: concurrency.max(1),
                cancel_wait: timeout + CANCEL_WAIT_SLACK,
                progress: broadcast::channel(1024).0,
                maps: Mutex::default(),
                inflight_done: Notify::new(),
            }),
        }
    }

    fn maps(&self) -> MutexGuard<'_, Maps> {
        self.inner
            .maps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Progress of every job this runner drives: one event per item change.
    pub fn subscribe(&self) -> broadcast::Receiver<JobProgress> {
        self.inner.progress.subscribe()
    }

    /// Starts the job's runner unless one runs already; the receiver turns `true`
    /// when it has finished.
    pub fn ensure(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) -> watch::Receiver<bool> {
        let mut maps = self.maps();
        if let Some(rx) = maps.runners.get(job_id) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(false);
        maps.runners.insert(job_id.to_owned(), rx.clone());
        drop(maps);
        let (runner, fleet, store) = (self.clone(), fleet.clone(), Arc::clone(store));
        let id = job_id.to_owned();
        tokio::spawn(async move {
            runner.drive_job(&fleet, &store, &id).await;
            runner.maps().runners.remove(&id);
            let _ = tx.send(true);
        });
        rx
    }

    /// Starts (or joins) the job's runner and waits for it to finish.
    pub async fn wait(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) {
        let mut rx = self.ensure(fleet, store, job_id);
        let _ = rx.wait_for(|done| *done).await;
    }

    /// Waits for a runner already driving the job (if any: it may have stopped items
    /// that a resume must take up again), then runs the job again to its end.
    pub async fn rerun(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) {
        let existing = self.maps().runners.get(job_id).cloned();
        if let Some(mut rx) = existing {
            let _ = rx.wait_for(|done| *done).await;
        }
        self.wait(fleet, store, job_id).await;
    }

    async fn drive_job(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) {
        let (runner, st, id) = (self.clone(), Arc::clone(store), job_id.to_owned());
        let loaded = off_runtime(move || {
            st.unhalt_job(&id, Utc::now())?;
            runner.maps().halted.remove(&id);
            Ok::<_, CoreError>((st.job(&id)?, st.items(&id)?))
        })
        .await;
        let (job, items) = match loaded {
            Some(Ok((Some(job), items))) => (Arc::new(job), items),
            Some(Ok((None, _))) | None => return,
            Some(Err(e)) => {
                tracing::error!(job_id, error = %e, "job not resumed");
                return;
            }
        };
        let gate = Arc::new(Semaphore::new(self.inner.concurrency));
        let mut set = JoinSet::new();
        for item in items.into_iter().filter(|i| !i.state.is_terminal()) {
            let task = ItemTask {
                runner: self.clone(),
                fleet: fleet.clone(),
                store: Arc::clone(store),
                job: Arc::clone(&job),
                gate: Arc::clone(&gate),
            };
            set.spawn(async move { task.drive(&item.machine_id).await });
        }
        while set.join_next().await.is_some() {}
        self.emit(store, job_id, None);
        // The sync picks up the new actions (and their progress) soon.
        fleet.wake();
    }

    /// The summary of a stored job, with its counts (halted here reads as halted).
    pub fn summary(&self, store: &Store, id: &str) -> Result<JobSummary> {
        let row = store
            .job(id)?
            .ok_or_else(|| CoreError::UnknownJob(id.to_owned()))?;
        summary_of(store, &row, self.halted(id))
    }

    /// Sends a progress event (only when someone listens).
    pub fn emit(&self, store: &Store, job_id: &str, item: Option<&ItemRow>) {
        if self.inner.progress.receiver_count() == 0 {
            return;
        }
        match self.summary(store, job_id) {
            Ok(job) => {
                let _ = self.inner.progress.send(JobProgress {
                    job,
                    item: item.map(job_item),
                });
            }
            Err(e) => tracing::warn!(job_id, error = %e, "no progress event"),
        }
    }

    /// Sends a progress event for one item (only when someone listens).
    pub fn emit_item(&self, store: &Store, job_id: &str, machine_id: &str) {
        if self.inner.progress.receiver_count() == 0 {
            return;
        }
        if let Ok(Some(item)) = store.item(job_id, machine_id) {
            self.emit(store, job_id, Some(&item));
        }
    }

    /// A POST of `job_id` is about to be claimed (counted before the claim commits).
    pub fn inflight_add(&self, job_id: &str) {
        *self.maps().inflight.entry(job_id.to_owned()).or_default() += 1;
    }

    /// That POST was not sent, or has its answer.
    pub fn inflight_done(&self, job_id: &str) {
        {
            let mut maps = self.maps();
            if let Some(n) = maps.inflight.get_mut(job_id) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    maps.inflight.remove(job_id);
                }
            }
        }
        self.inner.inflight_done.notify_waiters();
    }

    /// Waits until no POST of the job is under way (bounded).
    pub async fn wait_inflight(&self, job_id: &str) {
        let deadline = tokio::time::Instant::now() + self.inner.cancel_wait;
        loop {
            let notified = self.inner.inflight_done.notified();
            if !self.maps().inflight.contains_key(job_id) {
                return;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// Remembers that the job was cancelled here (checked right before each POST).
    pub fn mark_cancelled(&self, job_id: &str) {
        self.maps().cancelled.insert(job_id.to_owned());
    }

    /// True once the job was cancelled in this process.
    pub fn cancel_requested(&self, job_id: &str) -> bool {
        self.maps().cancelled.contains(job_id)
    }

    /// Why the job was halted in this process, if it was.
    pub fn halted(&self, job_id: &str) -> Option<IpcError> {
        self.maps().halted.get(job_id).cloned()
    }

    /// The store failed under the job: mark it halted (if the store still can) and
    /// send nothing more.
    pub fn halt(&self, store: &Store, job_id: &str, e: &CoreError) {
        tracing::error!(job = job_id, error = %e, "job halted: the store failed");
        let ipc = crate::jobs::summary::storage_ipc(e);
        // Known at once in this process (every item stops before its next claim),
        // and recorded in the store if the store still takes it.
        self.maps().halted.insert(job_id.to_owned(), ipc.clone());
        if let Err(again) = store.halt_job(job_id, &ipc, Utc::now()) {
            tracing::error!(job = job_id, error = %again, "halted state not stored");
        }
        self.emit(store, job_id, None);
    }

    /// The job's state now (a storage error reads as halted: send nothing).
    pub fn job_state(&self, store: &Store, job_id: &str) -> JobState {
        if self.halted(job_id).is_some() {
            return JobState::Halted;
        }
        match store.job(job_id) {
            Ok(Some(j)) => j.state,
            _ => JobState::Halted,
        }
    }
}
