//! The bulk runner: drives every open item of a job to a terminal state.
//!
//! One runner per job per process (`ensure_runner`); items run as tasks bounded by
//! `AppConfig::concurrency`, while the client's pacer keeps the calls under Defender's
//! per-API limits. What one item does is in [`crate::runner_item`]. Progress goes out
//! on the jobs broadcast channel after each item change. POSTs under way are counted
//! per job from *before* their `sending` commit until their answer, so `cancel_job`
//! can wait for them and report their outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::app::App;
use crate::dto_jobs::{JobItem, JobProgress, JobState};
use crate::store::ItemRow;

/// How long `cancel_job` waits at most for POSTs already under way.
const CANCEL_WAIT_SLACK: Duration = Duration::from_secs(5);

impl App {
    /// Starts the job's runner unless one runs already; the receiver turns `true`
    /// when it has finished.
    pub(crate) fn ensure_runner(&self, job_id: &str) -> watch::Receiver<bool> {
        let mut runners = self
            .inner
            .runners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(rx) = runners.get(job_id) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(false);
        runners.insert(job_id.to_owned(), rx.clone());
        let app = self.clone();
        let id = job_id.to_owned();
        tokio::spawn(async move {
            app.drive_job(&id).await;
            app.inner
                .runners
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&id);
            let _ = tx.send(true);
        });
        rx
    }

    /// Starts (or joins) the job's runner and waits for it to finish.
    pub(crate) async fn wait_runner(&self, job_id: &str) {
        let mut rx = self.ensure_runner(job_id);
        let _ = rx.wait_for(|done| *done).await;
    }

    /// Waits for a runner already driving the job (if any: it may have stopped items
    /// that a resume must take up again), then runs the job again to its end.
    pub(crate) async fn rerun(&self, job_id: &str) {
        let existing = self
            .inner
            .runners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(job_id)
            .cloned();
        if let Some(mut rx) = existing {
            let _ = rx.wait_for(|done| *done).await;
        }
        self.wait_runner(job_id).await;
    }

    async fn drive_job(&self, job_id: &str) {
        let id = job_id.to_owned();
        let loaded = self
            .blocking(move |app| {
                let store = &app.inner.store;
                store.unhalt_job(&id, Utc::now())?;
                app.halted_now(&id, true);
                Ok::<_, crate::error::CoreError>((store.job(&id)?, store.items(&id)?))
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
        let gate = Arc::new(Semaphore::new(self.inner.cfg.concurrency.max(1)));
        let mut set = JoinSet::new();
        for item in items.into_iter().filter(|i| !i.state.is_terminal()) {
            let app = self.clone();
            let job = Arc::clone(&job);
            let gate = Arc::clone(&gate);
            set.spawn(async move { app.drive_item(&job, &item.machine_id, &gate).await });
        }
        while set.join_next().await.is_some() {}
        self.emit(job_id, None);
        // The sync picks up the new actions (and their progress) soon.
        self.wake();
    }

    /// Runs store work on the blocking pool, so fsyncs and waits for the store's lock
    /// never stall the runtime's workers (the UI's IPC, the sync and the other items
    /// run there). `None` when the task could not finish (runtime shutting down).
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&App) -> T + Send + 'static,
    ) -> Option<T> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || f(&app)).await.ok()
    }

    /// Sends a progress event (only when someone listens).
    pub(crate) fn emit(&self, job_id: &str, item: Option<&ItemRow>) {
        if self.inner.jobs.receiver_count() == 0 {
            return;
        }
        match self.job_summary(job_id) {
            Ok(job) => {
                let _ = self.inner.jobs.send(JobProgress {
                    job,
                    item: item.map(job_item),
                });
            }
            Err(e) => tracing::warn!(job_id, error = %e, "no progress event"),
        }
    }

    /// A POST of `job_id` is about to be claimed (counted before the claim commits).
    pub(crate) fn inflight_add(&self, job_id: &str) {
        *self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(job_id.to_owned())
            .or_default() += 1;
    }

    /// That POST was not sent, or has its answer.
    pub(crate) fn inflight_done(&self, job_id: &str) {
        {
            let mut map = self
                .inner
                .inflight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(n) = map.get_mut(job_id) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    map.remove(job_id);
                }
            }
        }
        self.inner.inflight_done.notify_waiters();
    }

    fn inflight(&self, job_id: &str) -> usize {
        self.inner
            .inflight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(job_id)
            .copied()
            .unwrap_or(0)
    }

    /// Waits until no POST of the job is under way (bounded).
    pub(crate) async fn wait_inflight(&self, job_id: &str) {
        let limit = self.inner.cfg.client_options.timeout + CANCEL_WAIT_SLACK;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.inner.inflight_done.notified();
            if self.inflight(job_id) == 0 {
                return;
            }
            tokio::select! {
                () = notified => {}
                () = tokio::time::sleep_until(deadline) => return,
            }
        }
    }

    /// True once `cancel_job` was called for the job in this process.
    pub(crate) fn cancel_requested(&self, job_id: &str) -> bool {
        self.inner
            .cancelled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(job_id)
    }

    /// Why the job was halted in this process, if it was (and forgets it when
    /// `clear`: a resume).
    pub(crate) fn halted_now(&self, job_id: &str, clear: bool) -> Option<crate::dto::IpcError> {
        let mut map = self
            .inner
            .halted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if clear {
            map.remove(job_id)
        } else {
            map.get(job_id).cloned()
        }
    }

    /// The job's state now (a storage error reads as halted: send nothing).
    pub(crate) fn job_state(&self, job_id: &str) -> JobState {
        if self.halted_now(job_id, false).is_some() {
            return JobState::Halted;
        }
        match self.inner.store.job(job_id) {
            Ok(Some(j)) => j.state,
            _ => JobState::Halted,
        }
    }
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
        updated_at: i
            .updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}
