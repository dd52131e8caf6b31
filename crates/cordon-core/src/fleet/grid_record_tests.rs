//! Table tests of the grid's record: every derived state, and the property the
//! queries rely on: the stored state read with the cut-off (now − threshold) is the
//! state the full derivation gives at `now`, for every `now`.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone};

use super::*;
use crate::fleet::derive::{Kind, StateKind, Status};
use crate::fleet::view::machine_row;

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap() + Duration::minutes(min)
}

fn act(id: &str, kind: Kind, status: Status, created: i64) -> IsolationAction {
    IsolationAction {
        id: id.into(),
        kind,
        status,
        created: t(created),
        updated: Some(t(created + 1)),
        requestor: "alice@contoso.example".into(),
        comment: String::new(),
        scope: None,
    }
}

fn machine() -> Machine {
    serde_json::from_value(serde_json::json!({
        "id": "AB12000000000000000000000000000000000001",
        "computerDnsName": "WS-0001.contoso.local",
        "healthStatus": "Active",
        "osPlatform": "Windows11",
        "riskScore": "High",
        "exposureLevel": "Low",
        "deviceValue": "Normal",
        "rbacGroupName": "Finance",
        "machineTags": ["vip", "eu"],
        "lastIpAddress": "10.0.0.7",
        "lastSeen": "2026-11-26T23:00:00Z"
    }))
    .unwrap()
}

/// The SQL's effective state (`grid_sql::effective_state`), in Rust.
fn effective(r: &GridRecord, cutoff: &str) -> i64 {
    if r.state == 4 && r.since.as_deref().is_some_and(|s| s <= cutoff) {
        5
    } else {
        r.state
    }
}

use Kind::{Isolate as I, Unisolate as U};
use Status::*;

#[test]
fn the_record_holds_what_the_grid_filters_and_sorts_by() {
    let r = record(&machine(), &[]);
    assert_eq!(
        r.id, "AB12000000000000000000000000000000000001",
        "the key as sent"
    );
    assert_eq!(r.name, "ws-0001.contoso.local");
    assert_eq!((r.state, r.since.as_deref()), (0, None));
    assert_eq!((r.health.as_str(), r.os.as_str()), ("Active", "Windows11"));
    assert_eq!((r.risk, r.exposure, r.value), (5, 2, 2));
    assert_eq!(
        (r.group.as_str(), r.tags.as_str()),
        ("Finance", "\nvip\neu\n")
    );
    assert_eq!(r.ip, "10.0.0.7");
    assert_eq!(r.last_seen.as_deref(), Some("2026-11-26T23:00:00.000Z"));
}

#[test]
fn every_state_is_recorded_without_the_threshold() {
    let cases: &[(&str, Vec<IsolationAction>, i64, Option<i64>)] = &[
        ("never isolated", vec![], 0, None),
        ("isolating", vec![act("a", I, Pending, 10)], 1, Some(10)),
        (
            "isolation failed",
            vec![act("a", I, Failed, 10)],
            2,
            Some(11),
        ),
        ("isolated", vec![act("a", I, Succeeded, 10)], 3, Some(11)),
        (
            "release pending for days: releasing, since its creation",
            vec![act("a", I, Succeeded, 10), act("b", U, Pending, 20)],
            4,
            Some(20),
        ),
        (
            "release timed out: stuck whatever the time",
            vec![act("a", I, Succeeded, 10), act("b", U, TimeOut, 20)],
            5,
            Some(21),
        ),
        (
            "released",
            vec![act("a", I, Succeeded, 10), act("b", U, Succeeded, 20)],
            0,
            Some(21),
        ),
    ];
    for (what, acts, state, since) in cases {
        let r = record(&machine(), acts);
        assert_eq!(r.state, *state, "{what}");
        assert_eq!(r.since, since.map(|m| crate::store::ts(t(m))), "{what}");
    }
}

#[test]
fn the_stored_state_read_at_any_time_is_the_derivation_at_that_time() {
    let threshold = Thresholds::default();
    let histories = [
        vec![act("a", I, Succeeded, 0), act("b", U, Pending, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, InProgress, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, Unknown, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, Cancelled, 60)],
        vec![act("a", I, Pending, 0)],
        vec![act("a", I, Succeeded, 0)],
    ];
    let m = machine();
    let live = Liveness {
        health: Some("Active".into()),
        last_full_report: m.last_seen,
    };
    for acts in &histories {
        let r = record(&m, acts);
        for now in [60, 61, 89, 90, 91, 600, 10_000] {
            let full = derive::derive(acts, &live, t(now), threshold);
            let cutoff = crate::store::ts(t(now) - threshold.release_stuck_after);
            assert_eq!(
                effective(&r, &cutoff),
                state_code(full.kind),
                "{acts:?} at +{now} min ({:?})",
                full.kind
            );
        }
    }
    assert_eq!(state_code(StateKind::ReleaseStuck), 5);
}

#[test]
fn the_row_shown_from_the_record_is_the_views_row_at_any_time() {
    let threshold = Thresholds::default();
    let with = |mut a: IsolationAction, who: &str, comment: &str| {
        a.requestor = who.into();
        a.comment = comment.into();
        a
    };
    let histories = [
        vec![],
        vec![with(act("a", I, Pending, 0), "bob", " IR-7 ")],
        vec![act("a", I, InProgress, 0)],
        vec![with(act("a", I, Failed, 0), "bob", "x")],
        vec![act("a", I, TimeOut, 0)],
        vec![with(
            act("a", I, Succeeded, 0),
            "café@contoso",
            "per IR playbook",
        )],
        vec![
            act("a", I, Succeeded, 0),
            with(act("b", U, Pending, 60), "carol", "done"),
        ],
        vec![act("a", I, Succeeded, 0), act("b", U, InProgress, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, Unknown, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, Cancelled, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, Failed, 60)],
        vec![act("a", I, Succeeded, 0), act("b", U, TimeOut, 60)],
        vec![
            act("a", I, Succeeded, 0),
            with(act("b", U, Succeeded, 60), "dave", ""),
        ],
    ];
    let mut sparse = machine();
    sparse.computer_dns_name = None;
    sparse.risk_score = None;
    sparse.machine_tags = Vec::new();
    sparse.rbac_group_name = None;
    sparse.last_ip_address = None;
    sparse.last_seen = None;
    for m in [machine(), sparse] {
        for acts in &histories {
            let r = record(&m, acts);
            for now in [0, 61, 89, 90, 91, 600, 10_000] {
                assert_eq!(
                    shown(&r, t(now), threshold),
                    machine_row(&m, acts, t(now), threshold),
                    "{acts:?} at +{now} min"
                );
            }
        }
    }
}
