//! The fleet: the tenant's machines, isolation actions and alerts as Cordon last saw
//! them, and the sync that keeps them current.
//!
//! [`Fleet`] owns the cache (loaded from the store on its own thread once the fleet
//! opens, so a restart shows the last known fleet without waiting for the network, and
//! the Machines view's windows, asked of the store alone, do not wait for the cache:
//! [`ready`]), the Defender client, the change channel the shell
//! forwards to the web view, and the sync's wake-up and gate. Its verbs are the reads
//! of the Machines view (snapshot, detail, name resolution), the action listing and
//! cancel ([`actions`]), and the sync ([`sync`]). The jobs and the reconciliation read
//! it; nothing else writes its cache. Locks are `std::sync::Mutex`, never held across
//! an `.await`.

pub mod actions;
mod cache;
pub mod derive;
mod follow;
pub mod grid;
pub mod grid_record;
mod ready;
pub(crate) mod resident;
pub mod resolve;
pub(crate) mod sync;
pub mod view;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use mde_api::{ActionType, Client, MachineAction};
use tokio::sync::{Notify, broadcast};

pub(crate) use cache::{Cache, in_flight, same_machine};

use crate::config::AppConfig;
use crate::dto::{MachineDetail, MachineRef, MachineRow, Snapshot, SyncStatus};
use crate::error::{CoreError, Result};
use crate::fleet::derive::Thresholds;
use crate::store::Store;

/// How often the fleet looks, and how it derives states.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub busy_poll: Duration,
    pub idle_poll: Duration,
    pub machines_every: Duration,
    pub thresholds: Thresholds,
}

struct Inner {
    client: Client,
    store: Arc<Store>,
    pace: Pace,
    cache: Mutex<Cache>,
    /// Open once the cache is loaded from the store (and the grid rebuilt if needed).
    ready: ready::Ready,
    /// False when the grid was not current at open: its windows wait for the rebuild.
    grid_current: bool,
    events: broadcast::Sender<SyncStatus>,
    wake: Notify,
    /// Serialises syncs (an async mutex: it is held across the API calls on purpose).
    sync_gate: tokio::sync::Mutex<()>,
}

/// The tenant's machines and actions, kept current. Cheap to clone.
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

impl Fleet {
    /// The fleet of `cfg`'s tenant over `client`; its cache is loaded from `store` on
    /// a thread of its own ([`Self::ready`] resolves when it is).
    pub(crate) fn open(client: Client, store: Arc<Store>, cfg: &AppConfig) -> Result<Self> {
        let grid_current = grid::is_current(&store);
        let fleet = Self {
            inner: Arc::new(Inner {
                client,
                store,
                pace: Pace {
                    busy_poll: cfg.busy_poll,
                    idle_poll: cfg.idle_poll,
                    machines_every: cfg.machines_every,
                    thresholds: cfg.thresholds,
                },
                cache: Mutex::new(Cache {
                    loading: true,
                    ..Cache::default()
                }),
                ready: ready::Ready::new(),
                grid_current,
                events: broadcast::channel(64).0,
                wake: Notify::new(),
                sync_gate: tokio::sync::Mutex::new(()),
            }),
        };
        let loader = fleet.clone();
        std::thread::Builder::new()
            .name("cordon-cache-load".into())
            .spawn(move || loader.load())
            .map_err(|e| CoreError::Storage(format!("the cache loader did not start: {e}")))?;
        Ok(fleet)
    }

    /// The loader thread: the cache from the store, the grid rebuilt if it is not
    /// current, then the gate opens. A store that cannot be read leaves an empty cache
    /// and the error in the sync status (the banner); the next sync fills the cache.
    fn load(&self) {
        match Cache::load(self.store()) {
            Ok(loaded) => self.lock().install(loaded),
            Err(e) => {
                tracing::error!(error = %e, "the cache could not be loaded from the store");
                self.lock().error = Some(crate::dto::IpcError::from(e));
            }
        }
        self.ensure_grid();
        crate::fleet::cache::trim_heap();
        self.inner.ready.open();
    }

    /// Resolves once the cache is loaded.
    pub(crate) async fn ready(&self) {
        self.inner.ready.wait().await;
    }

    /// The cache, once loaded (blocks this thread until then: async code awaits
    /// [`Self::ready`] first).
    pub(crate) fn cache(&self) -> MutexGuard<'_, Cache> {
        self.inner.ready.block();
        self.lock()
    }

    /// The cache as it is (its bookkeeping: status, revision, permissions), without
    /// waiting for the load.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Cache> {
        // A poisoned lock only means a panic elsewhere; the data is still consistent
        // because every update is applied in one short critical section.
        self.inner
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits for the grid's rebuild when it was not current at open.
    pub(crate) fn grid_ready(&self) {
        if !self.inner.grid_current {
            self.inner.ready.block();
        }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn thresholds(&self) -> Thresholds {
        self.inner.pace.thresholds
    }

    /// How often to look while isolation work is under way.
    pub(crate) fn busy_poll(&self) -> Duration {
        self.inner.pace.busy_poll
    }

    /// The tenant clock (the local clock corrected by the server's `Date` header).
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.client.server_now()
    }

    /// Change notifications: one per revision bump or sync failure/recovery.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncStatus> {
        self.inner.events.subscribe()
    }

    /// The permissions the token grants (`None` until the first sync learned them).
    pub fn permissions(&self) -> Option<Vec<String>> {
        self.lock().permissions.clone()
    }

    /// The current sync status.
    pub fn status(&self) -> SyncStatus {
        self.lock().status()
    }

    /// Everything the Machines view shows, from the cache (no request).
    pub fn snapshot(&self) -> Snapshot {
        let now = self.now();
        let c = self.cache();
        let grouped = view::by_machine(c.actions.values());
        let (machines, counters) = view::rows(&c.machines, &grouped, now, self.thresholds());
        Snapshot {
            machines,
            counters,
            sync: c.status(),
        }
    }

    /// Syncs now, then returns the snapshot. A failed sync is an error here (the
    /// Retry button), and is also kept in the sync status for the banner.
    pub async fn refresh(&self) -> Result<Snapshot> {
        self.sync_once(true).await?;
        Ok(self.snapshot())
    }

    /// One machine's detail: the machine from the cache, its whole timeline from the
    /// store (the cache keeps only the live actions) with the cache's copies, which
    /// may be newer.
    pub fn machine_detail(&self, machine_id: &str) -> Result<MachineDetail> {
        let now = self.now();
        let id = machine_id.trim().to_ascii_lowercase();
        let stored = self.store().machine_actions(std::slice::from_ref(&id))?;
        let c = self.cache();
        let m = c
            .machine(&id)
            .ok_or_else(|| CoreError::UnknownMachine(machine_id.trim().to_owned()))?;
        let mut by_id: HashMap<&str, &MachineAction> =
            stored.iter().map(|a| (a.id.as_str(), a)).collect();
        for a in c.actions.values().filter(|a| same_machine(a, &id)) {
            by_id.insert(&a.id, a);
        }
        let acts: Vec<&MachineAction> = by_id.into_values().collect();
        Ok(view::detail(m, &acts, now, self.thresholds()))
    }

    /// The machines matching `filter` (the Machines view's search, state and facets;
    /// by name) as CSV ([`crate::export::csv`]): the grid's query picks them, so the
    /// export is what the person filtered, however many rows their window shows.
    pub fn machines_csv(&self, filter: &crate::dto::grid::GridFilter) -> Result<String> {
        let ids = self.grid_ids(filter)?;
        let snapshot = self.snapshot();
        let by_id: HashMap<String, &MachineRow> = snapshot
            .machines
            .iter()
            .map(|m| (m.id.to_ascii_lowercase(), m))
            .collect();
        let rows = ids
            .iter()
            .filter_map(|id| by_id.get(&id.trim().to_ascii_lowercase()).copied());
        view::csv(rows)
    }

    /// A cached machine's device page in the tenant's Defender portal (`host`, the
    /// cloud's: [`crate::AppConfig::portal_host`]); refused for an unknown machine and
    /// for a tenant without a portal (custom endpoints, the demo).
    pub fn portal_url(&self, host: Option<&str>, machine_id: &str) -> Result<String> {
        let c = self.cache();
        let m = c
            .machine(&machine_id.trim().to_ascii_lowercase())
            .ok_or_else(|| CoreError::UnknownMachine(machine_id.trim().to_owned()))?;
        let refused = |message: &str| CoreError::Invalid {
            field: "portal".into(),
            message: message.to_owned(),
        };
        let host = host.ok_or_else(|| {
            refused("This tenant has no Microsoft Defender portal (custom endpoints or the demo tenant).")
        })?;
        device_url(host, &m.id).ok_or_else(|| refused("This machine id cannot name a portal page."))
    }

    /// Finds one machine by id or DNS name (full or short host name).
    pub async fn find_machine(&self, query: &str) -> Result<MachineRow> {
        let q = query.trim();
        if q.is_empty() {
            return Err(CoreError::EmptyQuery);
        }
        let matches = resolve::matches(&self.cache().machines, q);
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

    /// The machine id of every query (an id or DNS name), in order, as
    /// [`Self::find_machine`] answers each: the first unknown or ambiguous query stops
    /// everything. One index for the whole list, so a file of thousands of names costs
    /// one pass over the fleet; only an id the cache does not know is asked of Defender.
    pub async fn resolve_all(&self, queries: &[String]) -> Result<Vec<String>> {
        let found: Vec<Vec<MachineRef>> = {
            let c = self.cache();
            let index = resolve::Index::new(&c.machines);
            queries.iter().map(|q| index.matches(q)).collect()
        };
        let mut ids = Vec::with_capacity(queries.len());
        for (q, mut matches) in queries.iter().zip(found) {
            match matches.len() {
                1 => ids.push(matches.remove(0).id),
                0 => ids.push(self.find_machine(q).await?.id),
                _ => {
                    return Err(CoreError::Ambiguous {
                        query: q.trim().to_owned(),
                        candidates: matches,
                    });
                }
            }
        }
        Ok(ids)
    }

    fn row_of(&self, id: &str) -> Result<MachineRow> {
        Ok(self.machine_detail(id)?.machine)
    }

    /// The machine's DNS name, if the cache knows it.
    pub(crate) fn name_of(&self, id: &str) -> Option<String> {
        self.cache()
            .machine(id)
            .and_then(|m| m.computer_dns_name.clone())
    }

    /// "ws-0042.contoso.local" for a known machine, else the id as given.
    pub(crate) fn label(&self, id: &str) -> String {
        self.name_of(id).unwrap_or_else(|| id.to_owned())
    }

    /// True when the cache holds this action already.
    pub(crate) fn knows_action(&self, action_id: &str) -> bool {
        self.cache().actions.contains_key(action_id)
    }

    /// An in-flight action of type `t` for the machine, from a cache synced within
    /// `fresh_for` (or itself created that recently).
    pub(crate) fn fresh_in_flight(
        &self,
        machine_id: &str,
        t: ActionType,
        fresh_for: chrono::Duration,
    ) -> Option<MachineAction> {
        let now = self.now();
        let c = self.cache();
        let fresh = c.synced_at.is_some_and(|at| now - at < fresh_for);
        c.actions
            .values()
            .filter(|a| same_machine(a, machine_id) && a.action_type == t)
            .filter(|a| in_flight(&a.status))
            .filter(|a| fresh || now - a.creation_date_time_utc < fresh_for)
            .max_by_key(|a| a.creation_date_time_utc)
            .cloned()
    }

    /// Announces the current status.
    pub(crate) fn notify(&self) {
        let status = self.status();
        // No receiver is fine (nobody listening yet).
        let _ = self.inner.events.send(status);
    }

    /// Asks the background sync to run now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Resolves when [`Fleet::wake`] is called.
    pub(crate) async fn woken(&self) {
        self.inner.wake.notified().await;
    }
}

/// `https://<host>/machines/v2/<id>/overview`, the portal's device page; `None` unless
/// the id is a machine id (hexadecimal) and the host a plain host name, so nothing
/// else can be opened through it.
pub fn device_url(host: &str, machine_id: &str) -> Option<String> {
    let id_ok = !machine_id.is_empty() && machine_id.chars().all(|c| c.is_ascii_hexdigit());
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (id_ok && host_ok).then(|| {
        format!(
            "https://{host}/machines/v2/{}/overview",
            machine_id.to_ascii_lowercase()
        )
    })
}

#[cfg(test)]
mod portal_tests {
    use super::device_url;

    #[test]
    fn the_device_page_is_built_from_the_clouds_host_and_a_hex_id_only() {
        let id = "ABCDEF0123456789abcdef0123456789abcdef01";
        assert_eq!(
            device_url("security.microsoft.com", id).as_deref(),
            Some(
                "https://security.microsoft.com/machines/v2/abcdef0123456789abcdef0123456789abcdef01/overview"
            )
        );
        assert_eq!(
            device_url("security.apps.mil", "0a").as_deref(),
            Some("https://security.apps.mil/machines/v2/0a/overview")
        );
        for bad_id in ["", "../../evil", "0a?x=1", "0a/overview#", "zz"] {
            assert_eq!(
                device_url("security.microsoft.com", bad_id),
                None,
                "{bad_id}"
            );
        }
        for bad_host in ["", "evil.example/path", "user@host", "host:443"] {
            assert_eq!(device_url(bad_host, "0a"), None, "{bad_host}");
        }
    }

    #[test]
    fn each_cloud_opens_its_own_portal() {
        use mde_api::{Cloud, Endpoints};
        assert_eq!(Cloud::Global.portal_host(), Some("security.microsoft.com"));
        assert_eq!(Cloud::Eu.portal_host(), Some("security.microsoft.com"));
        assert_eq!(Cloud::Gcc.portal_host(), Some("security.microsoft.com"));
        assert_eq!(Cloud::GccHigh.portal_host(), Some("security.microsoft.us"));
        assert_eq!(Cloud::Dod.portal_host(), Some("security.apps.mil"));
        assert_eq!(Cloud::Custom.portal_host(), None);
        // From endpoints alone: the cloud they are (GCC High for the shared
        // government hosts), none for custom ones.
        let of = |c| Cloud::of(&Endpoints::for_cloud(c).expect("built in"));
        assert_eq!(of(Cloud::Uk), Some(Cloud::Uk));
        assert_eq!(of(Cloud::Dod), Some(Cloud::GccHigh));
        let sim = Endpoints::custom("http://127.0.0.1:9", "http://127.0.0.1:9").expect("custom");
        assert_eq!(Cloud::of(&sim), None);
    }
}
