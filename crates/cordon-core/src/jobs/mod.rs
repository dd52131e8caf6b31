//! Jobs: every isolate or release Cordon sends, journaled.
//!
//! A job's intents (one `planned` item per machine) are committed with the job in one
//! transaction before any call; the [`runner`] then drives each item ([`item`],
//! [`lookup`]) and reports progress on a broadcast channel. A bulk job starts from the
//! preview the person saw ([`preview`]: its token must still match, S-7). [`Jobs`]
//! owns the runner and the identity the journal names; it reads the [`Fleet`] and
//! writes the [`Store`]. The audit log's reads and exports are in [`audit`]; isolate
//! and release of explicitly chosen machines in [`direct`]; waiting until a job's
//! actions end in Defender in [`wait`].

pub mod audit;
mod book;
mod cancel_pending;
mod direct;
mod item;
mod lookup;
pub mod preview;
pub(crate) mod runner;
mod summary;
mod wait;

use std::sync::Arc;

use chrono::Utc;
use mde_api::Client;
use tokio::sync::{OnceCell, broadcast};

pub use preview::CONFIRM_ABOVE;

use crate::dto::IsolationKind;
use crate::dto::jobs::{
    BulkPreview, BulkRequest, Confirmation, JobDetail, JobKind, JobProgress, JobSummary,
};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::jobs::runner::Runner;
use crate::store::journal_entry::JournalEntry;
use crate::store::{NewItem, NewJob, Store};

/// Who the journal and audit log name as requester: the signed-in user or the app
/// (from the token, as Defender records it, learned once), else the client id.
struct Identity {
    client: Client,
    client_id: String,
    known: OnceCell<String>,
}

/// The journaled jobs of one tenant. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    fleet: Fleet,
    store: Arc<Store>,
    runner: Runner,
    identity: Arc<Identity>,
}

impl Jobs {
    pub(crate) fn new(fleet: Fleet, store: Arc<Store>, runner: Runner, client_id: String) -> Self {
        let client = fleet.client().clone();
        Self {
            fleet,
            store,
            runner,
            identity: Arc::new(Identity {
                client,
                client_id,
                known: OnceCell::new(),
            }),
        }
    }

    /// This process in the team (its principal, its leases).
    pub(crate) fn team(&self) -> &crate::team::Team {
        self.runner.team()
    }

    /// Progress of every job this core drives: one event per item change.
    pub fn subscribe(&self) -> broadcast::Receiver<JobProgress> {
        self.runner.book().subscribe()
    }

    /// Who the journal names as requester (asks the token once).
    pub(crate) async fn identity(&self) -> String {
        let id = &self.identity;
        if let Some(me) = id.known.get() {
            return me.clone();
        }
        let _ = self.runner.team().oid().await;
        match id.client.identity().await {
            Ok(me) => id.known.get_or_init(|| async { me }).await.clone(),
            // Not known yet (no token): the client id, and ask again next time.
            Err(_) => id.client_id.clone(),
        }
    }

    /// The identity if already known, else the client id.
    pub(crate) fn identity_now(&self) -> String {
        let id = &self.identity;
        id.known
            .get()
            .cloned()
            .unwrap_or_else(|| id.client_id.clone())
    }

    /// What `req` would send, what it leaves out and why, and its token (from the
    /// cache; no request to Defender but the token, which names "us" for S-7).
    pub async fn preview(&self, req: &BulkRequest) -> Result<BulkPreview> {
        self.fleet.ready().await;
        let me = self.identity().await;
        preview::preview(&self.fleet, req, &me)
    }

    /// Commits the job the person confirmed (every intent `planned`, before any
    /// call), starts its runner in the background and returns at once. Refused with
    /// nothing committed when the preview computed now has another token, or when the
    /// phrase it asks for was not typed.
    pub fn start(&self, req: BulkRequest, confirmed: &Confirmation) -> Result<JobSummary> {
        let id = self.commit_previewed(&req, confirmed, &self.identity_now())?;
        let _ = self.runner.ensure(&self.fleet, &self.store, &id);
        self.summary(&id)
    }

    /// Commits the job the person confirmed and runs it to its end (the CLI).
    pub async fn run(&self, req: BulkRequest, confirmed: &Confirmation) -> Result<JobDetail> {
        let me = self.identity().await;
        let id = self.commit_previewed(&req, confirmed, &me)?;
        self.runner.wait(&self.fleet, &self.store, &id).await;
        self.job(&id)
    }

    /// Previews `req` now and runs exactly that to its end (scripts and benchmarks
    /// that confirm nothing interactively).
    pub async fn run_now(&self, req: BulkRequest) -> Result<JobDetail> {
        let confirmed = Confirmation::of(&self.preview(&req).await?);
        self.run(req, &confirmed).await
    }

    /// Previews `req` now and starts exactly that (Cordon's own resubmissions, which
    /// a person or a setting decided row by row).
    pub(crate) fn start_now(&self, req: BulkRequest) -> Result<JobSummary> {
        let me = self.identity_now();
        let confirmed = Confirmation::of(&preview::preview(&self.fleet, &req, &me)?);
        self.start(req, &confirmed)
    }

    /// Runs an unfinished job to its end (first looking up what a crash left
    /// `sending` or `unknown`; a halted job runs again).
    pub async fn resume(&self, id: &str) -> Result<JobDetail> {
        self.summary(id)?;
        self.runner.rerun(&self.fleet, &self.store, id).await;
        self.job(id)
    }

    /// Runs every unfinished job to its end (`cordon jobs resume`).
    pub async fn resume_all(&self) -> Result<Vec<JobSummary>> {
        let ids = self.store.unfinished_job_ids()?;
        let runs: Vec<_> = ids
            .iter()
            .map(|id| {
                let (jobs, id) = (self.clone(), id.clone());
                tokio::spawn(async move {
                    jobs.runner.rerun(&jobs.fleet, &jobs.store, &id).await;
                })
            })
            .collect();
        for run in runs {
            let _ = run.await;
        }
        ids.iter().map(|id| self.summary(id)).collect()
    }

    /// Starts the runner of a committed job in the background (the rule's and
    /// approvals' jobs, committed with their decision).
    pub(crate) fn launch(&self, id: &str) {
        let _ = self.runner.ensure(&self.fleet, &self.store, id);
    }

    /// Runs a committed job to its end.
    pub(crate) async fn launch_and_wait(&self, id: &str) {
        self.runner.wait(&self.fleet, &self.store, id).await;
    }

    /// Starts a runner for every unfinished job, in the background (`App::start`).
    pub(crate) fn spawn_unfinished(&self) -> Result<()> {
        for id in self.store.unfinished_job_ids()? {
            let _ = self.runner.ensure(&self.fleet, &self.store, &id);
        }
        Ok(())
    }

    /// Cancels a job: once this returns no new POST starts for it (the `sending`
    /// commit checks the job in the same transaction, and a claim that won the race
    /// checks the cancel again right before its POST); unsent items are `cancelled`;
    /// POSTs already under way are recorded when they answer (progress events).
    pub fn cancel(&self, id: &str) -> Result<JobSummary> {
        self.runner.book().mark_cancelled(id);
        self.store
            .cancel_job(id, &self.identity_now(), Utc::now())?;
        self.runner.book().emit(&self.store, id, None);
        self.summary(id)
    }

    /// Cancels a job and waits (bounded by the client's timeout) until the POSTs
    /// that were under way have answered and are recorded.
    pub async fn cancel_and_wait(&self, id: &str) -> Result<JobSummary> {
        self.cancel(id)?;
        self.runner.book().wait_inflight(id).await;
        self.summary(id)
    }

    /// Every job, newest first.
    pub fn list(&self) -> Result<Vec<JobSummary>> {
        self.store
            .jobs()?
            .iter()
            .map(|j| summary::summary_of(&self.store, j, self.runner.book().halted(&j.id)))
            .collect()
    }

    /// A job and its items.
    pub fn job(&self, id: &str) -> Result<JobDetail> {
        let job = self.summary(id)?;
        let items = self.store.items(id)?;
        Ok(JobDetail {
            job,
            items: items.iter().map(summary::job_item).collect(),
        })
    }

    /// A job's summary.
    pub fn summary(&self, id: &str) -> Result<JobSummary> {
        self.runner.book().summary(&self.store, id)
    }

    /// The journal as the pure functions read it.
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.store.journal_entries()
    }

    /// Validates `req`, previews it, checks the token and commits what it would send.
    fn commit_previewed(
        &self,
        req: &BulkRequest,
        confirmed: &Confirmation,
        me: &str,
    ) -> Result<String> {
        if req.comment.trim().is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let now = preview::preview(&self.fleet, req, me)?;
        let ids = preview::check(&now, confirmed)?;
        self.commit(req, &ids, me)
    }

    /// Commits a job for exactly `machine_ids` (already validated): the job and one
    /// `planned` item per machine, with their audit rows, in one transaction.
    fn commit(
        &self,
        req: &BulkRequest,
        machine_ids: &[String],
        requested_by: &str,
    ) -> Result<String> {
        let job = NewJob {
            id: uuid::Uuid::new_v4().to_string(),
            kind: req.kind,
            comment: req.comment.trim().to_owned(),
            isolation_type: match req.kind {
                JobKind::Isolate => Some(req.isolation_type.unwrap_or(IsolationKind::Full)),
                JobKind::Release => None,
            },
            requested_by: requested_by.to_owned(),
            source: req.source.clone(),
            // Only this principal's processes send it (crate::team).
            sender: self.runner.team().oid_now(),
        };
        let items: Vec<NewItem> = machine_ids
            .iter()
            .map(|id| NewItem {
                machine_id: id.to_ascii_lowercase(),
                machine_name: self.fleet.name_of(id),
            })
            .collect();
        self.store.create_job(&job, &items, Utc::now())?;
        self.runner.book().emit(&self.store, &job.id, None);
        Ok(job.id)
    }
}
