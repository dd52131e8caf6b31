//! [`Reconciler`]: the reconciliation, grouping and history reads (over the pure
//! functions in `reconcile`, `grouping` and `history`), the resubmissions a person
//! starts from the Reconciliation view, the auto-reconcile step the sync loop runs
//! after each successful round, and the reconciliation settings. It reads the
//! [`Fleet`]'s cache and the journal, and starts work only through [`Jobs`].
//!
//! Resubmissions go through the journal like every other bulk work (`start_job`:
//! intents committed before any call, adoption instead of duplicates), one job per
//! kind. They follow the row's proposal: `Resubmit` sends a new action,
//! `CancelAndResubmit` cancels the pending one first; a row that waits for its device
//! is already under way, or needs nothing is refused with a sentence, and so is
//! a machine without a stuck row. Resubmitted releases include machines isolated by
//! someone else: the release was already decided when it was first requested (S-7's
//! exclusion is for new bulk releases).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use mde_api::{ActionStatus, ActionType, Machine, MachineAction};

use crate::dto::MachineRef;
use crate::dto::jobs::{
    BulkRequest, History, HistoryFilter, IsolationGroup, JobKind, JobSummary, ReconRow,
    ReconcileSettings,
};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::jobs::Jobs;
use crate::reconcile::{self as reconcile, grouping, history};
use crate::store::Store;

/// The source of a job a person starts from the Reconciliation view.
pub const SOURCE_RECONCILE: &str = "reconcile";
/// The source of auto-reconcile's jobs.
pub const SOURCE_AUTO: &str = "auto-reconcile";

const RECONCILE_SETTINGS: &str = "reconcile";

/// Stuck work, batches and history of one tenant. Cheap to clone.
#[derive(Clone)]
pub struct Reconciler {
    pub(super) fleet: Fleet,
    pub(super) jobs: Jobs,
    store: Arc<Store>,
}

impl Reconciler {
    pub(crate) fn new(fleet: Fleet, jobs: Jobs, store: Arc<Store>) -> Self {
        Self { fleet, jobs, store }
    }

    /// Auto-reconcile and its bounds.
    pub fn settings(&self) -> Result<ReconcileSettings> {
        Ok(self.store.setting(RECONCILE_SETTINGS)?.unwrap_or_default())
    }

    /// Changes auto-reconcile and its bounds (kept in the store).
    pub fn set_settings(&self, s: ReconcileSettings) -> Result<ReconcileSettings> {
        if s.max_tries > 20 || s.stuck_after_minutes == 0 {
            return Err(CoreError::Invalid {
                field: "reconcileSettings".into(),
                message: "Tries must be 0–20 and the stuck threshold at least one minute.".into(),
            });
        }
        self.store.set_setting(RECONCILE_SETTINGS, &s)?;
        Ok(s)
    }

    /// The Reconciliation view's rows (and `cordon reconcile`), from the cache and the
    /// journal; no request.
    pub fn rows(&self) -> Result<Vec<ReconRow>> {
        let settings = self.settings()?;
        let journal = self.jobs.journal_entries()?;
        let now = self.fleet.now();
        let c = self.fleet.cache();
        Ok(reconcile::rows_from(
            &c.machines,
            c.actions.values(),
            &journal,
            now,
            &settings,
        ))
    }

    /// The isolated-now machines grouped by cause (batches), largest first.
    pub fn groups(&self) -> Vec<IsolationGroup> {
        let now = self.fleet.now();
        let c = self.fleet.cache();
        grouping::groups_from(&c.machines, c.actions.values(), &c.alerts, now)
    }

    /// One batch by its id (`cordon release --batch <id>`).
    pub fn group(&self, id: &str) -> Result<IsolationGroup> {
        let id = id.trim();
        self.groups()
            .into_iter()
            .find(|g| g.id.eq_ignore_ascii_case(id))
            .ok_or_else(|| CoreError::Invalid {
                field: "batch".into(),
                message: format!(
                    "No batch “{id}” among the machines isolated now (`cordon batches` lists them; a batch whose machines were all released is gone)."
                ),
            })
    }

    /// Machines isolated now whose isolating action's comment contains `text`
    /// (case-insensitive), by name. An empty text selects nothing.
    pub fn isolated_by_comment(&self, text: &str) -> Vec<MachineRef> {
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let now = self.fleet.now();
        let c = self.fleet.cache();
        let mut out: Vec<MachineRef> = grouping::isolated_now(&c.machines, c.actions.values(), now)
            .into_iter()
            .filter(|(_, a)| a.comment.to_lowercase().contains(&needle))
            .map(|(m, _)| m)
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// The History view: one page of the isolate/release actions matching `filter`,
    /// walked from the store newest first (the cache keeps only the live actions); only
    /// the page is kept.
    pub fn history(&self, filter: HistoryFilter) -> Result<History> {
        self.history_walk(&filter, true)
    }

    /// Every isolate/release action matching `filter` (its `offset`/`limit` ignored).
    pub fn history_all(&self, filter: HistoryFilter) -> Result<History> {
        self.history_walk(&filter, false)
    }

    fn history_walk(&self, filter: &HistoryFilter, paged: bool) -> Result<History> {
        let names = history::names(&self.fleet.cache().machines);
        let mut pager = history::Pager::new(names, filter, paged)?;
        let (since, until) = pager.bounds();
        self.store
            .actions_each(since.as_deref(), until.as_deref(), &mut |a| {
                pager.push(&a);
                Ok(())
            })?;
        Ok(pager.finish())
    }

    /// The History view's CSV export: every matching row, not a page.
    pub fn history_csv(&self, filter: HistoryFilter) -> Result<String> {
        history::csv(&self.history_all(filter)?)
    }

    /// Runs after every successful sync round: resubmits the timed-out releases whose
    /// machine was seen again (when auto-reconcile is on), within the tries left.
    /// Every decision is in the audit log; failures are logged and audited, never
    /// raised (the next round tries again).
    pub async fn auto_tick(&self) -> Vec<JobSummary> {
        match self.auto_inner().await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "auto-reconcile round failed");
                Vec::new()
            }
        }
    }

    async fn auto_inner(&self) -> Result<Vec<JobSummary>> {
        let settings = self.settings()?;
        if !settings.auto_reconcile {
            return Ok(Vec::new());
        }
        // Only machines with a timed-out release can be candidates: the derivation
        // runs for those alone, so a large tenant's round stays cheap.
        let (machines, actions) = {
            let c = self.fleet.cache();
            let timed_out: HashSet<String> = c
                .actions
                .values()
                .filter(|a| a.action_type == ActionType::Unisolate)
                .filter(|a| a.status == ActionStatus::TimeOut)
                .filter_map(|a| a.machine_id.as_deref().map(str::to_ascii_lowercase))
                .collect();
            if timed_out.is_empty() {
                return Ok(Vec::new());
            }
            let machines: Vec<Machine> = c
                .machines
                .iter()
                .filter(|m| timed_out.contains(&m.id.to_ascii_lowercase()))
                .cloned()
                .collect();
            let actions: Vec<MachineAction> = c
                .actions
                .values()
                .filter(|a| {
                    a.machine_id
                        .as_deref()
                        .is_some_and(|m| timed_out.contains(&m.to_ascii_lowercase()))
                })
                .cloned()
                .collect();
            (machines, actions)
        };
        let journal = self.jobs.journal_entries()?;
        let rows = reconcile::rows(&machines, &actions, &journal, self.fleet.now(), &settings);
        let ids = reconcile::auto_candidates(&rows, &machines, &journal, &settings);
        // One job per try number: its comment says which try it is.
        let mut by_try: BTreeMap<u32, Vec<&ReconRow>> = BTreeMap::new();
        for id in &ids {
            if let Some(r) = rows.iter().find(|r| &r.machine_id == id) {
                by_try.entry(r.tries + 1).or_default().push(r);
            }
        }
        let mut out = Vec::new();
        for (n, rows) in by_try {
            let comment = format!(
                "Cordon auto-reconcile: resubmitting release after timeout (try {n} of {})",
                settings.max_tries
            );
            let req = BulkRequest {
                kind: JobKind::Release,
                machine_ids: rows.iter().map(|r| r.machine_id.clone()).collect(),
                comment: comment.clone(),
                isolation_type: None,
                source: Some(SOURCE_AUTO.into()),
                include_foreign: true,
                matching: None,
            };
            let started = self.jobs.start_now(req);
            let last = if n >= settings.max_tries {
                "; the last try: after it a person decides"
            } else {
                ""
            };
            for r in &rows {
                let (event, job, detail) = match &started {
                    Ok(job) => (
                        "auto_reconcile.resubmit",
                        Some(job.id.as_str()),
                        format!(
                            "{}; device seen again (last full report {}): resubmitted (try {n} of {}){last}",
                            r.cause_text,
                            r.last_seen.as_deref().unwrap_or("unknown"),
                            settings.max_tries
                        ),
                    ),
                    Err(e) => (
                        "auto_reconcile.failed",
                        None,
                        format!("Resubmission not started: {e}"),
                    ),
                };
                self.audit_decision(event, job, r, &comment, &detail);
            }
            if let Ok(job) = started {
                out.push(job);
            }
        }
        Ok(out)
    }

    /// Appends one audit row about `row`; a failure is logged (the store's own error
    /// reaches the user through the next job or view).
    pub(super) fn audit_decision(
        &self,
        event: &str,
        job_id: Option<&str>,
        row: &ReconRow,
        comment: &str,
        detail: &str,
    ) {
        if let Err(e) = self.jobs.audit_append(
            event,
            job_id,
            Some(&row.machine_id),
            Some(&row.action_id),
            Some(comment),
            detail,
        ) {
            tracing::error!(error = %e, event, "audit append failed");
        }
    }
}
