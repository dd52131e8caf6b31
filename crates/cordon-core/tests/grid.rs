//! The machine grid on a 10,000-machine tenant: what the store filters, sorts, counts
//! and windows agrees with the whole-fleet derivation (the snapshot), and "select all
//! N matching" is a query: the bulk preview resolves it to exactly the filter's
//! machines, and a sync that changes the matching set makes the preview stale (S-7).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;

use cordon_core::CoreError;
use cordon_core::dto::grid::{GridColumn, GridFilter, GridQuery, GridSort};
use cordon_core::dto::jobs::{BulkRequest, Confirmation, JobKind};
use cordon_core::dto::{IsolateRequest, IsolationKind, IsolationState, MachineRow};
use mde_sim::{Scenario, SimConfig, identities};

const MACHINES: u32 = 10_000;

async fn tenant() -> support::Env {
    let env = support::with(SimConfig {
        scenario: Scenario::Scale {
            machines: MACHINES,
            actions: 30_000,
        },
        ..SimConfig::default()
    })
    .await;
    env.app.refresh().await.expect("first sync");
    env
}

fn query(filter: GridFilter, sort: GridSort, offset: u32, limit: u32) -> GridQuery {
    GridQuery {
        filter,
        sort,
        offset,
        limit,
    }
}

/// Every row of the filter, window by window (as the CLI reads it).
fn all_rows(app: &cordon_core::App, filter: &GridFilter, sort: GridSort) -> Vec<MachineRow> {
    let mut out = Vec::new();
    loop {
        let p = app
            .grid_page(&query(filter.clone(), sort, out.len() as u32, 1000))
            .unwrap();
        let n = p.rows.len();
        out.extend(p.rows.into_iter().map(|r| r.machine));
        if n == 0 || out.len() as u32 >= p.total {
            assert_eq!(out.len() as u32, p.total);
            return out;
        }
    }
}

/// A row without its sentence (the sentence says ages: "last full report 9 h ago"
/// moves with the clock between two reads).
type Key = (
    String,
    String,
    IsolationState,
    bool,
    String,
    String,
    Option<String>,
);

fn keys<'a>(rows: impl IntoIterator<Item = &'a MachineRow>) -> Vec<Key> {
    rows.into_iter()
        .map(|r| {
            (
                r.id.clone(),
                r.name.clone(),
                r.state,
                r.isolated_now,
                r.health.clone(),
                r.os.clone(),
                r.risk.clone(),
            )
        })
        .collect()
}

/// Asserts two lists equal, naming the first difference (not printing 10,000 rows).
fn same(got: &[Key], want: &[Key], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != want[i]) {
        panic!("{what}: row {i} is {:?}, not {:?}", got[i], want[i]);
    }
}

/// Which snapshot rows a filter case keeps.
type Keep = Box<dyn Fn(&MachineRow) -> bool>;

fn ids(rows: &[MachineRow]) -> HashSet<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_grid_agrees_with_the_derivation_on_ten_thousand_machines() {
    let env = tenant().await;
    let app = &env.app;
    let snap = app.snapshot();
    assert_eq!(snap.machines.len() as u32, MACHINES);
    let fleet = GridFilter::default();
    assert_eq!(app.grid_counters(&fleet).unwrap(), snap.counters);
    assert!(snap.counters.isolated_now > 100, "{:?}", snap.counters);

    // The default sort is the snapshot's (by name, then id), window for window.
    let by_name = GridSort::default();
    for offset in [0, 4_990, 9_980] {
        let page = app
            .grid_page(&query(fleet.clone(), by_name, offset, 50))
            .unwrap();
        assert_eq!(page.total, MACHINES);
        assert_eq!(page.offset, offset);
        let want = keys(snap.machines.iter().skip(offset as usize).take(50));
        let got = keys(page.rows.iter().map(|r| &r.machine));
        same(&got, &want, &format!("window at {offset}"));
        assert!(page.as_of.is_some() && page.cursor > 0);
    }

    // Filters: each the snapshot's rows that match, counted by the store.
    let cases: Vec<(GridFilter, Keep)> = vec![
        (
            GridFilter {
                isolated_now: true,
                ..GridFilter::default()
            },
            Box::new(|r: &MachineRow| r.isolated_now),
        ),
        (
            GridFilter {
                states: vec![
                    IsolationState::ReleaseStuck,
                    IsolationState::IsolationFailed,
                ],
                ..GridFilter::default()
            },
            Box::new(|r: &MachineRow| {
                matches!(
                    r.state,
                    IsolationState::ReleaseStuck | IsolationState::IsolationFailed
                )
            }),
        ),
        (
            GridFilter {
                health: vec!["Inactive".into()],
                isolated_now: true,
                ..GridFilter::default()
            },
            Box::new(|r: &MachineRow| r.health == "Inactive" && r.isolated_now),
        ),
        (
            GridFilter {
                search: Some("-0042".into()),
                ..GridFilter::default()
            },
            Box::new(|r: &MachineRow| r.name.contains("-0042")),
        ),
        (
            GridFilter {
                os: vec![snap.machines[0].os.clone()],
                risk: vec!["High".into(), "Medium".into()],
                ..GridFilter::default()
            },
            Box::new({
                let os = snap.machines[0].os.clone();
                move |r: &MachineRow| {
                    r.os == os && matches!(r.risk.as_deref(), Some("High" | "Medium"))
                }
            }),
        ),
    ];
    for (filter, keep) in &cases {
        let want = keys(snap.machines.iter().filter(|r| keep(r)));
        assert!(
            !want.is_empty(),
            "{filter:?} matches something in this tenant"
        );
        let got = keys(&all_rows(app, filter, by_name));
        same(&got, &want, &format!("{filter:?}"));
        let c = app.grid_counters(filter).unwrap();
        assert_eq!(c.total as usize, want.len(), "{filter:?}");
        // The whole list (`cordon machines`), read from the records alone: the same
        // rows, whole (a sentence that names an age is compared by its state).
        let list = app.grid_rows(filter).unwrap();
        same(&keys(&list.machines), &want, &format!("list of {filter:?}"));
        assert!(list.as_of.is_some(), "the store says when it last synced");
        let by_id: std::collections::HashMap<&str, &MachineRow> =
            snap.machines.iter().map(|r| (r.id.as_str(), r)).collect();
        let timeless = |r: &&MachineRow| {
            !matches!(
                r.state,
                IsolationState::Releasing | IsolationState::ReleaseStuck
            )
        };
        for r in list.machines.iter().filter(timeless) {
            assert_eq!(Some(&r), by_id.get(r.id.as_str()), "{filter:?}");
        }
    }

    // Any column sorts, both ways, ties by name: the order of the ranks holds.
    let rank = |r: &MachineRow| match r.risk.as_deref() {
        None => 0,
        Some("None") => 1,
        Some("Informational") => 2,
        Some("Low") => 3,
        Some("Medium") => 4,
        Some("High") => 5,
        Some(_) => 9,
    };
    let sorted = all_rows(
        app,
        &fleet,
        GridSort {
            column: GridColumn::Risk,
            descending: true,
        },
    );
    assert_eq!(sorted.len() as u32, MACHINES);
    for w in sorted.windows(2) {
        assert!(
            rank(&w[0]) >= rank(&w[1]),
            "{:?} then {:?}",
            w[0].risk,
            w[1].risk
        );
        if rank(&w[0]) == rank(&w[1]) {
            assert!(w[0].name <= w[1].name, "ties by name");
        }
    }
    let by_state = all_rows(
        app,
        &fleet,
        GridSort {
            column: GridColumn::State,
            descending: false,
        },
    );
    assert_eq!(
        by_state.first().map(|r| r.state),
        Some(IsolationState::NotIsolated)
    );
    assert_eq!(ids(&by_state), ids(&snap.machines));
    let last_seen = all_rows(
        app,
        &fleet,
        GridSort {
            column: GridColumn::LastSeen,
            descending: true,
        },
    );
    for w in last_seen.windows(2) {
        if let (Some(a), Some(b)) = (&w[0].last_seen, &w[1].last_seen) {
            assert!(a >= b);
        }
    }

    // An idle sync moves nothing.
    let cursor = app
        .grid_page(&query(fleet.clone(), by_name, 0, 1))
        .unwrap()
        .cursor;
    app.sync_once(false).await.unwrap();
    let idle = app.grid_changes(cursor).unwrap();
    assert_eq!((idle.changed, idle.removed), (0, 0), "{idle:?}");
    assert!(idle.ids.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn select_all_matching_is_a_query_fixed_at_preview_time() {
    let env = tenant().await;
    let app = &env.app;

    // Release every machine isolated now: the preview sends exactly the filter's count.
    let isolated = GridFilter {
        isolated_now: true,
        ..GridFilter::default()
    };
    let total = app.grid_counters(&isolated).unwrap().total;
    let release = BulkRequest {
        kind: JobKind::Release,
        machine_ids: Vec::new(),
        comment: "select all matching".into(),
        isolation_type: None,
        source: Some("grid".into()),
        include_foreign: true,
        matching: Some(isolated.clone()),
    };
    let p = app.preview_bulk(&release).await.unwrap();
    assert_eq!(p.will_send.len() as u32, total, "{:?}", p.excluded.first());
    assert!(p.excluded.is_empty());
    assert_eq!(
        p.confirm_phrase.as_deref(),
        Some(format!("release {total} machines").as_str())
    );
    let page_ids: HashSet<String> = all_rows(app, &isolated, GridSort::default())
        .into_iter()
        .map(|r| r.id.to_ascii_lowercase())
        .collect();
    let sent: HashSet<String> = p.will_send.iter().map(|m| m.id.clone()).collect();
    assert_eq!(sent, page_ids, "the very machines the grid shows");

    // Isolate every online-looking machine of a search that is not isolated: then
    // another desk isolates one of them; after the sync the preview is stale and
    // nothing is sent.
    let fresh = GridFilter {
        search: Some("-0001".into()),
        states: vec![IsolationState::NotIsolated],
        health: vec!["Active".into()],
        ..GridFilter::default()
    };
    let n = app.grid_counters(&fresh).unwrap().total;
    assert!(n >= 2, "{n} machines match");
    let isolate = BulkRequest {
        kind: JobKind::Isolate,
        machine_ids: Vec::new(),
        comment: "select all matching, then stale".into(),
        isolation_type: Some(IsolationKind::Full),
        source: Some("grid".into()),
        include_foreign: false,
        matching: Some(fresh.clone()),
    };
    let p = app.preview_bulk(&isolate).await.unwrap();
    assert_eq!(p.will_send.len() as u32, n);
    let victim = p.will_send[0].id.clone();
    let other = cordon_core::App::new(support::config(
        &env.sim.base_url(),
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    ))
    .unwrap();
    other.refresh().await.unwrap();
    let out = other
        .isolate(IsolateRequest {
            machine_ids: vec![victim.clone()],
            isolation_type: IsolationKind::Full,
            comment: "isolated from another desk".into(),
        })
        .await
        .unwrap();
    assert!(out[0].error.is_none(), "{out:?}");
    let before = app
        .grid_page(&query(fresh.clone(), GridSort::default(), 0, 1))
        .unwrap();
    app.refresh().await.unwrap();
    let changes = app.grid_changes(before.cursor).unwrap();
    assert!(
        changes.ids.iter().any(|i| i.eq_ignore_ascii_case(&victim)),
        "the sync moved the victim's row: {changes:?}"
    );
    assert_eq!(app.grid_counters(&fresh).unwrap().total, n - 1);
    let refused = app.start_job(isolate.clone(), &Confirmation::of(&p));
    assert!(
        matches!(refused, Err(CoreError::StalePreview(_))),
        "{refused:?}"
    );
    assert!(
        app.jobs()
            .unwrap()
            .iter()
            .all(|j| j.comment != isolate.comment)
    );
}
