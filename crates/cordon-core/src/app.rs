//! The app core: one value that the desktop shell manages and the CLI uses.
//!
//! It owns the Defender client, a cache of the tenant's machines and isolation
//! actions, and a background sync task that keeps them current and reports every
//! change through a broadcast channel (the shell forwards it to the web view as a
//! typed event). Locks are `std::sync::Mutex`, never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use mde_api::{Client, ClientOptions, Credentials, Endpoints, Machine, MachineAction};
use tokio::sync::{Notify, broadcast};

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
        }
    }
}

/// The cached tenant and the sync bookkeeping.
#[derive(Default)]
pub(crate) struct Cache {
    pub machines: Vec<Machine>,
    pub actions: HashMap<String, MachineAction>,
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
        let (events, _) = broadcast::channel(64);
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                cfg,
                cache: Mutex::new(Cache {
                    loading: true,
                    ..Cache::default()
                }),
                events,
                wake: Notify::new(),
                sync_gate: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Builds the core and starts its background sync on the current tokio runtime.
    /// The task ends when the last `App` clone is dropped.
    pub fn start(cfg: AppConfig) -> Result<Self> {
        let app = Self::new(cfg)?;
        tokio::spawn(sync_loop(Arc::downgrade(&app.inner)));
        Ok(app)
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

    /// Merges fresh wire data into the cache; bumps the revision and notifies when
    /// anything changed. `replace_machines` replaces the machine list wholesale.
    pub(crate) fn merge(
        &self,
        machines: Option<Vec<Machine>>,
        actions: Vec<MachineAction>,
        replace_machines: bool,
    ) {
        let status = {
            let mut c = self.cache();
            let mut changed = false;
            if let Some(ms) = machines {
                if replace_machines {
                    if c.machines != ms {
                        c.machines = ms;
                        changed = true;
                    }
                } else {
                    for m in ms {
                        match c.machines.iter_mut().find(|x| x.id == m.id) {
                            Some(x) if *x == m => {}
                            Some(x) => {
                                *x = m;
                                changed = true;
                            }
                            None => {
                                c.machines.push(m);
                                changed = true;
                            }
                        }
                    }
                }
            }
            for a in actions {
                if c.actions.get(&a.id) != Some(&a) {
                    c.actions.insert(a.id.clone(), a);
                    changed = true;
                }
            }
            if !changed {
                return;
            }
            c.revision = c.revision.wrapping_add(1);
            status_of(&c)
        };
        // No receiver is fine (nobody listening yet).
        let _ = self.inner.events.send(status);
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

fn status_of(c: &Cache) -> SyncStatus {
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
        let _ = app.sync_once(false).await;
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
