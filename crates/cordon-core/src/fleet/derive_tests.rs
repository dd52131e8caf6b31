//! Table tests of the isolation-state derivation: every state, out-of-order and
//! duplicate actions.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono::TimeZone;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap() + Duration::minutes(h)
}

fn act(
    id: &str,
    kind: Kind,
    status: Status,
    created: i64,
    updated: Option<i64>,
) -> IsolationAction {
    IsolationAction {
        id: id.into(),
        kind,
        status,
        created: t(created),
        updated: updated.map(t),
        requestor: "alice@contoso.example".into(),
        comment: format!("comment {id}"),
        scope: Some("Full".into()),
    }
}

use Kind::{Isolate as I, Unisolate as U};
use Status::*;

fn live_active() -> Liveness {
    Liveness {
        health: Some("Active".into()),
        last_full_report: Some(t(0)),
    }
}

struct Case {
    name: &'static str,
    actions: Vec<IsolationAction>,
    now: i64,
    want: StateKind,
    want_action: Option<&'static str>,
}

#[test]
fn state_table() {
    let cases = vec![
        Case {
            name: "no actions",
            actions: vec![],
            now: 10,
            want: StateKind::NotIsolated,
            want_action: None,
        },
        Case {
            name: "isolate pending",
            actions: vec![act("a", I, Pending, 0, None)],
            now: 5,
            want: StateKind::Isolating,
            want_action: Some("a"),
        },
        Case {
            name: "isolate in progress",
            actions: vec![act("a", I, InProgress, 0, Some(1))],
            now: 5,
            want: StateKind::Isolating,
            want_action: Some("a"),
        },
        Case {
            name: "isolate succeeded",
            actions: vec![act("a", I, Succeeded, 0, Some(2))],
            now: 5,
            want: StateKind::Isolated,
            want_action: Some("a"),
        },
        Case {
            name: "isolate failed",
            actions: vec![act("a", I, Failed, 0, Some(2))],
            now: 5,
            want: StateKind::IsolationFailed,
            want_action: Some("a"),
        },
        Case {
            name: "isolate timed out",
            actions: vec![act("a", I, TimeOut, 0, Some(2))],
            now: 5,
            want: StateKind::IsolationFailed,
            want_action: Some("a"),
        },
        Case {
            name: "isolate cancelled",
            actions: vec![act("a", I, Cancelled, 0, Some(2))],
            now: 5,
            want: StateKind::NotIsolated,
            want_action: None,
        },
        Case {
            name: "released",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Succeeded, 10, Some(12)),
            ],
            now: 20,
            want: StateKind::NotIsolated,
            want_action: Some("b"),
        },
        Case {
            name: "release pending, young",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Pending, 10, None),
            ],
            now: 20,
            want: StateKind::Releasing,
            want_action: Some("b"),
        },
        Case {
            name: "release in progress, young",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, InProgress, 10, Some(11)),
            ],
            now: 20,
            want: StateKind::Releasing,
            want_action: Some("b"),
        },
        Case {
            name: "release pending past threshold",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Pending, 10, None),
            ],
            now: 41,
            want: StateKind::ReleaseStuck,
            want_action: Some("b"),
        },
        Case {
            name: "release timed out",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, TimeOut, 10, Some(4330)),
            ],
            now: 4400,
            want: StateKind::ReleaseStuck,
            want_action: Some("b"),
        },
        Case {
            name: "release failed",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Failed, 10, Some(12)),
            ],
            now: 20,
            want: StateKind::ReleaseStuck,
            want_action: Some("b"),
        },
        Case {
            name: "release cancelled",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Cancelled, 10, Some(12)),
            ],
            now: 20,
            want: StateKind::ReleaseStuck,
            want_action: Some("b"),
        },
        Case {
            name: "timed-out release then a new pending one",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, TimeOut, 10, Some(20)),
                act("c", U, Pending, 30, None),
            ],
            now: 35,
            want: StateKind::Releasing,
            want_action: Some("c"),
        },
        Case {
            name: "re-isolated after a release",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Succeeded, 10, Some(12)),
                act("c", I, Succeeded, 20, Some(22)),
            ],
            now: 30,
            want: StateKind::Isolated,
            want_action: Some("c"),
        },
        Case {
            name: "released, then isolating again",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Succeeded, 10, Some(12)),
                act("c", I, Pending, 20, None),
            ],
            now: 30,
            want: StateKind::Isolating,
            want_action: Some("c"),
        },
        Case {
            name: "old failed isolate before a success does not count",
            actions: vec![
                act("a", I, Failed, 0, Some(1)),
                act("b", I, Succeeded, 5, Some(6)),
            ],
            now: 30,
            want: StateKind::Isolated,
            want_action: Some("b"),
        },
        Case {
            name: "failed isolate after a release",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Succeeded, 10, Some(12)),
                act("c", I, Failed, 20, Some(22)),
            ],
            now: 30,
            want: StateKind::IsolationFailed,
            want_action: Some("c"),
        },
        Case {
            name: "duplicate pending isolate while isolated",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", I, Pending, 5, None),
            ],
            now: 10,
            want: StateKind::Isolated,
            want_action: Some("a"),
        },
        Case {
            name: "unknown status on a release is not done",
            actions: vec![
                act("a", I, Succeeded, 0, Some(2)),
                act("b", U, Unknown, 10, Some(11)),
            ],
            now: 12,
            want: StateKind::Releasing,
            want_action: Some("b"),
        },
        Case {
            name: "release of a machine never isolated",
            actions: vec![act("b", U, Pending, 10, None)],
            now: 12,
            want: StateKind::NotIsolated,
            want_action: None,
        },
        // Field report: isolate, isolate, unisolate, unisolate completed as
        // isolate, unisolate, unisolate, isolate — the device ends isolated.
        Case {
            name: "out-of-order completion leaves the device isolated",
            actions: vec![
                act("i1", I, Succeeded, 0, Some(1)),
                act("i2", I, Succeeded, 1, Some(30)),
                act("u1", U, Succeeded, 2, Some(10)),
                act("u2", U, Succeeded, 3, Some(20)),
            ],
            now: 40,
            want: StateKind::Isolated,
            want_action: Some("i2"),
        },
    ];
    for c in cases {
        let d = derive(&c.actions, &live_active(), t(c.now), Thresholds::default());
        assert_eq!(d.kind, c.want, "case {:?}: reason {:?}", c.name, d.reason);
        assert_eq!(d.action_id.as_deref(), c.want_action, "case {:?}", c.name);
    }
}

#[test]
fn input_order_does_not_matter() {
    let mut acts = vec![
        act("a", I, Succeeded, 0, Some(2)),
        act("b", U, Succeeded, 10, Some(12)),
        act("c", I, Succeeded, 20, Some(22)),
        act("d", U, Pending, 30, None),
    ];
    let want = derive(&acts, &live_active(), t(35), Thresholds::default());
    assert_eq!(want.kind, StateKind::Releasing);
    acts.reverse();
    assert_eq!(
        derive(&acts, &live_active(), t(35), Thresholds::default()),
        want
    );
    acts.swap(0, 2);
    assert_eq!(
        derive(&acts, &live_active(), t(35), Thresholds::default()),
        want
    );
}

#[test]
fn duplicates_keep_the_most_advanced_copy() {
    let acts = vec![
        act("a", I, Succeeded, 0, Some(2)),
        act("b", U, Succeeded, 10, Some(12)),
        act("b", U, Pending, 10, None),
        act("a", I, Pending, 0, None),
    ];
    let d = derive(&acts, &live_active(), t(20), Thresholds::default());
    assert_eq!(d.kind, StateKind::NotIsolated);
    assert_eq!(d.action_id.as_deref(), Some("b"));
}

#[test]
fn reasons_state_the_facts() {
    let iso = derive(
        &[act("a", I, Succeeded, 0, Some(2))],
        &live_active(),
        t(5),
        Thresholds::default(),
    );
    assert_eq!(
        iso.reason,
        "Isolated since 2026-11-27 00:02 UTC by alice@contoso.example: comment a"
    );
    assert_eq!(iso.since, Some(t(2)));

    let stuck = derive(
        &[
            act("a", I, Succeeded, 0, Some(2)),
            act("b", U, Pending, 10, None),
        ],
        &Liveness {
            health: Some("Active".into()),
            last_full_report: Some(t(10 - 14 * 60)),
        },
        t(10 + 5 * 60),
        Thresholds::default(),
    );
    assert_eq!(stuck.kind, StateKind::ReleaseStuck);
    assert_eq!(
        stuck.reason,
        "Release pending for 5 h (device Active, last full report 19 h ago): Defender delivers the release when the device next connects (up to 3 days)"
    );

    let inactive = derive(
        &[
            act("a", I, Succeeded, 0, Some(2)),
            act("b", U, Pending, 10, None),
        ],
        &Liveness {
            health: Some("Inactive".into()),
            last_full_report: Some(t(-9 * 24 * 60)),
        },
        t(100),
        Thresholds::default(),
    );
    assert!(
        inactive.reason.contains("device inactive for 9 days"),
        "{}",
        inactive.reason
    );

    let timed_out = derive(
        &[
            act("a", I, Succeeded, 0, Some(2)),
            act("b", U, TimeOut, 10, Some(10 + 3 * 24 * 60)),
        ],
        &Liveness::default(),
        t(10 + 4 * 24 * 60),
        Thresholds::default(),
    );
    assert_eq!(
        timed_out.reason,
        "Release timed out at 2026-11-30 00:10 UTC (device health unknown, no full report known): resubmit needed"
    );
}

#[test]
fn threshold_is_settable() {
    let acts = vec![
        act("a", I, Succeeded, 0, Some(2)),
        act("b", U, Pending, 10, None),
    ];
    let short = Thresholds {
        release_stuck_after: Duration::minutes(5),
    };
    assert_eq!(
        derive(&acts, &live_active(), t(16), short).kind,
        StateKind::ReleaseStuck
    );
    assert_eq!(
        derive(&acts, &live_active(), t(16), Thresholds::default()).kind,
        StateKind::Releasing
    );
}

#[test]
fn isolated_now_covers_pending_and_stuck_releases() {
    use StateKind::*;
    let now: Vec<_> = [
        NotIsolated,
        Isolating,
        Isolated,
        Releasing,
        ReleaseStuck,
        IsolationFailed,
    ]
    .into_iter()
    .filter(|k| k.is_isolated_now())
    .collect();
    assert_eq!(now, vec![Isolated, Releasing, ReleaseStuck]);
}

#[test]
fn ages_read_like_a_person_writes_them() {
    assert_eq!(fmt_age(Duration::minutes(12)), "12 min");
    assert_eq!(fmt_age(Duration::minutes(5 * 60 + 7)), "5 h");
    assert_eq!(fmt_age(Duration::minutes(3 * 24 * 60 + 4 * 60)), "3 d 4 h");
    assert_eq!(fmt_age(Duration::minutes(-3)), "0 min");
}
