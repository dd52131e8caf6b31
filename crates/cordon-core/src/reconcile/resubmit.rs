//! Resubmissions a person starts from the Reconciliation view (and `cordon
//! reconcile --resubmit`).
//!
//! Every machine is checked against its row before anything is cancelled or sent;
//! `CancelAndResubmit` rows are cancelled first, and a machine whose cancel fails is
//! left out (and audited) rather than sent twice. The jobs go through the journal like
//! every other work, one per kind and isolation type.

use std::collections::BTreeMap;

use crate::dto::IsolationKind;
use crate::dto::jobs::{BulkRequest, JobKind, JobSummary, NextStep, ReconRow};
use crate::error::{CoreError, Result};
use crate::reconcile::service::{Reconciler, SOURCE_RECONCILE};

impl Reconciler {
    /// Resubmits the stuck work of `machine_ids` as its rows propose; one job per kind
    /// (and isolation type), source `reconcile`. Every machine is checked before
    /// anything is cancelled or sent.
    pub async fn resubmit(
        &self,
        machine_ids: Vec<String>,
        comment: Option<String>,
    ) -> Result<Vec<JobSummary>> {
        if machine_ids.is_empty() {
            return Err(CoreError::NoMachines);
        }
        let rows = self.rows()?;
        let mut chosen: Vec<ReconRow> = Vec::new();
        for id in &machine_ids {
            let id = id.trim();
            let row = rows
                .iter()
                .find(|r| r.machine_id.eq_ignore_ascii_case(id))
                .ok_or_else(|| refuse(format!(
                    "{} has no stuck isolation or release: nothing to resubmit (`cordon reconcile` lists the stuck work). Nothing was sent.",
                    self.fleet.label(id)
                )))?;
            match row.next_step {
                step if step.resubmittable() => {}
                NextStep::WaitForDevice => {
                    return Err(refuse(format!(
                        "{}: the {} is still pending and waits for the device ({}). Resubmitting would not help; Cordon proposes it once Defender ends the action. Nothing was sent.",
                        row.machine_name,
                        kind_word(row.kind),
                        row.cause_text
                    )));
                }
                NextStep::InProgress => {
                    return Err(refuse(format!(
                        "{}: a resubmission is already under way ({}). Nothing was sent.",
                        row.machine_name, row.next_text
                    )));
                }
                _ => {
                    return Err(refuse(format!(
                        "{}: nothing to resubmit ({}). Nothing was sent.",
                        row.machine_name, row.cause_text
                    )));
                }
            }
            if !chosen.iter().any(|c| c.machine_id == row.machine_id) {
                chosen.push(row.clone());
            }
        }
        let given = comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        // Cancel first where the row says so; a machine whose cancel fails is left
        // out (and audited) rather than sent twice.
        let mut first_error: Option<CoreError> = None;
        let mut ready: Vec<&ReconRow> = Vec::new();
        for row in &chosen {
            if row.next_step == NextStep::CancelAndResubmit {
                let why = given.clone().unwrap_or_else(|| {
                    format!(
                        "Cordon reconcile: cancelling the stuck {} to resubmit it",
                        kind_word(row.kind)
                    )
                });
                if let Err(e) = self.fleet.cancel(&row.action_id, &why).await {
                    self.audit_decision(
                        "reconcile.cancel_failed",
                        None,
                        row,
                        &why,
                        &format!("Cancel failed, not resubmitted: {e}"),
                    );
                    first_error.get_or_insert(e);
                    continue;
                }
            }
            ready.push(row);
        }
        if ready.is_empty() {
            return Err(first_error.unwrap_or(CoreError::NoMachines));
        }
        let mut jobs: BTreeMap<(u8, u8), Vec<&ReconRow>> = BTreeMap::new();
        for row in ready {
            let scope = self.scope_of(row);
            let key = (u8::from(row.kind == JobKind::Release), scope_key(scope));
            jobs.entry(key).or_default().push(row);
        }
        let mut out = Vec::new();
        for ((_, _), rows) in jobs {
            let kind = rows[0].kind;
            let comment = given.clone().unwrap_or_else(|| default_comment(&rows));
            let req = BulkRequest {
                kind,
                machine_ids: rows.iter().map(|r| r.machine_id.clone()).collect(),
                comment,
                isolation_type: (kind == JobKind::Isolate).then(|| self.scope_of(rows[0])),
                source: Some(SOURCE_RECONCILE.into()),
                include_foreign: true,
                matching: None,
            };
            out.push(self.jobs.start_now(req)?);
        }
        self.fleet.wake();
        Ok(out)
    }

    /// The isolation type of the row's action (Full unless it was Selective).
    fn scope_of(&self, row: &ReconRow) -> IsolationKind {
        let c = self.fleet.cache();
        match c
            .actions
            .get(&row.action_id)
            .and_then(|a| a.scope.as_deref())
        {
            Some(s) if s.eq_ignore_ascii_case("Selective") => IsolationKind::Selective,
            _ => IsolationKind::Full,
        }
    }
}

fn refuse(message: String) -> CoreError {
    CoreError::Invalid {
        field: "machineIds".into(),
        message,
    }
}

fn kind_word(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Isolate => "isolation",
        JobKind::Release => "release",
    }
}

fn scope_key(s: IsolationKind) -> u8 {
    match s {
        IsolationKind::Full => 0,
        IsolationKind::Selective => 1,
    }
}

/// The comment of a resubmission when the person gave none: what and why, and the
/// original reason.
fn default_comment(rows: &[&ReconRow]) -> String {
    let Some(first) = rows.first() else {
        return "Cordon reconcile: resubmitting".into();
    };
    let original = first.comment.trim();
    let what = kind_word(first.kind);
    let shared = rows.iter().all(|r| r.comment.trim() == original);
    if original.is_empty() || !shared {
        format!("Cordon reconcile: resubmitting the {what}")
    } else {
        format!("Cordon reconcile: resubmitting the {what} ({original})")
    }
}
