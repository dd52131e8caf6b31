//! The grid's whole list (`grid_rows`, what `cordon machines` prints) and the WAL
//! checkpoint after a large write, on both engines: the records come back whole, by
//! name, filtered like a window, and the rows shown from them are the derivation's.

use cordon_core::dto::IsolationState;
use cordon_core::dto::grid::GridFilter;
use cordon_core::fleet::derive::Thresholds;
use cordon_core::fleet::view::{by_machine, machine_row};
use cordon_core::store::Store;
use cordon_core::store::grid_sql::{GRID_BASIS_KEY, SYNCED_AT};

use super::grid::{cut, fleet, seeded};
use super::t;

fn isolated() -> GridFilter {
    GridFilter {
        isolated_now: true,
        ..GridFilter::default()
    }
}

pub fn a_whole_list_is_one_read_of_the_records(store: &Store) {
    let saved = seeded(store);
    let now = cut(5);
    let all = store.grid_rows(&GridFilter::default(), &now).unwrap();
    assert_eq!(all.as_of, None, "never synced");
    let mut by_name = saved.clone();
    by_name.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    assert_eq!(
        all.records, by_name,
        "every column back as written, by name"
    );

    store
        .set_meta(SYNCED_AT, "2026-03-02T10:00:00.000Z")
        .unwrap();
    let iso = store.grid_rows(&isolated(), &now).unwrap();
    assert_eq!(iso.as_of.as_deref(), Some("2026-03-02T10:00:00.000Z"));
    let labels: Vec<&str> = iso.records.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["srv-charlie", "ws-bravo", "ws-echo"]);
    // The same filters as a window: states at the cut-off, search.
    let stuck = GridFilter {
        states: vec![IsolationState::ReleaseStuck],
        ..GridFilter::default()
    };
    let labels = |f: &GridFilter, cutoff: &str| -> Vec<String> {
        let r = store.grid_rows(f, cutoff).unwrap();
        r.records.into_iter().map(|r| r.label).collect()
    };
    assert_eq!(labels(&stuck, &now), ["ws-echo"]);
    assert_eq!(
        labels(&stuck, &cut(10)),
        ["srv-charlie", "ws-echo"],
        "time alone"
    );
    let search = GridFilter {
        search: Some("WS-".into()),
        isolated_now: true,
        ..GridFilter::default()
    };
    assert_eq!(labels(&search, &now), ["ws-bravo", "ws-echo"]);
}

pub fn the_rows_shown_from_the_records_are_the_derivations(store: &Store) {
    seeded(store);
    let (machines, actions) = fleet();
    let grouped = by_machine(&actions);
    let th = Thresholds::default();
    for (minutes, basis) in [(5, None), (10, None), (3_000, None), (10, Some("1"))] {
        // A grid of an older derivation (not yet rebuilt) is read window by window
        // from the cache tables: the same rows.
        if let Some(b) = basis {
            store.set_meta(GRID_BASIS_KEY, b).unwrap();
        }
        let now = t(minutes) + th.release_stuck_after;
        let list = cordon_core::fleet::grid::rows(store, &GridFilter::default(), now, th).unwrap();
        let mut want: Vec<_> = machines
            .iter()
            .map(|m| {
                let a = grouped
                    .get(&m.id.to_ascii_lowercase())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                machine_row(m, a, now, th)
            })
            .collect();
        want.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(
            list.machines, want,
            "at t({minutes}) + threshold, {basis:?}"
        );
    }
}

pub fn a_checkpoint_folds_the_log_back(store: &Store) {
    seeded(store);
    assert!(store.checkpoint().unwrap(), "no reader holds the log");
    if let Some(path) = store.path() {
        let wal = path.with_extension("sqlite3-wal");
        let len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(len, 0, "the WAL is cut to nothing: {}", wal.display());
    }
    // The data is all there after it.
    let rows = store.grid_rows(&GridFilter::default(), &cut(5)).unwrap();
    assert_eq!(rows.records.len(), 6);
}
