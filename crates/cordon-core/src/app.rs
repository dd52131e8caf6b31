//! The app core: one value that the desktop shell manages and the CLI uses, made of
//! parts that each own their state and their verbs.
//!
//! - [`Fleet`]: the machine/action/alert cache, the sync and its change channel.
//! - [`Jobs`]: the journal's jobs, the runner (which takes the fleet and the store
//!   explicitly), the bulk preview and its token, the audit log.
//! - [`Reconciler`]: stuck work, batches, history, auto-reconcile.
//! - [`Automation`]: the isolation rule, its guard rails and the approval queue.
//! - [`Store`]: the journal, audit log, caches and settings (a SQLite file, or a team
//!   store on PostgreSQL when the configuration names one).
//!
//! `App`'s public verbs are one-line delegations, all in this file, so a reader finds
//! every verb from the type. Background work (the sync loop, resuming unfinished
//! jobs) is started by [`App::start`] and ends when the last `App` clone is dropped.

use std::path::PathBuf;
use std::sync::{Arc, Weak};

use chrono::{DateTime, Utc};
use mde_api::Client;
use tokio::sync::broadcast;

use crate::automation::{Automation, AutomationEvent};
pub use crate::config::AppConfig;
use crate::dto::automation::{
    AlertFilter, AlertRow, Proposal, ProposalRequest, ProposalVerdict, RuleChange, RuleDecision,
    RuleSettings, RuleStatus, VerdictOutcome,
};
use crate::dto::cancel::{CancelOutcome, CancelPendingRequest};
use crate::dto::grid::{GridChanges, GridFilter, GridPage, GridQuery};
use crate::dto::jobs::{
    AuditEntry, AuditFilter, AuditPage, BulkPreview, BulkRequest, Confirmation, ExportFormat,
    History, HistoryFilter, IsolationGroup, JobDetail, JobProgress, JobSummary, ReconRow,
    ReconcileSettings,
};
use crate::dto::wait::{WaitItem, WaitReport};
use crate::dto::{
    ActionFilter, ActionOutcome, ActionRow, AppInfo, Counters, IsolateRequest, MachineDetail,
    MachineRef, MachineRow, ReleaseRequest, Snapshot, SyncStatus,
};
use crate::error::Result;
use crate::fleet::Fleet;
use crate::fleet::grid::GridList;
use crate::jobs::Jobs;
use crate::jobs::runner::Runner;
use crate::reconcile::Reconciler;
use crate::store::Store;
use crate::store::journal_entry::JournalEntry;
use crate::team::{Process, Team};

pub(crate) struct Inner {
    cfg: AppConfig,
    store: Arc<Store>,
    fleet: Fleet,
    jobs: Jobs,
    reconciler: Reconciler,
    pub(crate) automation: Automation,
    team: Team,
}

impl Drop for Inner {
    /// The last handle on the core is gone: this process leaves the team (its
    /// heartbeat and named leases go, its item leases end), so the next process takes
    /// over at once instead of after the leases run out.
    fn drop(&mut self) {
        let owner = &self.team.process().owner;
        if let Err(e) = self.store.leave(owner, Utc::now()) {
            tracing::warn!(error = %e, "leaving the team store failed; leases end on their own");
        }
    }
}

/// Cordon's core. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl App {
    /// Builds the core without starting background work (the CLI's mode).
    pub fn new(cfg: AppConfig) -> Result<Self> {
        let client = Client::new(
            cfg.endpoints.clone(),
            cfg.credentials.clone(),
            cfg.client_options.clone(),
        )?;
        let store = Arc::new(open_store(&cfg)?);
        let fleet = Fleet::open(client, Arc::clone(&store), &cfg)?;
        let team = Team::new(
            Arc::clone(&store),
            fleet.client().clone(),
            Process::current(cfg.process_kind, &cfg.process_label, Utc::now()),
            cfg.credentials.client_id().to_owned(),
            cfg.lease
                .max(cfg.client_options.timeout + std::time::Duration::from_secs(10)),
        );
        let runner = Runner::new(
            cfg.concurrency,
            cfg.client_options.timeout,
            cfg.lookup_settle,
            team.clone(),
        );
        let client_id = cfg.credentials.client_id().to_owned();
        let jobs = Jobs::new(fleet.clone(), Arc::clone(&store), runner, client_id);
        let reconciler = Reconciler::new(fleet.clone(), jobs.clone(), Arc::clone(&store));
        let automation = Automation::new(fleet.clone(), jobs.clone(), Arc::clone(&store));
        Ok(Self {
            inner: Arc::new(Inner {
                cfg,
                store,
                fleet,
                jobs,
                reconciler,
                automation,
                team,
            }),
        })
    }

    /// Builds the core and starts its background work on the current tokio runtime:
    /// the store's quick check then its daily backup (on the blocking pool, after the
    /// cache is loaded; sending waits for the check), the sync loop, and the
    /// resumption of every unfinished job (each first looks up what a crash left
    /// `sending` or `unknown`).
    pub fn start(cfg: AppConfig) -> Result<Self> {
        let app = Self::new(cfg)?;
        let inner = &app.inner;
        crate::tenant::choices::audit(&inner.cfg, &inner.store, &inner.jobs);
        let (store, keep) = (Arc::clone(&app.inner.store), app.inner.cfg.backups_kept);
        let fleet = app.inner.fleet.clone();
        tokio::spawn(async move {
            // After the cache's load, which reads the same store.
            fleet.ready().await;
            crate::store::off_runtime(move || check_then_back_up(&store, keep)).await;
        });
        tokio::spawn(sync_loop(Arc::downgrade(&app.inner)));
        tokio::spawn(Automation::run_loop(Arc::downgrade(&app.inner)));
        let jobs = app.inner.jobs.clone();
        tokio::spawn(async move {
            // Learn who "we" are first (S-7 previews, the journal's requester).
            let _ = jobs.identity().await;
            if let Err(e) = jobs.spawn_unfinished() {
                tracing::error!(error = %e, "unfinished jobs could not be resumed");
            }
        });
        Ok(app)
    }

    /// The local store (its checks, and a page cap for fail-closed tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The store file (`None` when the store is in memory or on a server).
    pub fn store_path(&self) -> Option<PathBuf> {
        self.inner.store.path().map(std::path::Path::to_path_buf)
    }

    /// Facts about this window's tenant.
    pub fn info(&self) -> AppInfo {
        let cfg = &self.inner.cfg;
        let permissions = self.inner.fleet.permissions();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            demo: cfg.demo,
            tenant_label: cfg.tenant_label.clone(),
            api_base: cfg.endpoints.api_base.to_string(),
            may_isolate: crate::dto::may_isolate(permissions.as_deref()),
            permissions: permissions.unwrap_or_default(),
        }
    }

    // The fleet.

    /// The tenant clock (the local clock corrected by the server's `Date` header).
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.fleet.now()
    }
    /// Change notifications: one per revision bump or sync failure/recovery.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncStatus> {
        self.inner.fleet.subscribe()
    }
    /// The current sync status.
    pub fn status(&self) -> SyncStatus {
        self.inner.fleet.status()
    }
    /// Everything the Machines view shows, from the cache (no request).
    pub fn snapshot(&self) -> Snapshot {
        self.inner.fleet.snapshot()
    }
    /// Syncs now, then returns the snapshot (a failed sync is an error here).
    pub async fn refresh(&self) -> Result<Snapshot> {
        self.inner.fleet.refresh().await
    }
    /// Resolves once the fleet's cache is loaded (every verb answers without waiting).
    pub async fn fleet_ready(&self) {
        self.inner.fleet.ready().await;
    }
    /// One sync round; `force_machines` refreshes the machine list regardless of age.
    pub async fn sync_once(&self, force_machines: bool) -> Result<()> {
        self.inner.fleet.sync_once(force_machines).await
    }
    /// Asks the background sync to run now.
    pub fn wake(&self) {
        self.inner.fleet.wake();
    }
    /// A window of the machine grid: filtered, searched, sorted and counted in the store.
    pub fn grid_page(&self, query: &GridQuery) -> Result<GridPage> {
        self.inner.fleet.grid_page(query)
    }
    /// The counters of the machines matching `filter` (the default: the whole fleet).
    pub fn grid_counters(&self, filter: &GridFilter) -> Result<Counters> {
        self.inner.fleet.grid_counters(filter)
    }
    /// Every machine id matching `filter`, by name ("select all N matching").
    pub fn grid_ids(&self, filter: &GridFilter) -> Result<Vec<String>> {
        self.inner.fleet.grid_ids(filter)
    }
    /// What changed in the grid since `cursor` (an idle sync: nothing).
    pub fn grid_changes(&self, cursor: u32) -> Result<GridChanges> {
        self.inner.fleet.grid_changes(cursor)
    }
    /// A window of the grid from the store alone: no cache loaded, no request (the CLI's
    /// `--offline`); derived at the local clock.
    pub fn grid_offline(cfg: &AppConfig, query: &GridQuery) -> Result<GridPage> {
        crate::fleet::grid::page(&open_store(cfg)?, query, Utc::now(), cfg.thresholds)
    }
    /// Every machine matching `filter`, as the grid shows it, by name, with the store's
    /// last sync time (`cordon machines`): one read of the grid's records.
    pub fn grid_rows(&self, filter: &GridFilter) -> Result<GridList> {
        self.inner.fleet.grid_rows(filter)
    }
    /// [`App::grid_rows`] from the store alone: no cache loaded, no request.
    pub fn grid_rows_offline(cfg: &AppConfig, filter: &GridFilter) -> Result<GridList> {
        crate::fleet::grid::rows(&open_store(cfg)?, filter, Utc::now(), cfg.thresholds)
    }
    /// One machine's detail from the cache.
    pub fn machine_detail(&self, machine_id: &str) -> Result<MachineDetail> {
        self.inner.fleet.machine_detail(machine_id)
    }
    /// Finds one machine by id or DNS name (full or short host name).
    pub async fn find_machine(&self, query: &str) -> Result<MachineRow> {
        self.inner.fleet.find_machine(query).await
    }
    /// The machine ids of a list of ids or DNS names (a file of thousands), in order;
    /// the first unknown or ambiguous one is the error, as `find_machine` says it.
    pub async fn resolve_machines(&self, queries: &[String]) -> Result<Vec<String>> {
        self.inner.fleet.resolve_all(queries).await
    }
    /// Machine actions matching `filter` (server-side filters), newest first.
    pub async fn actions(&self, filter: ActionFilter) -> Result<Vec<ActionRow>> {
        self.inner.fleet.actions(filter).await
    }
    /// The machines matching the Machines view's filter, as CSV.
    pub fn machines_csv(&self, filter: &crate::dto::grid::GridFilter) -> Result<String> {
        self.inner.fleet.machines_csv(filter)
    }
    /// A machine's device page in the tenant's Microsoft Defender portal.
    pub fn portal_url(&self, machine_id: &str) -> Result<String> {
        self.inner
            .fleet
            .portal_url(self.inner.cfg.portal_host.as_deref(), machine_id)
    }
    /// Cancels a `Pending` or `InProgress` action (validated before any request), and
    /// audits it.
    pub async fn cancel(&self, action_id: &str, comment: &str) -> Result<ActionRow> {
        self.inner.jobs.cancel_action(action_id, comment).await
    }

    /// Cancels the pending isolation or release of each machine of `req` (named, or
    /// matching its grid filter) through [`App::cancel`]'s audited path; one outcome
    /// per machine (cancelled, nothing pending, failed with its error).
    pub async fn cancel_pending(&self, req: &CancelPendingRequest) -> Result<Vec<CancelOutcome>> {
        self.inner.jobs.cancel_pending(req).await
    }

    // Jobs.

    /// Isolates every machine of the request (a journaled job, run to its end).
    pub async fn isolate(&self, req: IsolateRequest) -> Result<Vec<ActionOutcome>> {
        self.inner.jobs.isolate(req).await
    }
    /// Releases every machine of the request (a journaled job, run to its end).
    pub async fn release(&self, req: ReleaseRequest) -> Result<Vec<ActionOutcome>> {
        self.inner.jobs.release(req).await
    }
    /// Progress of every job this core drives: one event per item change.
    pub fn subscribe_jobs(&self) -> broadcast::Receiver<JobProgress> {
        self.inner.jobs.subscribe()
    }
    /// What `req` would send, what it leaves out and why, and the preview's token.
    pub async fn preview_bulk(&self, req: &BulkRequest) -> Result<BulkPreview> {
        self.inner.jobs.preview(req).await
    }
    /// Starts the job the person confirmed (its preview's token and typed phrase; a
    /// stale preview or a missing phrase is refused with nothing sent); returns at once.
    pub fn start_job(&self, req: BulkRequest, confirmed: &Confirmation) -> Result<JobSummary> {
        self.inner.jobs.start(req, confirmed)
    }
    /// Runs the job the person confirmed to its end (the CLI's bulk commands).
    pub async fn run_job(&self, req: BulkRequest, confirmed: &Confirmation) -> Result<JobDetail> {
        self.inner.jobs.run(req, confirmed).await
    }
    /// Previews `req` now and runs exactly that to its end (scripts, benchmarks).
    pub async fn run_job_now(&self, req: BulkRequest) -> Result<JobDetail> {
        self.inner.jobs.run_now(req).await
    }
    /// Waits until every action of job `id` ends in Defender (Succeeded, Failed,
    /// TimeOut, Cancelled) or `limit` passes, syncing as the busy sync loop does;
    /// `on_end` sees each machine once, when its outcome is final.
    pub async fn wait_job(
        &self,
        id: &str,
        limit: std::time::Duration,
        on_end: impl FnMut(&WaitItem) + Send,
    ) -> Result<WaitReport> {
        self.inner.jobs.wait(id, limit, on_end).await
    }
    /// Each machine of job `id` with Defender's status of its action now (no wait).
    pub fn job_outcomes(&self, id: &str) -> Result<WaitReport> {
        self.inner.jobs.outcomes(id)
    }
    /// Runs an unfinished job to its end.
    pub async fn resume_job(&self, id: &str) -> Result<JobDetail> {
        self.inner.jobs.resume(id).await
    }
    /// Runs every unfinished job to its end (`cordon jobs resume`).
    pub async fn resume_all(&self) -> Result<Vec<JobSummary>> {
        self.inner.jobs.resume_all().await
    }
    /// Cancels a job: no new POST for it starts once this returns.
    pub fn cancel_job(&self, id: &str) -> Result<JobSummary> {
        self.inner.jobs.cancel(id)
    }
    /// Cancels a job and waits until the POSTs under way are answered and recorded.
    pub async fn cancel_job_and_wait(&self, id: &str) -> Result<JobSummary> {
        self.inner.jobs.cancel_and_wait(id).await
    }
    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobSummary>> {
        self.inner.jobs.list()
    }
    /// A job and its items.
    pub fn job(&self, id: &str) -> Result<JobDetail> {
        self.inner.jobs.job(id)
    }
    /// The journal as the pure functions read it.
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.inner.jobs.journal_entries()
    }
    /// One page of the audit entries matching `filter` (counted from the newest,
    /// oldest first within the page; [`AuditPage`]).
    pub fn audit(&self, filter: &AuditFilter) -> Result<AuditPage> {
        self.inner.jobs.audit(filter)
    }
    /// Every audit entry matching `filter` (its `offset`/`limit` ignored), oldest first.
    pub fn audit_all(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        self.inner.jobs.audit_all(filter)
    }
    /// The matching audit entries as CSV or JSON.
    pub fn audit_export(&self, filter: &AuditFilter, format: ExportFormat) -> Result<String> {
        self.inner.jobs.audit_export(filter, format)
    }
    /// Appends one audit entry, signed by this core.
    pub fn audit_append(
        &self,
        event: &str,
        job_id: Option<&str>,
        machine_id: Option<&str>,
        action_id: Option<&str>,
        comment: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        let jobs = &self.inner.jobs;
        jobs.audit_append(event, job_id, machine_id, action_id, comment, detail)
    }

    // Reconciliation.

    /// The Reconciliation view's rows, from the cache and the journal; no request.
    pub fn reconciliation(&self) -> Result<Vec<ReconRow>> {
        self.inner.reconciler.rows()
    }
    /// The isolated-now machines grouped by cause (batches), largest first.
    pub fn groups(&self) -> Vec<IsolationGroup> {
        self.inner.reconciler.groups()
    }
    /// One batch by its id.
    pub fn group(&self, id: &str) -> Result<IsolationGroup> {
        self.inner.reconciler.group(id)
    }
    /// Machines isolated now whose isolating action's comment contains `text`.
    pub fn isolated_by_comment(&self, text: &str) -> Vec<MachineRef> {
        self.inner.reconciler.isolated_by_comment(text)
    }
    /// The History view: one page of the isolate/release actions matching `filter`
    /// (newest first) and the per-day counts over all of them.
    pub fn history(&self, filter: HistoryFilter) -> Result<History> {
        self.inner.reconciler.history(filter)
    }
    /// Every isolate/release action matching `filter` (its `offset`/`limit` ignored).
    pub fn history_all(&self, filter: HistoryFilter) -> Result<History> {
        self.inner.reconciler.history_all(filter)
    }
    /// The History view's CSV export.
    pub fn history_csv(&self, filter: HistoryFilter) -> Result<String> {
        self.inner.reconciler.history_csv(filter)
    }
    /// Resubmits the stuck work of `machine_ids` as its rows propose.
    pub async fn resubmit(
        &self,
        machine_ids: Vec<String>,
        comment: Option<String>,
    ) -> Result<Vec<JobSummary>> {
        self.inner.reconciler.resubmit(machine_ids, comment).await
    }
    /// One auto-reconcile round (the sync loop runs it after each good sync).
    pub async fn auto_reconcile_tick(&self) -> Vec<JobSummary> {
        self.inner.reconciler.auto_tick().await
    }
    /// Auto-reconcile and its bounds.
    pub fn reconcile_settings(&self) -> Result<ReconcileSettings> {
        self.inner.reconciler.settings()
    }
    /// Changes auto-reconcile and its bounds (kept in the store).
    pub fn set_reconcile_settings(&self, s: ReconcileSettings) -> Result<ReconcileSettings> {
        self.inner.reconciler.set_settings(s)
    }

    // Automation.

    /// The isolation rule, its state and its dry-run record.
    pub async fn rule(&self) -> Result<RuleStatus> {
        self.inner.automation.status().await
    }
    /// Changes the rule (a promotion needs `confirmed`; matching edits return to dry run).
    pub async fn set_rule(&self, change: RuleChange) -> Result<RuleStatus> {
        self.inner.automation.set_rule(change).await
    }
    /// One evaluation now; its isolations start in the background.
    pub async fn run_rule(&self) -> Result<Vec<RuleDecision>> {
        self.inner.automation.run_round().await
    }
    /// One evaluation now; its isolations run to their end (`cordon rule run --once`).
    pub async fn run_rule_and_wait(&self) -> Result<Vec<RuleDecision>> {
        self.inner.automation.run_round_and_wait().await
    }
    /// What the rule, as `settings` say, would decide over the last `hours` hours.
    pub async fn preview_rule(
        &self,
        settings: RuleSettings,
        hours: u32,
    ) -> Result<Vec<RuleDecision>> {
        self.inner.automation.preview(settings, hours).await
    }
    /// The rule's decisions of the last `hours` hours, newest first.
    pub fn rule_decisions(&self, hours: u32) -> Result<Vec<RuleDecision>> {
        self.inner.automation.decisions(hours)
    }
    /// Pauses or resumes automation (S-6).
    pub async fn pause_automation(&self, paused: bool) -> Result<RuleStatus> {
        self.inner.automation.set_paused(paused).await
    }
    /// Closes the breaker (a person, with a reason).
    pub async fn close_breaker(&self, comment: &str) -> Result<RuleStatus> {
        self.inner.automation.close_breaker(comment).await
    }
    /// Suppresses a detection (`title` or `detector`) for `days` days.
    pub async fn suppress(
        &self,
        kind: &str,
        value: &str,
        days: u32,
        reason: &str,
    ) -> Result<RuleStatus> {
        self.inner
            .automation
            .suppress(kind, value, days, reason)
            .await
    }
    /// Recent alerts (live) with the rule's decision for each.
    pub async fn alerts(&self, filter: AlertFilter) -> Result<Vec<AlertRow>> {
        self.inner.automation.alerts(filter).await
    }
    /// The approval queue (waiting proposals, or all).
    pub async fn proposals(&self, all: bool) -> Result<Vec<Proposal>> {
        self.inner.automation.proposals(all).await
    }
    /// Proposes an isolation or release for a second person to decide.
    pub async fn propose(&self, req: ProposalRequest) -> Result<Proposal> {
        self.inner.automation.propose(req).await
    }
    /// Approves or rejects proposals (four eyes; never an application).
    pub async fn decide_proposals(&self, verdict: ProposalVerdict) -> Result<Vec<VerdictOutcome>> {
        self.inner.automation.decide(verdict).await
    }
    /// Automation's events (breaker opened, approvals waiting, rounds).
    pub fn subscribe_automation(&self) -> broadcast::Receiver<AutomationEvent> {
        self.inner.automation.subscribe()
    }
    /// The demo's week of dry-run rounds (only where the rule never ran).
    pub async fn seed_rule_dry_run(&self, days: u32) -> Result<u32> {
        self.inner.automation.seed_dry_run(days).await
    }
    /// What the agent reports now (health, metrics, notices).
    pub async fn agent_snapshot(&self) -> Result<crate::agent::AgentSnapshot> {
        let label = &self.inner.cfg.tenant_label;
        self.inner.automation.agent_snapshot(label).await
    }
    /// The team on this store: who leads the sync and the automation, which agents
    /// are alive ([`crate::team`]).
    pub async fn team_status(&self) -> Result<crate::dto::team::TeamStatus> {
        self.inner.team.status().await
    }

    /// This process in the team (its identity, leases, heartbeat).
    pub fn team(&self) -> &Team {
        &self.inner.team
    }

    /// Who this process acts as (object id, name, application or person).
    pub async fn principal(&self) -> Result<mde_api::Principal> {
        self.inner.automation.principal().await
    }
}

/// The store `cfg` names (a team store URL, a file, or memory), bound to its tenant.
fn open_store(cfg: &AppConfig) -> Result<Store> {
    let store = match (&cfg.store_url, &cfg.store_path) {
        (Some(url), _) => Store::open_url(url.as_str())?,
        (None, Some(path)) => Store::open(path)?,
        (None, None) => Store::open_in_memory()?,
    };
    store.bind_tenant(
        cfg.endpoints.authority.as_str(),
        cfg.credentials.tenant_id(),
        &cfg.tenant_label,
    )?;
    Ok(store)
}

/// The store's quick check, then (only if it passed: a damaged store must not push
/// the good backups out) today's backup when it is missing.
fn check_then_back_up(store: &Store, keep: usize) {
    if store.check_health() != crate::store::Health::Sound {
        return;
    }
    let today = chrono::Local::now().date_naive();
    if let Err(e) = store.daily_backup(today, keep) {
        tracing::warn!(error = %e, "the daily store backup failed");
    }
}

/// Each round: the heartbeat; the sync if this process leads it (else the store the
/// leader keeps is followed), then auto-reconcile if it leads the automation; jobs
/// of this process's principal that another process left are picked up. Then it
/// waits for the next round or a wake-up; ends when the last `App` is gone.
async fn sync_loop(weak: Weak<Inner>) {
    let mut last_beat: Option<std::time::Instant> = None;
    loop {
        let Some(inner) = weak.upgrade() else { return };
        if last_beat.is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY) {
            last_beat = Some(std::time::Instant::now());
            if let Err(e) = inner.team.heartbeat().await {
                tracing::warn!(error = %e, "heartbeat not recorded");
            }
            if inner.store.pg().is_some()
                && let Err(e) = inner.jobs.spawn_unfinished()
            {
                tracing::warn!(error = %e, "unfinished jobs not picked up");
            }
        }
        let leads = inner.team.lead(crate::team::SYNC_LEASE).await;
        // Errors are kept in the sync status (the banner) and retried next round.
        if leads.unwrap_or(true) {
            if inner.fleet.sync_once(false).await.is_ok()
                && inner.team.may_lead_automation()
                && inner
                    .team
                    .lead(crate::team::AUTOMATION_LEASE)
                    .await
                    .unwrap_or(false)
            {
                inner.reconciler.auto_tick().await;
            }
        } else if let Err(e) = inner.fleet.follow_store().await {
            tracing::warn!(error = %e, "the store could not be followed");
        }
        // The sync lease is renewed (or taken over) well within its length.
        let renew = (inner.team.lease() / 3).to_std().unwrap_or_default();
        let delay = inner
            .fleet
            .next_poll()
            .min(renew.max(std::time::Duration::from_secs(1)));
        let fleet = inner.fleet.clone();
        drop(inner);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = fleet.woken() => {}
        }
    }
}

/// How often a process records that it is alive (and picks up its jobs).
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
