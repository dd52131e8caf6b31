//! The machine grid, asked of the store: a window of the filtered, sorted fleet with
//! its total, the counters, what changed since a cursor, and every id matching a
//! filter (a bulk selection of "all matching"). The store filters, sorts and counts
//! (`store/grid_sql.rs`); the rows of the window are derived here, with the tenant's
//! clock, by the same pure functions as every other view.
//!
//! The sync keeps the grid's table current: after each merge, the records of the
//! machines whose data or actions changed are written (only those that differ move,
//! each stamped with the next change cursor). A grid from another derivation, or left
//! behind by a sync cut short, is rebuilt from the cache when the fleet opens.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use mde_api::Machine;

use crate::dto::grid::{GRID_MAX_LIMIT, GridChanges, GridFilter, GridPage, GridQuery, GridRow};
use crate::dto::{Counters, MachineRow};
use crate::error::Result;
use crate::fleet::derive::{IsolationAction, Thresholds};
use crate::fleet::grid_record::{record, shown};
use crate::fleet::{Cache, Fleet, view};
use crate::store::grid_sql::{GRID_BASIS, GRID_BASIS_KEY, GridRecord};
use crate::store::{Store, ts};

/// The cut-off the store compares in-flight releases with: older is stuck.
pub(crate) fn cutoff(now: DateTime<Utc>, t: Thresholds) -> String {
    ts(now - t.release_stuck_after)
}

/// A window of the grid from `store` alone, derived at `now`.
pub fn page(store: &Store, q: &GridQuery, now: DateTime<Utc>, t: Thresholds) -> Result<GridPage> {
    let w = store.grid_window(q, &cutoff(now, t))?;
    let grouped = view::by_machine(w.actions.iter());
    let rows = w
        .machines
        .iter()
        .map(|(m, version)| {
            let acts = grouped
                .get(&m.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            GridRow {
                version: *version,
                machine: view::machine_row(m, acts, now, t),
            }
        })
        .collect();
    Ok(GridPage {
        total: w.total,
        offset: q.offset,
        rows,
        cursor: w.cursor,
        as_of: w.as_of,
    })
}

/// Every machine matching `f`, as the grid shows it at `now` (by name), and the
/// store's last sync time: `cordon machines` (and any whole list) in one read of the
/// grid's records, no window, no machine JSON. A grid not yet rebuilt for this
/// derivation (a store migrated since its last full open) is read window by window
/// from the cache tables instead: slower, same rows.
pub fn rows(store: &Store, f: &GridFilter, now: DateTime<Utc>, t: Thresholds) -> Result<GridList> {
    if store.meta(GRID_BASIS_KEY)?.as_deref() != Some(GRID_BASIS) {
        return rows_by_window(store, f, now, t);
    }
    let r = store.grid_rows(f, &cutoff(now, t))?;
    Ok(GridList {
        as_of: r.as_of,
        machines: r.records.iter().map(|r| shown(r, now, t)).collect(),
    })
}

fn rows_by_window(
    store: &Store,
    f: &GridFilter,
    now: DateTime<Utc>,
    t: Thresholds,
) -> Result<GridList> {
    let mut q = GridQuery {
        filter: f.clone(),
        limit: GRID_MAX_LIMIT,
        ..GridQuery::default()
    };
    let mut list = GridList::default();
    loop {
        let p = page(store, &q, now, t)?;
        let n = p.rows.len() as u32;
        list.machines.extend(p.rows.into_iter().map(|r| r.machine));
        list.as_of = p.as_of;
        q.offset += n;
        if n == 0 || q.offset >= p.total {
            return Ok(list);
        }
    }
}

/// A whole list of the grid: its rows and the store's last sync time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridList {
    pub as_of: Option<String>,
    pub machines: Vec<MachineRow>,
}

/// The records of `machines` (all of them, or those in `only`), from the cache.
fn records(c: &Cache, only: Option<&HashSet<String>>) -> Vec<GridRecord> {
    let wanted = |id: &str| only.is_none_or(|s| s.contains(id));
    let mut acts: HashMap<String, Vec<IsolationAction>> = HashMap::new();
    for a in c.actions.values() {
        let Some(mid) = a.machine_id.as_deref() else {
            continue;
        };
        let mid = mid.to_ascii_lowercase();
        if !wanted(&mid) {
            continue;
        }
        if let Some(ia) = view::isolation_action(a) {
            acts.entry(mid).or_default().push(ia);
        }
    }
    c.machines
        .iter()
        .filter(|m| wanted(&m.id.to_ascii_lowercase()))
        .map(|m: &Machine| {
            let a = acts
                .get(&m.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            record(m, a)
        })
        .collect()
}

/// True when the store's grid is of this derivation and not behind its caches.
pub(crate) fn is_current(store: &Store) -> bool {
    matches!(store.meta(GRID_BASIS_KEY), Ok(Some(b)) if b == GRID_BASIS)
}

impl Fleet {
    fn cutoff(&self) -> String {
        cutoff(self.now(), self.thresholds())
    }

    /// A window of the grid (from the store: it does not wait for the cache unless
    /// the grid was being rebuilt at open).
    pub fn grid_page(&self, q: &GridQuery) -> Result<GridPage> {
        self.grid_ready();
        page(self.store(), q, self.now(), self.thresholds())
    }

    /// Every machine matching `f`, by name, with the store's last sync time.
    pub fn grid_rows(&self, f: &GridFilter) -> Result<GridList> {
        rows(self.store(), f, self.now(), self.thresholds())
    }

    /// The counters of the machines matching `f` (the default filter: the fleet).
    pub fn grid_counters(&self, f: &GridFilter) -> Result<Counters> {
        self.grid_ready();
        self.store().grid_counters(f, &self.cutoff())
    }

    /// What changed in the grid since `cursor`.
    pub fn grid_changes(&self, cursor: u32) -> Result<GridChanges> {
        self.grid_ready();
        self.store().grid_changes(cursor)
    }

    /// Every machine id matching `f`, by name.
    pub fn grid_ids(&self, f: &GridFilter) -> Result<Vec<String>> {
        self.grid_ready();
        self.store().grid_ids(f, &self.cutoff())
    }

    /// Rebuilds the grid from the cache when it is not current (a new store, a new
    /// derivation, a sync cut short). A failure is logged: the grid is an index of the
    /// cache, and a login that may only read cannot write it.
    pub(crate) fn ensure_grid(&self) {
        let store = self.store();
        match store.meta(GRID_BASIS_KEY) {
            Ok(Some(b)) if b == GRID_BASIS => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "grid state not read");
                return;
            }
        }
        // On the loader thread, before the cache opens to others (hence `lock`).
        let rows = records(&self.lock(), None);
        if let Err(e) = store.save_grid(&rows, &[], true) {
            tracing::warn!(error = %e, "grid not rebuilt");
        }
    }

    /// Marks the grid behind the caches, before they are written: a sync cut short
    /// between the two leaves it marked, and the next open rebuilds it.
    pub(crate) fn grid_behind(&self) {
        if let Err(e) = self.store().set_meta(GRID_BASIS_KEY, "behind") {
            tracing::warn!(error = %e, "grid not marked");
        }
    }

    /// Moves the rows that turned stuck with time since the last round (the first
    /// round of a process only starts the clock: a new reader fetches its rows anew).
    /// True when rows moved.
    pub(crate) fn age_grid(&self) -> bool {
        let to = self.cutoff();
        let from = {
            let mut c = self.cache();
            c.grid_aged_to.replace(to.clone())
        };
        let Some(from) = from.filter(|f| *f < to) else {
            return false;
        };
        match self.store().grid_age(&from, &to) {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::warn!(error = %e, "grid not aged");
                false
            }
        }
    }

    /// Writes the records of the machines in `affected` (lowercase ids) and forgets
    /// `removed`, after the caches were written.
    pub(crate) fn update_grid(&self, affected: &HashSet<String>, removed: &[String]) {
        let rows = records(&self.cache(), Some(affected));
        if let Err(e) = self.store().save_grid(&rows, removed, false) {
            tracing::warn!(error = %e, "grid not saved to the store");
        }
    }
}
