//! What stays resident: a table of cases, and the property everything resting on the
//! cache relies on: the derivation (at any `now`, any threshold) and the grid's record
//! over the kept actions equal those over all of them, for random histories with
//! duplicates, out-of-order completions and unknown statuses.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::fleet::derive::{Kind, Liveness, Thresholds, derive};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap() + Duration::minutes(min)
}

fn act(id: &str, kind: Kind, status: Status, created: i64, done: i64) -> IsolationAction {
    IsolationAction {
        id: id.into(),
        kind,
        status,
        created: t(created),
        updated: Some(t(done)),
        requestor: "alice@contoso.example".into(),
        comment: format!("comment {id}"),
        scope: None,
    }
}

fn from(acts: &[IsolationAction]) -> Option<DateTime<Utc>> {
    needed_from(acts.iter().map(|a| (a.id.as_str(), Stamp::from(a))))
}

fn kept(acts: &[IsolationAction], horizon: Option<DateTime<Utc>>) -> Vec<&str> {
    let f = from(acts);
    acts.iter()
        .filter(|a| keep(Stamp::from(*a), f, horizon))
        .map(|a| a.id.as_str())
        .collect()
}

use Kind::{Isolate as I, Unisolate as U};
use Status::*;

#[test]
fn a_machine_keeps_its_last_success_what_followed_it_and_what_is_in_flight() {
    let far = Some(t(10_000));
    // Never succeeded: everything may matter.
    let failed = [act("a", I, Failed, 0, 1), act("b", I, TimeOut, 5, 6)];
    assert_eq!(kept(&failed, far), ["a", "b"]);
    // Isolated, released, isolated again: the history before the last isolation goes.
    let cycles = [
        act("a", I, Succeeded, 0, 1),
        act("b", U, Succeeded, 10, 11),
        act("c", I, Succeeded, 20, 21),
        act("d", U, Failed, 30, 31),
    ];
    assert_eq!(kept(&cycles, far), ["c", "d"]);
    // The success that executed last decides, whatever its creation order: a stray
    // isolate completing after the release keeps the release and what follows.
    let stray = [
        act("a", I, Succeeded, 0, 50),
        act("b", U, Succeeded, 10, 11),
        act("c", U, Pending, 20, 20),
    ];
    assert_eq!(kept(&stray, far), ["a", "b", "c"]);
    // An old in-flight (or unknown) action stays, however old.
    let open = [
        act("a", U, Pending, 0, 0),
        act("x", U, Unknown, 1, 1),
        act("b", I, Succeeded, 10, 11),
    ];
    assert_eq!(kept(&open, far), ["a", "x", "b"]);
    // What the next fetch returns stays, so the sync does not see it as new.
    assert_eq!(kept(&cycles, Some(t(10))), ["b", "c", "d"]);
    assert_eq!(kept(&cycles, None), ["a", "b", "c", "d"]);
    // A duplicate whose later copy is not a success does not count as the success.
    let dup = [
        act("a", I, Succeeded, 0, 1),
        act("b", U, Succeeded, 10, 11),
        act("b", U, Failed, 10, 12),
    ];
    assert_eq!(from(&dup), Some(t(0)));
}

fn random_history(rng: &mut StdRng) -> Vec<IsolationAction> {
    let statuses = [
        Pending, InProgress, Succeeded, Succeeded, Succeeded, Failed, TimeOut, Cancelled, Unknown,
    ];
    let n = rng.gen_range(0..12);
    let mut acts = Vec::new();
    for i in 0..n {
        let kind = if rng.gen_bool(0.5) { I } else { U };
        let status = statuses[rng.gen_range(0..statuses.len())];
        let created = rng.gen_range(0..600);
        let done = created + rng.gen_range(0..300);
        let mut a = act(&format!("a{i}"), kind, status, created, done);
        if rng.gen_bool(0.1) {
            a.updated = None;
        }
        acts.push(a.clone());
        if rng.gen_bool(0.1) {
            // A second copy of the same id, as a later poll may carry.
            a.status = statuses[rng.gen_range(0..statuses.len())];
            a.updated = Some(t(done + rng.gen_range(-5..5)));
            acts.push(a);
        }
    }
    acts
}

#[test]
fn the_derivation_and_the_grid_record_over_the_kept_actions_equal_those_over_all() {
    let machine: mde_api::Machine = serde_json::from_value(serde_json::json!({
        "id": "ab12000000000000000000000000000000000001",
        "computerDnsName": "ws-0001.contoso.local",
        "healthStatus": "Inactive",
        "lastSeen": "2026-11-26T23:00:00Z"
    }))
    .unwrap();
    let live = Liveness {
        health: Some("Inactive".into()),
        last_full_report: Some(t(-60)),
    };
    let mut rng = StdRng::seed_from_u64(15);
    let mut dropped = 0;
    for case in 0..5_000 {
        let all = random_history(&mut rng);
        let horizon = Some(t(rng.gen_range(0..1_000)));
        let f = from(&all);
        let some: Vec<IsolationAction> = all
            .iter()
            .filter(|a| keep(Stamp::from(*a), f, horizon))
            .cloned()
            .collect();
        dropped += all.len() - some.len();
        for now in [t(0), t(300), t(700), t(5_000)] {
            for minutes in [1, 30, 600] {
                let th = Thresholds {
                    release_stuck_after: Duration::minutes(minutes),
                };
                assert_eq!(
                    derive(&some, &live, now, th),
                    derive(&all, &live, now, th),
                    "case {case}: {all:#?}"
                );
            }
        }
        assert_eq!(
            crate::fleet::grid_record::record(&machine, &some),
            crate::fleet::grid_record::record(&machine, &all),
            "case {case}"
        );
    }
    // The property is not vacuous: actions were dropped.
    assert!(dropped > 1_000, "{dropped}");
}

#[test]
fn a_wire_actions_stamp_maps_its_status_as_the_derivation_does() {
    for (status, kind) in [
        ("Pending", "Isolate"),
        ("InProgress", "Unisolate"),
        ("Succeeded", "Isolate"),
        ("Failed", "Unisolate"),
        ("TimeOut", "Isolate"),
        ("Cancelled", "Unisolate"),
        ("SomethingNew", "Isolate"),
    ] {
        let a: mde_api::MachineAction = serde_json::from_value(serde_json::json!({
            "id": "x", "type": kind, "status": status,
            "machineId": "ab12000000000000000000000000000000000001",
            "creationDateTimeUtc": "2026-11-27T00:00:00Z",
            "lastUpdateDateTimeUtc": "2026-11-27T00:05:00Z",
        }))
        .unwrap();
        let ia = crate::fleet::view::isolation_action(&a).unwrap();
        assert_eq!(stamp(&a), Some(Stamp::from(&ia)), "{status}");
    }
    let other: mde_api::MachineAction = serde_json::from_value(serde_json::json!({
        "id": "y", "type": "RunAntiVirusScan", "status": "Succeeded",
        "creationDateTimeUtc": "2026-11-27T00:00:00Z",
    }))
    .unwrap();
    assert_eq!(stamp(&other), None);
}
