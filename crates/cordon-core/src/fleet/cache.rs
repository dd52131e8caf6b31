//! The fleet's cache: what the last sync saw, and the sync's bookkeeping. Loaded
//! from the store at start; changed only by the sync's merges (under the fleet's lock).
//!
//! Of the actions it keeps only the live ones ([`Cache::prune`], the rule in
//! `resident.rs`); the others are read from the store when asked (History, a
//! machine's timeline, a job's outcomes).
//!
//! After a large load or merge the heap is trimmed ([`trim_heap`]): glibc keeps the
//! memory a load frees (the rows decoded from the store, the replaced copies) in its
//! arenas, so without it a desktop that loaded 100,000 machines once stays that big
//! for the rest of the session although the cache itself is much smaller.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mde_api::{ActionStatus, Alert, Machine, MachineAction};

use crate::dto::{IpcError, SyncStatus};
use crate::error::Result;
use crate::fleet::resident::{Stamp, keep, needed_from, stamp};
use crate::fleet::sync::{ACTIONS_SYNCED_AT, ALERTS_WATERMARK, MACHINES_LISTED_AT, horizon};
use crate::store::{Store, parse_ts};

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
    /// When a previous run (or another process on this store) last listed the
    /// machines: a new process lists them again only once that is stale.
    pub restored_machines_at: Option<DateTime<Utc>>,
    /// The stuck cut-off up to which the grid's rows were aged (this process).
    pub grid_aged_to: Option<String>,
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
    /// `None` until a sync learned them from the token.
    pub permissions: Option<Vec<String>>,
}

impl Cache {
    /// The last known fleet, from the store.
    pub fn load(store: &Store) -> Result<Self> {
        let mut cache = Cache {
            loading: true,
            machines: store.load_machines()?,
            alerts: store.load_alerts()?,
            alerts_watermark: store.meta(ALERTS_WATERMARK)?.as_deref().map(parse_ts),
            restored_synced_at: store.meta(ACTIONS_SYNCED_AT)?.as_deref().map(parse_ts),
            restored_machines_at: store.meta(MACHINES_LISTED_AT)?.as_deref().map(parse_ts),
            ..Cache::default()
        };
        // In chunks (`Store::actions_each`): the store's connection is free between
        // them, so the Machines view's windows are answered while this loads.
        let mut actions = HashMap::new();
        store.actions_each(None, None, &mut |a| {
            actions.insert(a.id.clone(), a);
            Ok(())
        })?;
        cache.actions = actions;
        if cache.actions.is_empty() {
            // Nothing cached to build on: the first sync loads everything.
            cache.restored_synced_at = None;
        }
        let read = cache.actions.len();
        let h = horizon(&cache, None);
        cache.prune(h);
        tracing::info!(
            machines = cache.machines.len(),
            actions = read,
            kept = cache.actions.len(),
            "the cache is loaded"
        );
        if cache.machines.is_empty() {
            cache.restored_machines_at = None;
        }
        Ok(cache)
    }

    /// Takes the data of a cache just loaded from the store (the bookkeeping of this
    /// process stays).
    pub fn install(&mut self, loaded: Cache) {
        self.machines = loaded.machines;
        self.actions = loaded.actions;
        self.alerts = loaded.alerts;
        self.alerts_watermark = loaded.alerts_watermark;
        self.restored_synced_at = loaded.restored_synced_at;
        self.restored_machines_at = loaded.restored_machines_at;
    }

    /// Drops the actions the live work does not need (`resident.rs`; `horizon`: the
    /// next fetch's watermark). The number dropped.
    pub fn prune(&mut self, horizon: Option<DateTime<Utc>>) -> usize {
        let mut per: HashMap<Cow<'_, str>, Vec<(&str, Stamp)>> = HashMap::new();
        for a in self.actions.values() {
            if let (Some(m), Some(s)) = (a.machine_id.as_deref(), stamp(a)) {
                per.entry(lower(m)).or_default().push((a.id.as_str(), s));
            }
        }
        let from: HashMap<String, Option<DateTime<Utc>>> = per
            .into_iter()
            .map(|(m, acts)| (m.into_owned(), needed_from(acts)))
            .collect();
        let before = self.actions.len();
        self.actions.retain(|_, a| {
            let (Some(m), Some(s)) = (a.machine_id.as_deref(), stamp(a)) else {
                return true;
            };
            keep(s, from.get(lower(m).as_ref()).copied().flatten(), horizon)
        });
        let dropped = before - self.actions.len();
        if dropped > 0 {
            // The map's slots hold the actions inline: give the emptied ones back.
            self.actions.shrink_to_fit();
        }
        dropped
    }

    /// The sync status the UI shows.
    pub fn status(&self) -> SyncStatus {
        SyncStatus {
            revision: self.revision,
            synced_at: self.synced_at.map(crate::time::rfc3339),
            error: self.error.clone(),
            loading: self.loading,
        }
    }

    /// A machine by id (case-insensitive).
    pub fn machine(&self, id: &str) -> Option<&Machine> {
        crate::fleet::resolve::by_id(&self.machines, id)
    }
}

/// True when `a` concerns machine `id` (case-insensitive; an action without a machine
/// id concerns none).
pub(crate) fn same_machine(a: &MachineAction, id: &str) -> bool {
    a.machine_id
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case(id))
}

/// Pending or in progress at Defender.
pub(crate) fn in_flight(s: &ActionStatus) -> bool {
    matches!(s, ActionStatus::Pending | ActionStatus::InProgress)
}

/// Returns the heap's free memory to the OS (glibc keeps what a large load freed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub(crate) fn trim_heap() {
    // SAFETY: malloc_trim takes no pointer and only releases free pages; it is
    // thread-safe (it takes each arena's lock).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return memory on their own.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(crate) fn trim_heap() {}

/// A machine id lowercased, without a copy when it already is.
fn lower(id: &str) -> Cow<'_, str> {
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(id.to_ascii_lowercase())
    } else {
        Cow::Borrowed(id)
    }
}
