//! Isolate and release from the Machines view and `cordon isolate|release`: validated
//! before anything is stored or sent, then run as a journaled job (see
//! [`crate::jobs::item`]): an action already in flight is adopted, an unknown outcome
//! is looked up before any resend, a 429 is waited out, and each machine's outcome is
//! reported, never guessed.

use mde_api::MachineId;

use crate::dto::jobs::{BulkRequest, ItemState, JobKind};
use crate::dto::{ActionOutcome, IsolateRequest, IsolationKind, ReleaseRequest};
use crate::error::{CoreError, Result};
use crate::jobs::Jobs;

impl Jobs {
    /// Isolates every machine of the request.
    pub async fn isolate(&self, req: IsolateRequest) -> Result<Vec<ActionOutcome>> {
        self.run_direct(
            JobKind::Isolate,
            Some(req.isolation_type),
            &req.machine_ids,
            &req.comment,
        )
        .await
    }

    /// Releases every machine of the request from isolation.
    pub async fn release(&self, req: ReleaseRequest) -> Result<Vec<ActionOutcome>> {
        self.run_direct(JobKind::Release, None, &req.machine_ids, &req.comment)
            .await
    }

    /// Runs a job for exactly these machines (each explicitly chosen: no exclusion).
    async fn run_direct(
        &self,
        kind: JobKind,
        isolation_type: Option<IsolationKind>,
        ids: &[String],
        comment: &str,
    ) -> Result<Vec<ActionOutcome>> {
        let comment = comment.trim().to_owned();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        if ids.is_empty() {
            return Err(CoreError::NoMachines);
        }
        // Validate every id before storing or sending anything.
        let mut parsed: Vec<String> = Vec::with_capacity(ids.len());
        for s in ids {
            let id = MachineId::parse(s.trim())?.as_str().to_ascii_lowercase();
            if !parsed.contains(&id) {
                parsed.push(id);
            }
        }
        let req = BulkRequest {
            kind,
            machine_ids: parsed.clone(),
            comment,
            isolation_type,
            source: Some("machines".into()),
            include_foreign: true,
            matching: None,
        };
        let me = self.identity().await;
        let job_id = self.commit(&req, &parsed, &me)?;
        self.runner.wait(&self.fleet, &self.store, &job_id).await;
        let detail = self.job(&job_id)?;
        Ok(detail
            .items
            .into_iter()
            .map(|i| ActionOutcome {
                machine_id: i.machine_id,
                machine_name: i.machine_name,
                action_id: i.action_id,
                status: i.action_status,
                adopted: i.state == ItemState::Adopted,
                error: match i.state {
                    ItemState::Done | ItemState::Adopted => None,
                    _ => i.error.or_else(|| {
                        Some(crate::dto::IpcError::OutcomeUnknown {
                            message: "Not finished: the job resumes with `cordon jobs resume` (or at the next start).".into(),
                        })
                    }),
                },
            })
            .collect())
    }
}
