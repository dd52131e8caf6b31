//! The bulk-job API of the core: preview, start (or run to the end), resume, cancel,
//! list and inspect jobs, and the audit log and settings kept beside the journal.
//!
//! A job's intents (one `planned` item per machine) are committed with the job in
//! one transaction before any call; the runner ([`crate::runner`]) then drives each
//! item and reports progress on a broadcast channel. The preview and the job agree
//! (S-7): the machines sent are exactly the preview's `will_send`. The audit log and
//! the settings are in [`crate::jobs_audit`].

use std::collections::HashSet;

use chrono::Utc;
use mde_api::MachineId;
use tokio::sync::broadcast;

use crate::app::App;
use crate::dto::{IpcError, IsolationKind, MachineRef};
use crate::dto_jobs::{
    BulkPreview, BulkRequest, Exclusion, JobDetail, JobKind, JobProgress, JobState, JobSummary,
};
use crate::error::{CoreError, Result};
use crate::journal_entry::JournalEntry;
use crate::store::{NewItem, NewJob};

/// Above this many machines the user types a phrase to confirm.
pub const CONFIRM_ABOVE: usize = 25;

impl App {
    /// Progress of every job this core drives: one event per item change.
    pub fn subscribe_jobs(&self) -> broadcast::Receiver<JobProgress> {
        self.inner.jobs.subscribe()
    }

    /// Who the journal names as requester: the signed-in user or the app (from the
    /// token, as Defender records it), else the client id.
    pub(crate) async fn identity(&self) -> String {
        if let Some(me) = self.inner.identity.get() {
            return me.clone();
        }
        match self.client().identity().await {
            Ok(me) => self
                .inner
                .identity
                .get_or_init(|| async { me })
                .await
                .clone(),
            // Not known yet (no token): the client id, and ask again next time.
            Err(_) => self.inner.cfg.credentials.client_id().to_owned(),
        }
    }

    /// The identity if already known (see [`App::identity`]), else the client id.
    pub(crate) fn identity_now(&self) -> String {
        self.inner
            .identity
            .get()
            .cloned()
            .unwrap_or_else(|| self.inner.cfg.credentials.client_id().to_owned())
    }

    /// What `req` would send, and what it leaves out and why (from the cache; no
    /// request to Defender but the token, which names "us" for S-7).
    pub async fn preview_bulk(&self, req: &BulkRequest) -> Result<BulkPreview> {
        let me = self.identity().await;
        self.preview_as(req, &me)
    }

    fn preview_as(&self, req: &BulkRequest, me: &str) -> Result<BulkPreview> {
        if req.machine_ids.is_empty() {
            return Err(CoreError::NoMachines);
        }
        let now = self.now();
        let c = self.cache();
        let grouped = crate::view::by_machine(c.actions.values());
        let mut seen = HashSet::new();
        let mut will_send = Vec::new();
        let mut excluded = Vec::new();
        for raw in &req.machine_ids {
            let Ok(id) = MachineId::parse(raw.trim()) else {
                excluded.push(Exclusion {
                    machine: MachineRef {
                        id: raw.trim().to_owned(),
                        name: raw.trim().to_owned(),
                    },
                    reason: "Not a Defender machine id (40 hexadecimal characters).".into(),
                });
                continue;
            };
            let id = id.as_str().to_ascii_lowercase();
            if !seen.insert(id.clone()) {
                continue;
            }
            let machine = c.machines.iter().find(|m| m.id.eq_ignore_ascii_case(&id));
            let r = MachineRef {
                id: id.clone(),
                name: machine
                    .and_then(|m| m.computer_dns_name.clone())
                    .unwrap_or_else(|| id.clone()),
            };
            let acts = grouped.get(&id).map(Vec::as_slice).unwrap_or_default();
            let live = crate::derive::Liveness {
                health: machine.map(|m| m.health_status.as_str().to_owned()),
                last_full_report: machine.and_then(|m| m.last_seen),
            };
            let d = crate::derive::derive(acts, &live, now, self.inner.cfg.thresholds);
            use crate::derive::StateKind as S;
            let reason = match (req.kind, d.kind) {
                (JobKind::Release, S::NotIsolated | S::IsolationFailed) if machine.is_some() => {
                    Some("Not isolated: nothing to release.".to_owned())
                }
                (JobKind::Isolate, S::Isolated) => Some("Already isolated.".to_owned()),
                (JobKind::Release, _) if !req.include_foreign => {
                    isolated_by(acts)
                        .filter(|by| !by.eq_ignore_ascii_case(me))
                        .map(|by| {
                            format!("Isolated by {by}: select it explicitly to release someone else's isolation.")
                        })
                }
                _ => None,
            };
            match reason {
                Some(reason) => excluded.push(Exclusion { machine: r, reason }),
                None => will_send.push(r),
            }
        }
        let confirm_phrase = (will_send.len() > CONFIRM_ABOVE).then(|| {
            let verb = match req.kind {
                JobKind::Isolate => "isolate",
                JobKind::Release => "release",
            };
            format!("{verb} {} machines", will_send.len())
        });
        Ok(BulkPreview {
            kind: req.kind,
            will_send,
            excluded,
            confirm_phrase,
        })
    }

    /// Commits the job (every intent `planned`, before any call), starts its runner
    /// in the background (on the current tokio runtime) and returns at once. The
    /// machines are the preview's `will_send`, with the identity known so far.
    pub fn start_job(&self, req: BulkRequest) -> Result<JobSummary> {
        let id = self.commit_previewed(req, &self.identity_now())?;
        let _ = self.ensure_runner(&id);
        self.job_summary(&id)
    }

    /// Commits the job and runs it to its end (the CLI's bulk commands).
    pub async fn run_job(&self, req: BulkRequest) -> Result<JobDetail> {
        let me = self.identity().await;
        let id = self.commit_previewed(req, &me)?;
        self.wait_runner(&id).await;
        self.job(&id)
    }

    /// Runs an unfinished job to its end (first looking up what a crash left
    /// `sending` or `unknown`; a halted job runs again).
    pub async fn resume_job(&self, id: &str) -> Result<JobDetail> {
        self.job_summary(id)?;
        self.rerun(id).await;
        self.job(id)
    }

    /// Runs every unfinished job to its end (`cordon jobs resume`).
    pub async fn resume_all(&self) -> Result<Vec<JobSummary>> {
        let ids = self.inner.store.unfinished_job_ids()?;
        let runs: Vec<_> = ids
            .iter()
            .map(|id| {
                let (app, id) = (self.clone(), id.clone());
                tokio::spawn(async move { app.rerun(&id).await })
            })
            .collect();
        for run in runs {
            let _ = run.await;
        }
        ids.iter().map(|id| self.job_summary(id)).collect()
    }

    /// Starts a runner for every unfinished job, in the background (`App::start`).
    pub(crate) fn spawn_unfinished(&self) -> Result<()> {
        for id in self.inner.store.unfinished_job_ids()? {
            let _ = self.ensure_runner(&id);
        }
        Ok(())
    }

    /// Cancels a job: once this returns no new POST starts for it (the `sending`
    /// commit checks the job in the same transaction, and a claim that won the race
    /// checks the cancel again right before its POST); unsent items are `cancelled`;
    /// POSTs already under way are recorded when they answer (progress events).
    pub fn cancel_job(&self, id: &str) -> Result<JobSummary> {
        self.inner
            .cancelled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned());
        self.inner
            .store
            .cancel_job(id, &self.identity_now(), Utc::now())?;
        self.emit(id, None);
        self.job_summary(id)
    }

    /// Cancels a job and waits (bounded by the client's timeout) until the POSTs
    /// that were under way have answered and are recorded.
    pub async fn cancel_job_and_wait(&self, id: &str) -> Result<JobSummary> {
        self.cancel_job(id)?;
        self.wait_inflight(id).await;
        self.job_summary(id)
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobSummary>> {
        let rows = self.inner.store.jobs()?;
        rows.iter().map(|j| self.summary_of(j)).collect()
    }

    /// A job and its items.
    pub fn job(&self, id: &str) -> Result<JobDetail> {
        let job = self.job_summary(id)?;
        let items = self.inner.store.items(id)?;
        Ok(JobDetail {
            job,
            items: items.iter().map(crate::runner::job_item).collect(),
        })
    }

    pub(crate) fn job_summary(&self, id: &str) -> Result<JobSummary> {
        let row = self
            .inner
            .store
            .job(id)?
            .ok_or_else(|| CoreError::UnknownJob(id.to_owned()))?;
        self.summary_of(&row)
    }

    /// The journal as the pure functions read it.
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.inner.store.journal_entries()
    }

    /// Validates `req`, previews it and commits the machines it would send.
    fn commit_previewed(&self, req: BulkRequest, me: &str) -> Result<String> {
        if req.comment.trim().is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let preview = self.preview_as(&req, me)?;
        if preview.will_send.is_empty() {
            let why: Vec<String> = preview
                .excluded
                .iter()
                .take(3)
                .map(|e| format!("{}: {}", e.machine.name, e.reason))
                .collect();
            return Err(CoreError::Invalid {
                field: "machineIds".into(),
                message: format!("Nothing to send: {}", why.join(" ")),
            });
        }
        let ids: Vec<String> = preview.will_send.into_iter().map(|m| m.id).collect();
        self.commit_job(&req, &ids, me)
    }

    /// Commits a job for exactly `machine_ids` (already validated): the job and one
    /// `planned` item per machine, with their audit rows, in one transaction.
    pub(crate) fn commit_job(
        &self,
        req: &BulkRequest,
        machine_ids: &[String],
        requested_by: &str,
    ) -> Result<String> {
        let requested_by = requested_by.to_owned();
        let job = NewJob {
            id: uuid::Uuid::new_v4().to_string(),
            kind: req.kind,
            comment: req.comment.trim().to_owned(),
            isolation_type: match req.kind {
                JobKind::Isolate => Some(req.isolation_type.unwrap_or(IsolationKind::Full)),
                JobKind::Release => None,
            },
            requested_by,
            source: req.source.clone(),
        };
        let items: Vec<NewItem> = machine_ids
            .iter()
            .map(|id| NewItem {
                machine_id: id.to_ascii_lowercase(),
                machine_name: self.name_of(id),
            })
            .collect();
        self.inner.store.create_job(&job, &items, Utc::now())?;
        self.emit(&job.id, None);
        Ok(job.id)
    }

    /// The summary of a stored job, with its counts.
    pub(crate) fn summary_of(&self, j: &crate::store::JobRow) -> Result<JobSummary> {
        let c = self.inner.store.job_counts(&j.id)?;
        let now = Utc::now();
        let (state, error) = match self.halted_now(&j.id, false) {
            Some(e) if j.state == JobState::Running => (JobState::Halted, Some(e)),
            _ => (j.state, j.error.clone()),
        };
        let rfc = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Ok(JobSummary {
            id: j.id.clone(),
            kind: j.kind,
            state,
            comment: j.comment.clone(),
            requested_by: j.requested_by.clone(),
            source: j.source.clone(),
            created_at: rfc(j.created_at),
            updated_at: rfc(j.updated_at.max(c.last_update.unwrap_or(j.updated_at))),
            total: c.total,
            finished: c.done + c.adopted + c.failed + c.cancelled,
            succeeded: c.done + c.adopted,
            adopted: c.adopted,
            failed: c.failed,
            cancelled: c.cancelled,
            throttled_until: c
                .throttled_until
                .filter(|t| *t > now && state == JobState::Running)
                .map(rfc),
            error,
        })
    }
}

/// Who requested the machine's current isolation (its newest succeeded Isolate).
fn isolated_by(acts: &[crate::derive::IsolationAction]) -> Option<String> {
    acts.iter()
        .filter(|a| {
            a.kind == crate::derive::Kind::Isolate && a.status == crate::derive::Status::Succeeded
        })
        .max_by_key(|a| a.created)
        .map(|a| a.requestor.clone())
        .filter(|r| !r.is_empty())
}

/// The error a halted job shows.
pub(crate) fn storage_ipc(e: &CoreError) -> IpcError {
    match e {
        CoreError::Storage(detail) => IpcError::from(CoreError::Storage(detail.clone())),
        other => IpcError::from(CoreError::Storage(other.to_string())),
    }
}
