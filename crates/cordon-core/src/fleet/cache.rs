//! The fleet's cache: what the last sync saw, and the sync's bookkeeping. Loaded
//! from the store at start; changed only by the sync's merges (under the fleet's lock).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mde_api::{ActionStatus, Alert, Machine, MachineAction};

use crate::dto::{IpcError, SyncStatus};
use crate::error::Result;
use crate::fleet::sync::{ACTIONS_SYNCED_AT, ALERTS_WATERMARK, MACHINES_LISTED_AT};
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
        cache.actions = store
            .load_actions()?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        if cache.actions.is_empty() {
            // Nothing cached to build on: the first sync loads everything.
            cache.restored_synced_at = None;
        }
        if cache.machines.is_empty() {
            cache.restored_machines_at = None;
        }
        Ok(cache)
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
