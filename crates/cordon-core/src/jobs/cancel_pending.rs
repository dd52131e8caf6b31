//! "Cancel pending (N)…": the pending isolation or release of each chosen machine (or
//! of every machine matching a grid filter) cancelled at Defender, machine by machine,
//! through the one audited cancel ([`Jobs::cancel_action`], `cordon cancel`'s path), so
//! each cancel is in the audit log as a single one is. The core finds the pending
//! action from the fleet; a machine with none is reported, not an error, and one
//! machine's failure does not stop the others.

use std::collections::HashSet;

use crate::dto::IpcError;
use crate::dto::cancel::{CancelOutcome, CancelPendingRequest, CancelResult};
use crate::error::{CoreError, Result};
use crate::jobs::Jobs;

impl Jobs {
    /// Cancels the pending isolation work of the request's machines; one outcome per
    /// machine, in the order asked (the filter's matches after the named ones). An
    /// empty comment or an empty selection is refused before any request.
    pub async fn cancel_pending(&self, req: &CancelPendingRequest) -> Result<Vec<CancelOutcome>> {
        let comment = req.comment.trim();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let mut ids = req.machine_ids.clone();
        if let Some(filter) = &req.matching {
            ids.extend(self.fleet.grid_ids(filter)?);
        }
        let mut seen = HashSet::new();
        ids.retain(|id| seen.insert(id.trim().to_ascii_lowercase()));
        if ids.is_empty() {
            return Err(CoreError::NoMachines);
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.cancel_one(id.trim(), comment).await);
        }
        Ok(out)
    }

    async fn cancel_one(&self, machine_id: &str, comment: &str) -> CancelOutcome {
        let mut outcome = CancelOutcome {
            machine_id: machine_id.to_owned(),
            machine_name: self.fleet.name_of(machine_id),
            result: CancelResult::NothingPending,
            action_type: None,
            action_id: None,
            status: None,
            error: None,
        };
        if self.fleet.cache().machine(machine_id).is_none() {
            outcome.result = CancelResult::Failed;
            outcome.error = Some(CoreError::UnknownMachine(machine_id.to_owned()).into());
            return outcome;
        }
        let Some(action) = self.fleet.pending_isolation(machine_id) else {
            return outcome;
        };
        outcome.action_type = Some(action.action_type.as_str().to_owned());
        outcome.action_id = Some(action.id.clone());
        match self.cancel_action(&action.id, comment).await {
            Ok(row) => {
                outcome.result = CancelResult::Cancelled;
                outcome.status = Some(row.status);
            }
            Err(e) => {
                outcome.result = CancelResult::Failed;
                outcome.error = Some(IpcError::from(e));
            }
        }
        outcome
    }
}
