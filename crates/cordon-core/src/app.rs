//! The app core: one value that the desktop shell manages and the CLI uses.
//!
//! It owns the Defender client, the local store (journal, audit log, and the caches
//! of the tenant's machines, isolation actions and alerts, loaded at start so a
//! restart shows the last known fleet at once), a background sync task that keeps the
//! caches current and reports every change through a broadcast channel (the shell
//! forwards it to the web view as a typed event), and the bulk runner's bookkeeping.
//! Locks are `std::sync::Mutex`, never held across an `.await`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use mde_api::{Alert, Client, ClientOptions, Credentials, Endpoints, Machine, MachineAction};
use tokio::sync::{Notify, broadcast};

use crate::dto_jobs::JobProgress;
use crate::store::Store;

use crate::derive::Thresholds;
use crate::dto::{AppInfo, IpcError, MachineDetail, MachineRow, Snapshot, SyncStatus};
use crate::error::{CoreError, Result};
use crate::view;

/// How the core reaches its tenant and how often it looks.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub endpoints: Endpoints,
    pub credentials: Credentials,
    pub client_options: ClientOptions,
    /// True when the endpoints are the embedded simulator.
    pub demo: bool,
    pub tenant_label: String,
    /// Poll interval while isolation work is under way.
    pub busy_poll: Duration,
    /// Poll interval when nothing is moving.
    pub idle_poll: Duration,
    /// How often the (larger) machine list is refreshed.
    pub machines_every: Duration,
    pub thresholds: Thresholds,
    /// The store file (see [`crate::paths::store_path`]); `None` keeps the store in
    /// memory (tests only: nothing survives the process).
    pub store_path: Option<PathBuf>,
    /// Requests a bulk job has in flight at once (the client paces the rate).
    pub concurrency: usize,
}

impl AppConfig {
    /// Sensible intervals for a tenant at `endpoints`.
    pub fn new(
        endpoints: Endpoints,
        credentials: Credentials,
        tenant_label: impl Into<String>,
    ) -> Self {
        Self {
            endpoints,
            credentials,
            // The sync loop itself retries every few seconds, so the client retries a
            // failed read only twice: an unreachable tenant is reported in seconds.
            client_options: ClientOptions {
                max_get_retries: 2,
                ..ClientOptions::default()
            },
            demo: false,
            tenant_label: tenant_label.into(),
            busy_poll: Duration::from_secs(3),
            idle_poll: Duration::from_secs(30),
            machines_every: Duration::from_secs(120),
            thresholds: Thresholds::default(),
            store_path: None,
            concurrency: 16,
        }
    }
}

/// The cached tenant and the sync bookkeeping.
#[derive(Default)]
pub(crate) struct Cache {
    pub machines: Vec<Machine>,
    pub actions: HashMap<String, MachineAction>,
    pub alerts: Vec<Alert>,
    /// Newest `alertCreationTime` seen: alerts are fetched from it on.
    pub alerts_watermark: Option<DateTime<Utc>>,
    /// The last action sync of a previous run (from the store): the incremental
    /// watermark until this run has synced.
    pub restored_synced_at: Option<DateTime<Utc>>,
    /// When alerts were last fetched (this process).
    pub alerts_synced_at: Option<DateTime<Utc>>,
    /// The newest Isolate action's creation time at that fetch: alerts are fetched
    /// again only once a newer isolation appears.
    pub alerts_isolate_mark: Option<DateTime<Utc>>,
    pub revision: u32,
    pub synced_at: Option<DateTime<Utc>>,
    pub machines_synced: Option<std::time::Instant>,
    pub error: Option<IpcError>,
    pub loading: bool,
    pub permissions: Vec<String>,
}

pub(crate) struct Inner {
    pub client: Client,
    pub cfg: AppConfig,
    pub cache: Mutex<Cache>,
    pub events: broadcast::Sender<SyncStatus>,
    pub wake: Notify,
    /// Serialises syncs (an async mutex: it is held across the API calls on purpose).
    pub sync_gate: tokio::sync::Mutex<()>,
    /// The journal, audit log, caches and settings.
    pub store: Store,
    /// Job progress events.
    pub jobs: broadcast::Sender<JobProgress>,
    /// Jobs a runner of this process is driving (one runner per job).
    pub runners: Mutex<HashMap<String, tokio::sync::watch::Receiver<bool>>>,
    /// POSTs under way per job (claimed and not yet answered), and a signal when one
    /// ends: `cancel_job` waits for them so it can report them.
    pub inflight: Mutex<HashMap<String, usize>>,
    pub inflight_done: Notify,
    /// Jobs halted in this process because the store failed, with the reason: shown
    /// even when the store could not record the halt itself.
    pub halted: Mutex<HashMap<String, IpcError>>,
    /// Jobs cancelled in this process: checked right before each POST.
    pub cancelled: Mutex<std::collections::HashSet<String>>,
    /// Who the journal and audit log name as requester (from the token, once).
    pub identity: tokio::sync::OnceCell<String>,
}

/// Cordon's core. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<Inner>,
}

impl App {
    /// Builds the core without starting background work (the CLI's mode).
    pub fn new(cfg: AppConfig) -> Result<Self> {
        let client = Client::new(
            cfg.endpoints.clone(),
            cfg.credentials.clone(),
            cfg.client_options.clone(),
        )?;
        let store = match &cfg.store_path {
            Some(path) => Store::open(path)?,
            None => Store::open_in_memory()?,
        };
        let mut cache = Cache {
            loading: true,
            machines: store.load_machines()?,
            alerts: store.load_alerts()?,
            alerts_watermark: store
                .meta(crate::sync::ALERTS_WATERMARK)?
                .as_deref()
                .map(crate::store::parse_ts),
            restored_synced_at: store
                .meta(crate::sync::ACTIONS_SYNCED_AT)?
                .as_deref()
                .map(crate::store::parse_ts),
            ..Cache::default()
        };
        cache.actions = store
            .load_actions()?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        if cache.actions.is_empty() {
            // Nothing cached to build on: the first sync loads everything.
            cache.restored_synced_at = None;
        }
        let (events, _) = broadcast::channel(64);
        let (jobs, _) = broadcast::channel(1024);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                cfg,
                cache: Mutex::new(cache),
                events,
                wake: Notify::new(),
                sync_gate: tokio::sync::Mutex::new(()),
                store,
                jobs,
                runners: Mutex::default(),
                inflight: Mutex::default(),
                inflight_done: Notify::new(),
                cancelled: Mutex::default(),
                halted: Mutex::default(),
                identity: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// Builds the core and starts its background work on the current tokio runtime:
    /// the sync loop, and the resumption of every unfinished job (each first looks up
    /// what a crash left `sending` or `unknown`). The tasks end when the last `App`
    /// clone is dropped.
    pub fn start(cfg: AppConfig) -> Result<Self> {
        let app = Self::new(cfg)?;
        tokio::spawn(sync_loop(Arc::downgrade(&app.inner)));
        let resumer = app.clone();
        tokio::spawn(async move {
            // Learn who "we" are first (S-7 previews, the journal's requester).
            let _ = resumer.identity().await;
            if let Err(e) = resumer.spawn_unfinished() {
                tracing::error!(error = %e, "unfinished jobs could not be resumed");
            }
        });
        Ok(app)
    }

    /// The store file (`None` when the store is in memory).
    pub fn store_path(&self) -> Option<PathBuf> {
        self.inner.store.path().map(std::path::Path::to_path_buf)
    }

    /// The local store (its checks, and a page cap for fail-closed tests).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Change notifications: one per revision bump or sync failure/recovery.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncStatus> {
        self.inner.events.subscribe()
    }

    pub(crate) fn cache(&self) -> MutexGuard<'_, Cache> {
        // A poisoned lock only means a panic elsewhere; the data is still consistent
        // because every update is applied in one short critical section.
        self.inner
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The tenant clock (the local clock corrected by the server's `Date` header).
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.client.server_now()
    }

    /// Facts about this window's tenant.
    pub fn info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            demo: self.inner.cfg.demo,
            tenant_label: self.inner.cfg.tenant_label.clone(),
            api_base: self.inner.cfg.endpoints.api_base.to_string(),
            permissions: self.cache().permissions.clone(),
        }
    }

    /// The current sync status.
    pub fn status(&self) -> SyncStatus {
        status_of(&self.cache())
    }

    /// Everything the Machines view shows, from the cache (no request).
    pub fn snapshot(&self) -> Snapshot {
        let now = self.now();
        let c = self.cache();
        let grouped = view::by_machine(c.actions.values());
        let (machines, counters) =
            view::rows(&c.machines, &grouped, now, self.inner.cfg.thresholds);
        Snapshot {
            machines,
            counters,
            sync: status_of(&c),
        }
    }

    /// Syncs now, then returns the snapshot. A failed sync is an error here (the
    /// Retry button), and is also kept in the sync status for the banner.
    pub async fn refresh(&self) -> Result<Snapshot> {
        self.sync_once(true).await?;
        Ok(self.snapshot())
    }

    /// One machine's detail from the cache.
    pub fn machine_detail(&self, machine_id: &str) -> Result<MachineDetail> {
        let now = self.now();
        let c = self.cache();
        let id = machine_id.trim().to_ascii_lowercase();
        let m = c
            .machines
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(&id))
            .ok_or_else(|| CoreError::UnknownMachine(machine_id.trim().to_owned()))?;
        let acts: Vec<&MachineAction> = c
            .actions
            .values()
            .filter(|a| same_machine(a, &id))
            .collect();
        Ok(view::detail(m, &acts, now, self.inner.cfg.thresholds))
    }

    /// Finds one machine by id or DNS name (full or short host name).
    pub async fn find_machine(&self, query: &str) -> Result<MachineRow> {
        let q = query.trim();
        if q.is_empty() {
            return Err(CoreError::EmptyQuery);
        }
        let matches = crate::resolve::matches(&self.cache().machines, q);
        match matches.len() {
            1 => return self.row_of(&matches[0].id),
            0 => {}
            _ => {
                return Err(CoreError::Ambiguous {
                    query: q.to_owned(),
                    candidates: matches,
                });
            }
        }
        // Not in the cache: it may be newer than the last sync. Ask Defender, but
        // only with a well-formed id (never send garbage).
        if let Ok(id) = mde_api::MachineId::parse(q) {
            match self.client().get_machine(id.as_str()).await {
                Ok(m) => {
                    let mid = m.id.clone();
                    self.merge(Some(vec![m]), Vec::new(), false);
                    return self.row_of(&mid);
                }
                Err(mde_api::Error::Api { status: 404, .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::UnknownMachine(q.to_owned()))
    }

    fn row_of(&self, id: &str) -> Result<MachineRow> {
        Ok(self.machine_detail(id)?.machine)
    }

    pub(crate) fn notify(&self) {
        let status = self.status();
        let _ = self.inner.events.send(status);
    }

    /// Asks the background sync to run now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }
}

pub(crate) fn status_of(c: &Cache) -> SyncStatus {
    SyncStatus {
        revision: c.revision,
        synced_at: c
            .synced_at
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        error: c.error.clone(),
        loading: c.loading,
    }
}

async fn sync_loop(weak: Weak<Inner>) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let app = App { inner };
        // Errors are kept in the sync status (the banner) and retried next round.
        if app.sync_once(false).await.is_ok() {
            app.auto_reconcile_tick().await;
        }
        let delay = app.next_poll();
        let inner = Arc::clone(&app.inner);
        drop(app);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = inner.wake.notified() => {}
        }
    }
}

/// True when `a` concerns machine `id` (case-insensitive; an action without a machine
/// id concerns none).
pub(crate) fn same_machine(a: &MachineAction, id: &str) -> bool {
    a.machine_id
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case(id))
}
