//! The machine grid: filters, search, sorts, windows and counters evaluated by the
//! engine, the stuck cut-off read at query time, and the change cursor that moves only
//! for rows that changed.

use cordon_core::dto::IsolationState;
use cordon_core::dto::grid::{GridColumn, GridFilter, GridQuery, GridSort};
use cordon_core::fleet::grid_record::record;
use cordon_core::fleet::view::by_machine;
use cordon_core::store::Store;
use cordon_core::store::grid_sql::GridRecord;
use mde_api::{Machine, MachineAction};
use serde_json::{Value, json};

use super::{machine, rfc3339, t};

fn a_machine(tag: &str, name: &str, extra: Value) -> Machine {
    let mut v = json!({
        "id": machine(tag),
        "computerDnsName": name,
        "healthStatus": "Active",
        "osPlatform": "Windows11",
        "lastSeen": rfc3339(t(-60)),
        "lastIpAddress": format!("10.0.0.{tag}"),
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    serde_json::from_value(v).unwrap()
}

fn an_action(id: &str, kind: &str, status: &str, tag: &str, created: i64) -> MachineAction {
    serde_json::from_value(json!({
        "id": id,
        "type": kind,
        "status": status,
        "machineId": machine(tag),
        "requestor": "ana@contoso.com",
        "creationDateTimeUtc": rfc3339(t(created)),
        "lastUpdateDateTimeUtc": rfc3339(t(created + 1)),
    }))
    .unwrap()
}

/// Six machines, one per derived state, saved as the sync saves them.
pub fn fleet() -> (Vec<Machine>, Vec<MachineAction>) {
    let machines = vec![
        a_machine(
            "1",
            "ws-alpha",
            json!({"riskScore": "High", "machineTags": ["vip", "eu"], "rbacGroupName": "Finance", "deviceValue": "High"}),
        ),
        a_machine(
            "2",
            "ws-bravo",
            json!({"healthStatus": "Inactive", "osPlatform": "Linux", "riskScore": "Low"}),
        ),
        a_machine(
            "3",
            "srv-charlie",
            json!({"riskScore": "Medium", "exposureLevel": "High", "machineTags": ["eu"]}),
        ),
        a_machine("4", "ws-delta", json!({"osPlatform": "macOS"})),
        a_machine("5", "ws-echo", json!({"riskScore": "None"})),
        a_machine(
            "6",
            "db-foxtrot",
            json!({"riskScore": "Informational", "lastSeen": null}),
        ),
    ];
    let actions = vec![
        an_action("a2", "Isolate", "Succeeded", "2", 0),
        an_action("a3", "Isolate", "Succeeded", "3", 0),
        an_action("r3", "Unisolate", "Pending", "3", 10),
        an_action("a4", "Isolate", "Pending", "4", 5),
        an_action("a5", "Isolate", "Succeeded", "5", 0),
        an_action("r5", "Unisolate", "TimeOut", "5", 2),
        an_action("a6", "Isolate", "Failed", "6", 3),
    ];
    (machines, actions)
}

fn records(machines: &[Machine], actions: &[MachineAction]) -> Vec<GridRecord> {
    let grouped = by_machine(actions);
    machines
        .iter()
        .map(|m| {
            let a = grouped
                .get(&m.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            record(m, a)
        })
        .collect()
}

pub fn seeded(store: &Store) -> Vec<GridRecord> {
    let (machines, actions) = fleet();
    store.save_machines(&machines, &[]).unwrap();
    store.save_actions(&actions).unwrap();
    let rows = records(&machines, &actions);
    store.save_grid(&rows, &[], false).unwrap();
    rows
}

/// The cut-off (now − the stuck threshold) at "now = t(minutes) + threshold".
pub fn cut(minutes: i64) -> String {
    rfc3339(t(minutes))
}

fn names(store: &Store, q: &GridQuery, cutoff: &str) -> (u32, Vec<String>) {
    let w = store.grid_window(q, cutoff).unwrap();
    let names = w
        .machines
        .iter()
        .map(|(m, _)| m.computer_dns_name.clone().unwrap_or_default())
        .collect();
    (w.total, names)
}

fn filtered(f: GridFilter) -> GridQuery {
    GridQuery {
        filter: f,
        limit: 100,
        ..GridQuery::default()
    }
}

pub fn the_grid_filters_sorts_and_counts_in_the_store(store: &Store) {
    seeded(store);
    let now = cut(5);
    let all = filtered(GridFilter::default());
    assert_eq!(
        names(store, &all, &now),
        (
            6,
            [
                "db-foxtrot",
                "srv-charlie",
                "ws-alpha",
                "ws-bravo",
                "ws-delta",
                "ws-echo"
            ]
            .map(String::from)
            .to_vec()
        )
    );
    let window = GridQuery {
        offset: 2,
        limit: 2,
        ..all.clone()
    };
    let w = store.grid_window(&window, &now).unwrap();
    assert_eq!(w.total, 6, "the total is the filter's, not the window's");
    assert_eq!(w.machines.len(), 2);
    assert!(
        w.machines.iter().all(|(_, v)| *v == 1),
        "one write, one cursor"
    );
    assert_eq!(w.cursor, 1);
    let acts: Vec<&str> = w.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(acts, ["a2"], "the window's actions only");

    let check = |f: GridFilter, want: &[&str]| {
        let (total, got) = names(store, &filtered(f.clone()), &now);
        assert_eq!(got, want, "{f:?}");
        assert_eq!(total as usize, want.len(), "{f:?}");
        assert_eq!(
            store.grid_ids(&f, &now).unwrap().len(),
            want.len(),
            "ids of {f:?}"
        );
    };
    check(
        GridFilter {
            isolated_now: true,
            ..GridFilter::default()
        },
        &["srv-charlie", "ws-bravo", "ws-echo"],
    );
    let pending = GridFilter {
        states: vec![IsolationState::Isolating, IsolationState::Releasing],
        ..GridFilter::default()
    };
    check(pending.clone(), &["srv-charlie", "ws-delta"]);
    let stuck = GridFilter {
        states: vec![IsolationState::ReleaseStuck],
        ..GridFilter::default()
    };
    check(stuck.clone(), &["ws-echo"]);
    // Pending at Defender: the isolating and releasing machines, not the release that
    // timed out (stuck, but nothing left to cancel).
    let at_defender = GridFilter {
        pending: true,
        ..GridFilter::default()
    };
    check(at_defender.clone(), &["srv-charlie", "ws-delta"]);
    check(
        GridFilter {
            isolated_now: true,
            ..at_defender
        },
        &["srv-charlie"],
    );
    check(
        GridFilter {
            states: vec![IsolationState::IsolationFailed],
            ..GridFilter::default()
        },
        &["db-foxtrot"],
    );
    for (needle, want) in [
        ("WS-", &["ws-alpha", "ws-bravo", "ws-delta", "ws-echo"][..]),
        (" Alpha ", &["ws-alpha"]),
        ("10.0.0.3", &["srv-charlie"]),
        (&machine("6")[30..], &["db-foxtrot"]),
        ("nothing-like-it", &[]),
    ] {
        check(
            GridFilter {
                search: Some(needle.into()),
                ..GridFilter::default()
            },
            want,
        );
    }
    check(
        GridFilter {
            tags: vec!["eu".into()],
            ..GridFilter::default()
        },
        &["srv-charlie", "ws-alpha"],
    );
    check(
        GridFilter {
            tags: vec!["v".into()],
            ..GridFilter::default()
        },
        &[],
    );
    check(
        GridFilter {
            risk: vec!["High".into(), "Medium".into()],
            ..GridFilter::default()
        },
        &["srv-charlie", "ws-alpha"],
    );
    check(
        GridFilter {
            risk: vec![String::new()],
            ..GridFilter::default()
        },
        &["ws-delta"],
    );
    check(
        GridFilter {
            health: vec!["Inactive".into()],
            ..GridFilter::default()
        },
        &["ws-bravo"],
    );
    check(
        GridFilter {
            os: vec!["Windows11".into()],
            groups: vec!["Finance".into()],
            device_value: vec!["High".into()],
            ..GridFilter::default()
        },
        &["ws-alpha"],
    );
    check(
        GridFilter {
            exposure: vec!["High".into()],
            isolated_now: true,
            ..GridFilter::default()
        },
        &["srv-charlie"],
    );

    // The cut-off is read at query time: at "now" = t(10) + threshold the pending
    // release of srv-charlie is stuck, with nothing written.
    let later = cut(10);
    let (_, got) = names(store, &filtered(stuck), &later);
    assert_eq!(got, ["srv-charlie", "ws-echo"]);
    let (_, got) = names(store, &filtered(pending), &later);
    assert_eq!(got, ["ws-delta"]);

    let sorted = |column, descending| {
        let q = GridQuery {
            sort: GridSort { column, descending },
            ..all.clone()
        };
        names(store, &q, &now).1
    };
    assert_eq!(
        sorted(GridColumn::Risk, true),
        [
            "ws-alpha",
            "srv-charlie",
            "ws-bravo",
            "db-foxtrot",
            "ws-echo",
            "ws-delta"
        ],
        "by severity, not alphabetically"
    );
    assert_eq!(
        sorted(GridColumn::Name, true),
        [
            "ws-echo",
            "ws-delta",
            "ws-bravo",
            "ws-alpha",
            "srv-charlie",
            "db-foxtrot"
        ]
    );
    assert_eq!(
        sorted(GridColumn::State, false),
        [
            "ws-alpha",
            "ws-delta",
            "db-foxtrot",
            "ws-bravo",
            "srv-charlie",
            "ws-echo"
        ],
        "not isolated, isolating, failed, isolated, releasing, stuck"
    );
    assert_eq!(
        sorted(GridColumn::LastSeen, false)
            .first()
            .map(String::as_str),
        Some("db-foxtrot"),
        "a missing time first, on both engines"
    );
    assert_eq!(
        sorted(GridColumn::LastSeen, true)
            .last()
            .map(String::as_str),
        Some("db-foxtrot")
    );
    assert_eq!(
        sorted(GridColumn::Os, false),
        [
            "ws-bravo",
            "db-foxtrot",
            "srv-charlie",
            "ws-alpha",
            "ws-echo",
            "ws-delta"
        ],
        "byte order, ties by name"
    );

    let c = store.grid_counters(&GridFilter::default(), &now).unwrap();
    assert_eq!(
        (
            c.total,
            c.isolated_now,
            c.isolating,
            c.releasing,
            c.stuck,
            c.isolation_failed
        ),
        (6, 3, 1, 1, 1, 1)
    );
    let c = store.grid_counters(&GridFilter::default(), &later).unwrap();
    assert_eq!((c.releasing, c.stuck), (0, 2), "time alone made it stuck");
    let c = store
        .grid_counters(
            &GridFilter {
                search: Some("ws-".into()),
                ..GridFilter::default()
            },
            &now,
        )
        .unwrap();
    assert_eq!((c.total, c.isolated_now), (4, 2));
}

pub fn the_cursor_moves_only_for_rows_that_changed(store: &Store) {
    let rows = seeded(store);
    let now = cut(5);
    let first = store.grid_changes(0).unwrap();
    assert_eq!((first.cursor, first.changed, first.removed), (1, 6, 0));
    assert_eq!(first.ids.len(), 6);
    assert!(!first.truncated);
    assert_eq!(store.grid_changes(1).unwrap().changed, 0);

    // An idle refresh writes the same records: nothing moves.
    assert_eq!(store.save_grid(&rows, &[], false).unwrap(), 1);
    let idle = store.grid_changes(1).unwrap();
    assert_eq!((idle.cursor, idle.changed, idle.removed), (1, 0, 0));
    assert!(idle.ids.is_empty());

    // One machine changes: one row moves, to the next cursor.
    let mut alpha = rows[0].clone();
    alpha.health = "Inactive".into();
    assert_eq!(store.save_grid(&rows, &[], false).unwrap(), 1);
    let mut again = rows.clone();
    again[0] = alpha.clone();
    assert_eq!(store.save_grid(&again, &[], false).unwrap(), 2);
    let one = store.grid_changes(1).unwrap();
    assert_eq!((one.cursor, one.changed), (2, 1));
    assert_eq!(one.ids, [machine("1")]);
    let w = store
        .grid_window(&filtered(GridFilter::default()), &now)
        .unwrap();
    let versions: Vec<u32> = w.machines.iter().map(|(_, v)| *v).collect();
    assert_eq!(
        versions,
        [1, 1, 2, 1, 1, 1],
        "ws-alpha (third by name) moved"
    );

    // Time alone: srv-charlie's release (created at t(10)) turns stuck when the
    // cut-off passes t(10); aging the rows up to it moves that row only, once.
    assert_eq!(store.grid_age(&cut(0), &cut(9)).unwrap(), 0);
    assert_eq!(store.grid_age(&cut(9), &cut(10)).unwrap(), 1);
    let aged = store.grid_changes(2).unwrap();
    assert_eq!((aged.cursor, aged.ids.clone()), (3, vec![machine("3")]));
    assert_eq!(
        store.grid_age(&cut(10), &cut(500)).unwrap(),
        0,
        "already past"
    );

    // A machine gone from the tenant.
    assert_eq!(store.save_grid(&[], &[machine("2")], false).unwrap(), 4);
    let gone = store.grid_changes(3).unwrap();
    assert_eq!((gone.cursor, gone.changed, gone.removed), (4, 0, 1));
    assert_eq!(
        store.save_grid(&[], &[machine("2")], false).unwrap(),
        4,
        "forgetting it twice changes nothing"
    );
    let c = store.grid_counters(&GridFilter::default(), &now).unwrap();
    assert_eq!((c.total, c.isolated_now), (5, 2));

    // A rebuild keeps only what it is given.
    let kept = vec![alpha, rows[2].clone()];
    assert_eq!(store.save_grid(&kept, &[], true).unwrap(), 5);
    let rebuilt = store.grid_changes(4).unwrap();
    assert_eq!((rebuilt.changed, rebuilt.removed), (0, 3));
    assert_eq!(
        store.grid_ids(&GridFilter::default(), &now).unwrap(),
        [machine("3"), machine("1")]
    );
    // A machine back is no longer counted as removed.
    assert_eq!(store.save_grid(&rows[1..2], &[], false).unwrap(), 6);
    let back = store.grid_changes(3).unwrap();
    assert_eq!((back.changed, back.removed), (1, 3));
}
