//! Isolate and release: validated before any request, idempotent, and honest about
//! outcomes.
//!
//! - An empty comment or a malformed machine id is refused before anything is sent.
//! - An action already in flight for the machine is adopted, not sent twice (from the
//!   cache, or when Defender answers `ActiveRequestAlreadyExists`).
//! - When a request left but no answer came, the machine's actions are looked up
//!   before anything else happens; the outcome is reported, never guessed.
//!
//! (The durable journal and the paced bulk runner come with the store; this module is
//! the per-machine step they will drive.)

use std::sync::Arc;

use mde_api::{ActionStatus, ActionType, Filter, IsolationType, MachineAction, MachineId, Query};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::app::App;
use crate::dto::{ActionOutcome, IsolateRequest, IsolationKind, ReleaseRequest};
use crate::error::{CoreError, Result, api_to_ipc};

/// Requests sent at once for one batch (pacing under the rate limit is the client's).
const CONCURRENCY: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Isolate(IsolationType),
    Release,
}

impl Op {
    fn action_type(self) -> ActionType {
        match self {
            Op::Isolate(_) => ActionType::Isolate,
            Op::Release => ActionType::Unisolate,
        }
    }
}

impl App {
    /// Isolates every machine of the request.
    pub async fn isolate(&self, req: IsolateRequest) -> Result<Vec<ActionOutcome>> {
        let kind = match req.isolation_type {
            IsolationKind::Full => IsolationType::Full,
            IsolationKind::Selective => IsolationType::Selective,
        };
        self.run(Op::Isolate(kind), &req.machine_ids, &req.comment)
            .await
    }

    /// Releases every machine of the request from isolation.
    pub async fn release(&self, req: ReleaseRequest) -> Result<Vec<ActionOutcome>> {
        self.run(Op::Release, &req.machine_ids, &req.comment).await
    }

    async fn run(&self, op: Op, ids: &[String], comment: &str) -> Result<Vec<ActionOutcome>> {
        let comment = comment.trim().to_owned();
        if comment.is_empty() {
            return Err(CoreError::EmptyComment);
        }
        if ids.is_empty() {
            return Err(CoreError::NoMachines);
        }
        // Validate every id before sending anything.
        let parsed: Vec<MachineId> = ids
            .iter()
            .map(|s| MachineId::parse(s.trim()))
            .collect::<std::result::Result<_, _>>()?;
        let gate = Arc::new(Semaphore::new(CONCURRENCY));
        let mut set = JoinSet::new();
        for (i, id) in parsed.into_iter().enumerate() {
            let app = self.clone();
            let gate = Arc::clone(&gate);
            let comment = comment.clone();
            set.spawn(async move {
                let _permit = gate.acquire_owned().await;
                (i, app.one(op, &id, &comment).await)
            });
        }
        let mut out: Vec<(usize, ActionOutcome)> = Vec::with_capacity(ids.len());
        while let Some(joined) = set.join_next().await {
            if let Ok(pair) = joined {
                out.push(pair);
            }
        }
        out.sort_by_key(|(i, _)| *i);
        self.wake();
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }

    async fn one(&self, op: Op, id: &MachineId, comment: &str) -> ActionOutcome {
        let name = self.name_of(id.as_str());
        let mut outcome = ActionOutcome {
            machine_id: id.as_str().to_owned(),
            machine_name: name,
            action_id: None,
            status: None,
            adopted: false,
            error: None,
        };
        if let Some(pending) = self.cached_in_flight(id.as_str(), op.action_type()) {
            adopt(&mut outcome, &pending);
            return outcome;
        }
        let sent = match op {
            Op::Isolate(kind) => self.client().isolate(id, kind, comment).await,
            Op::Release => self.client().unisolate(id, comment).await,
        };
        match sent {
            Ok(action) => {
                outcome.action_id = Some(action.id.clone());
                outcome.status = Some(action.status.as_str().to_owned());
                self.merge(None, vec![action], false);
            }
            Err(e)
                if is_already_active(&e) || matches!(e, mde_api::Error::OutcomeUnknown { .. }) =>
            {
                // Either Defender says one is already running, or we cannot know
                // whether ours was created: look before doing anything else.
                match self.lookup_in_flight(id, op.action_type()).await {
                    Ok(Some(found)) => {
                        adopt(&mut outcome, &found);
                        self.merge(None, vec![found], false);
                    }
                    Ok(None) => outcome.error = Some(api_to_ipc(&e)),
                    Err(lookup) => outcome.error = Some(api_to_ipc(&lookup)),
                }
            }
            Err(e) => outcome.error = Some(api_to_ipc(&e)),
        }
        outcome
    }

    fn name_of(&self, id: &str) -> Option<String> {
        self.cache()
            .machines
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(id))
            .and_then(|m| m.computer_dns_name.clone())
    }

    fn cached_in_flight(&self, id: &str, t: ActionType) -> Option<MachineAction> {
        self.cache()
            .actions
            .values()
            .filter(|a| crate::app::same_machine(a, id) && a.action_type == t)
            .filter(|a| matches!(a.status, ActionStatus::Pending | ActionStatus::InProgress))
            .max_by_key(|a| a.creation_date_time_utc)
            .cloned()
    }

    async fn lookup_in_flight(
        &self,
        id: &MachineId,
        t: ActionType,
    ) -> std::result::Result<Option<MachineAction>, mde_api::Error> {
        let filter = Filter::eq("machineId", id.as_str())
            .and(Filter::eq("type", t.as_str()))
            .and(Filter::r#in("status", ["Pending", "InProgress"]));
        let found = self
            .client()
            .list_machine_actions(&Query::new().filter(filter))
            .await?;
        Ok(found.into_iter().max_by_key(|a| a.creation_date_time_utc))
    }
}

fn adopt(outcome: &mut ActionOutcome, a: &MachineAction) {
    outcome.action_id = Some(a.id.clone());
    outcome.status = Some(a.status.as_str().to_owned());
    outcome.adopted = true;
}

fn is_already_active(e: &mde_api::Error) -> bool {
    matches!(e, mde_api::Error::Api { status: 400, code, message, .. }
        if code == "ActiveRequestAlreadyExists" || message.contains("already in progress"))
}
