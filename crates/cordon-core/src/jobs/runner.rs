//! The bulk runner: drives every open item of a job to a terminal state.
//!
//! [`Runner`] owns its bookkeeping ([`Book`]: the runner task per job, POSTs under
//! way, halts, cancels, progress) and the per-job concurrency; it reads and writes
//! nothing but through the [`Fleet`] and the [`Store`] it is handed. Items run as
//! tasks bounded by `AppConfig::concurrency` ([`crate::jobs::item`]), while the
//! client's pacer keeps the calls under Defender's per-API limits.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::error::CoreError;
use crate::fleet::Fleet;
use crate::jobs::book::Book;
use crate::jobs::item::ItemTask;
use crate::store::{Store, off_runtime};
use crate::team::Team;

/// The jobs this process drives. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Runner {
    concurrency: usize,
    /// `AppConfig::lookup_settle`, handed to every item.
    settle: Duration,
    book: Book,
    /// This process in the team: its leases, its principal ([`crate::team`]).
    team: Team,
}

impl Runner {
    /// A runner with `concurrency` requests in flight per job; a cancel waits up to
    /// `timeout` (the client's) for POSTs under way; an unknown outcome is looked up
    /// `settle` after its intent at the soonest, and again spaced by `settle`.
    pub fn new(concurrency: usize, timeout: Duration, settle: Duration, team: Team) -> Self {
        Self {
            concurrency: concurrency.max(1),
            settle,
            book: Book::new(timeout),
            team,
        }
    }

    /// This process in the team.
    pub fn team(&self) -> &Team {
        &self.team
    }

    /// The bookkeeping (progress, cancels, halts, POSTs under way).
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Starts the job's runner unless one runs already; the receiver turns `true`
    /// when it has finished.
    pub fn ensure(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) -> watch::Receiver<bool> {
        let mut maps = self.book.maps();
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
            runner.book.maps().runners.remove(&id);
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
        let existing = self.book.maps().runners.get(job_id).cloned();
        if let Some(mut rx) = existing {
            let _ = rx.wait_for(|done| *done).await;
        }
        self.wait(fleet, store, job_id).await;
    }

    async fn drive_job(&self, fleet: &Fleet, store: &Arc<Store>, job_id: &str) {
        let (book, st, id) = (self.book.clone(), Arc::clone(store), job_id.to_owned());
        let loaded = off_runtime(move || {
            st.unhalt_job(&id, Utc::now())?;
            book.unhalt(&id);
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
        // Another principal's job (or the automation's, led elsewhere) waits for its
        // own processes: this one never sends it.
        if !self.team.may_run(job.sender.as_deref()).await {
            tracing::debug!(
                job_id,
                sender = job.sender,
                "not this process's job: left to its sender"
            );
            return;
        }
        let gate = Arc::new(Semaphore::new(self.concurrency));
        let mut set = JoinSet::new();
        for item in items.into_iter().filter(|i| !i.state.is_terminal()) {
            let task = ItemTask {
                book: self.book.clone(),
                fleet: fleet.clone(),
                store: Arc::clone(store),
                job: Arc::clone(&job),
                gate: Arc::clone(&gate),
                settle: self.settle,
                team: self.team.clone(),
            };
            set.spawn(async move { task.drive(&item.machine_id).await });
        }
        while set.join_next().await.is_some() {}
        self.book.emit(store, job_id, None);
        // The sync picks up the new actions (and their progress) soon.
        fleet.wake();
    }
}
