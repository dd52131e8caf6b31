//! The runner's bookkeeping for the jobs this process drives: one runner task per
//! job, the POSTs under way per job (so a cancel can wait for them and report their
//! outcome), the jobs halted because the store failed (known here even when the store
//! could not record the halt), the jobs cancelled here (checked right before each
//! POST), and the progress channel. Owned by [`crate::jobs::runner::Runner`]; the item
//! tasks report through it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, broadcast, watch};

use crate::dto::IpcError;
use crate::dto::jobs::{JobProgress, JobState, JobSummary};
use crate::error::{CoreError, Result};
use crate::jobs::summary::{job_item, summary_of};
use crate::store::{ItemRow, Store};

/// How long a cancel waits at most for POSTs already under way, beyond the client's
/// timeout.
const CANCEL_WAIT_SLACK: Duration = Duration::from_secs(5);

#[derive(Default)]
pub(crate) struct Maps {
    /// Jobs a runner of this process is driving (one runner per job).
    pub runners: HashMap<String, watch::Receiver<bool>>,
    /// POSTs under way per job (claimed and not yet answered).
    inflight: HashMap<String, usize>,
    /// Jobs halted in this process because the store failed, with the reason.
    halted: HashMap<String, IpcError>,
    /// Jobs cancelled in this process.
    cancelled: HashSet<String>,
}

struct Inner {
    cancel_wait: Duration,
    progress: broadcast::Sender<JobProgress>,
    maps: Mutex<Maps>,
    inflight_done: Notify,
}

/// The bookkeeping. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Book {
    inner: Arc<Inner>,
}

impl Book {
    /// A cancel waits up to `timeout` (the client's) for POSTs under way.
    pub fn new(timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                cancel_wait: timeout + CANCEL_WAIT_SLACK,
                progress: broadcast::channel(1024).0,
                maps: Mutex::default(),
                inflight_done: Notify::new(),
            }),
        }
    }

    pub fn maps(&self) -> MutexGuard<'_, Maps> {
        self.inner
            .maps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Progress of every job: one event per item change.
    pub fn subscribe(&self) -> broadcast::Receiver<JobProgress> {
        self.inner.progress.subscribe()
    }

    /// Forgets a halt (a resume).
    pub fn unhalt(&self, job_id: &str) {
        self.maps().halted.remove(job_id);
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
