//! Table tests of reconciliation: every cause and next step, superseded work, the
//! journal's in-progress and tries, R-7 (no blind reissue while pending), sorting,
//! and the auto-reconcile candidates.
#![allow(clippy::unwrap_used)]

use chrono::TimeZone;
use serde_json::json;

use super::*;

const M1: &str = "1111111111111111111111111111111111111111";
const M2: &str = "2222222222222222222222222222222222222222";
const M3: &str = "3333333333333333333333333333333333333333";

/// Minutes after the base time.
fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap() + Duration::minutes(min)
}

const H: i64 = 60;
const D: i64 = 24 * 60;

fn machine(id: &str, health: &str, last_seen: Option<i64>) -> Machine {
    serde_json::from_value(json!({
        "id": id,
        "computerDnsName": format!("ws-{}.contoso.local", &id[..4]),
        "healthStatus": health,
        "lastSeen": last_seen.map(|m| rfc3339(t(m))),
    }))
    .unwrap()
}

struct A {
    id: &'static str,
    kind: &'static str,
    status: &'static str,
    created: i64,
    updated: Option<i64>,
}

fn a(id: &'static str, kind: &'static str, status: &'static str, created: i64) -> A {
    A {
        id,
        kind,
        status,
        created,
        updated: None,
    }
}

fn ended(mut x: A, at: i64) -> A {
    x.updated = Some(at);
    x
}

fn wire(m: &str, x: &A) -> MachineAction {
    serde_json::from_value(json!({
        "id": x.id,
        "type": x.kind,
        "status": x.status,
        "machineId": m,
        "requestor": if x.kind == "Isolate" { "automation-app" } else { "bob@contoso.example" },
        "requestorComment": format!("comment {}", x.id),
        "creationDateTimeUtc": rfc3339(t(x.created)),
        "lastUpdateDateTimeUtc": x.updated.map(|u| rfc3339(t(u))),
        "cancellationRequestor": (x.status == "Cancelled").then_some("carol@contoso.example"),
        "cancellationComment": (x.status == "Cancelled").then_some("not now"),
        "errorHResult": if x.status == "Failed" { -2147467259_i64 } else { 0 },
    }))
    .unwrap()
}

fn entry(job: &str, kind: JobKind, state: ItemState, source: &str, at: i64) -> JournalEntry {
    JournalEntry {
        job_id: job.into(),
        kind,
        machine_id: M1.into(),
        state,
        action_id: None,
        attempts: 1,
        source: Some(source.into()),
        created_at: t(at),
        updated_at: t(at),
        not_before: None,
    }
}

/// The isolation every release case starts from: succeeded at minute 5.
fn iso() -> A {
    ended(a("iso", "Isolate", "Succeeded", 0), 5)
}

struct Case {
    name: &'static str,
    health: &'static str,
    last_seen: Option<i64>,
    actions: Vec<A>,
    journal: Vec<JournalEntry>,
    auto: bool,
    now: i64,
    /// (kind, action, cause, next step), or no row.
    want: Option<(JobKind, &'static str, StuckCause, NextStep)>,
    cause_has: &'static [&'static str],
    next_has: &'static [&'static str],
    tries: u32,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        health: "Active",
        last_seen: Some(0),
        actions: vec![iso()],
        journal: vec![],
        auto: true,
        now: 10 * D,
        want: None,
        cause_has: &[],
        next_has: &[],
        tries: 0,
    }
}

use JobKind::{Isolate as KI, Release as KR};
use NextStep as N;
use StuckCause as C;

fn cases() -> Vec<Case> {
    let rel = 10 * D;
    vec![
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "Pending", rel)],
            last_seen: Some(rel - 9 * H),
            now: rel + 5 * H,
            want: Some((KR, "rel", C::Offline, N::WaitForDevice)),
            cause_has: &[
                "Release pending 5 h; device Active, last full report 14 h ago: Defender delivers it when the device next connects (up to 3 days)",
            ],
            next_has: &["nothing is resent while it is pending", "until 2026-12-03"],
            ..case("pending, not reported since: offline, wait")
        },
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "Pending", rel)],
            now: rel + 10,
            ..case("pending 10 min: releasing, no row")
        },
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "Pending", rel)],
            last_seen: Some(rel + H),
            now: rel + 2 * H,
            want: Some((KR, "rel", C::PendingTooLong, N::CancelAndResubmit)),
            cause_has: &["Release pending 2 h although the device reported since"],
            next_has: &["Cancel and resubmit"],
            ..case("pending while reporting: cancel and resubmit")
        },
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "InProgress", rel)],
            health: "ImpairedCommunication",
            last_seen: Some(rel + H),
            now: rel + 2 * H,
            want: Some((KR, "rel", C::Offline, N::WaitForDevice)),
            cause_has: &["Release in progress 2 h; device ImpairedCommunication"],
            ..case("impaired communication counts as offline")
        },
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "Pending", rel)],
            health: "Inactive",
            last_seen: Some(rel - 9 * D),
            now: rel + 3 * H,
            want: Some((KR, "rel", C::Offline, N::WaitForDevice)),
            cause_has: &[
                "device Inactive for 9 days",
                "resubmitting will not help until it returns",
            ],
            next_has: &["Wait for the device to return"],
            ..case("inactive device: resubmitting will not help")
        },
        Case {
            actions: vec![iso(), a("rel", "Unisolate", "Pending", rel)],
            last_seen: Some(rel - H),
            now: rel + 80 * H,
            want: Some((KR, "rel", C::Offline, N::WaitForDevice)),
            next_has: &["Pending past Defender's 3 days", "nothing is resent"],
            ..case("R-7: still pending after 72 h is never reissued blindly")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            last_seen: Some(rel - H),
            now: rel + 73 * H,
            want: Some((KR, "rel", C::TimedOut, N::AutoResubmit)),
            cause_has: &[
                "Release timed out — reissue needed: Defender gave up at 2026-12-03 00:00 UTC after 3 d 0 h pending",
            ],
            next_has: &["Cordon resubmits when the device is seen again (try 1 of 3)"],
            ..case("timed out, not seen: auto-reconcile waits for the device")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            last_seen: Some(rel + 75 * H),
            now: rel + 76 * H,
            want: Some((KR, "rel", C::TimedOut, N::AutoResubmit)),
            next_has: &["Cordon resubmits at the next sync", "(try 1 of 3)"],
            ..case("timed out, seen again: auto-reconcile resubmits now")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            auto: false,
            now: rel + 73 * H,
            want: Some((KR, "rel", C::TimedOut, N::Resubmit)),
            next_has: &["Resubmit"],
            ..case("timed out, auto-reconcile off: resubmit")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
                ended(a("r2", "Unisolate", "TimeOut", rel + 80 * H), rel + 152 * H),
            ],
            journal: vec![
                entry("j1", KR, ItemState::Done, "auto-reconcile", rel + 80 * H),
                entry("j2", KR, ItemState::Done, "auto-reconcile", rel + 160 * H),
                entry("j3", KR, ItemState::Failed, "reconcile", rel + 170 * H),
                entry("jx", KR, ItemState::Cancelled, "reconcile", rel + 171 * H),
                entry("j0", KR, ItemState::Done, "auto-reconcile", -H),
            ],
            now: rel + 200 * H,
            want: Some((KR, "r2", C::TimedOut, N::NeedsPerson)),
            next_has: &["Auto-reconcile used its tries (3 of 3): a person decides"],
            tries: 3,
            ..case("timed out after 3 tries: a person decides")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            journal: vec![entry(
                "abcdef1234567",
                KR,
                ItemState::Sending,
                "auto-reconcile",
                rel + 73 * H,
            )],
            now: rel + 74 * H,
            want: Some((KR, "rel", C::TimedOut, N::InProgress)),
            next_has: &["In progress (job abcdef12)"],
            tries: 1,
            ..case("a resubmission under way: in progress")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            journal: vec![JournalEntry {
                action_id: Some("not-synced-yet".into()),
                ..entry("j9", KR, ItemState::Done, "reconcile", rel + 73 * H)
            }],
            now: rel + 74 * H,
            want: Some((KR, "rel", C::TimedOut, N::InProgress)),
            tries: 1,
            ..case("resubmitted, new action not synced yet: in progress")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            journal: vec![JournalEntry {
                action_id: Some("purged-long-ago".into()),
                ..entry("j8", KR, ItemState::Done, "batch:x", rel - 30 * D)
            }],
            now: rel + 74 * H,
            want: Some((KR, "rel", C::TimedOut, N::AutoResubmit)),
            ..case("a done item far older than the stuck action: nothing under way")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
            ],
            journal: vec![JournalEntry {
                action_id: Some("rel".into()),
                ..entry("j9", KR, ItemState::Adopted, "batch:x", rel)
            }],
            now: rel + 74 * H,
            want: Some((KR, "rel", C::TimedOut, N::AutoResubmit)),
            ..case("the item that created the stuck action: nothing under way")
        },
        Case {
            actions: vec![iso(), ended(a("rel", "Unisolate", "Failed", rel), rel + 20)],
            now: rel + H,
            want: Some((KR, "rel", C::Failed, N::Resubmit)),
            cause_has: &["Release failed at", "(error 0x80004005)", "resubmit needed"],
            ..case("failed release: resubmit")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "Cancelled", rel), rel + 20),
            ],
            now: rel + H,
            want: Some((KR, "rel", C::Cancelled, N::Resubmit)),
            cause_has: &["cancelled by carol@contoso.example", "(“not now”)"],
            ..case("cancelled release: resubmit")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
                ended(
                    a("r2", "Unisolate", "Succeeded", rel + 80 * H),
                    rel + 81 * H,
                ),
            ],
            now: rel + 90 * H,
            ..case("a later successful release: nothing stuck")
        },
        Case {
            actions: vec![
                iso(),
                ended(a("rel", "Unisolate", "TimeOut", rel), rel + 72 * H),
                ended(
                    a("iso2", "Isolate", "Succeeded", rel + 80 * H),
                    rel + 81 * H,
                ),
            ],
            now: rel + 90 * H,
            ..case("re-isolated after the timeout: no row")
        },
        Case {
            actions: vec![
                iso(),
                a("rel", "Unisolate", "Pending", rel),
                a("iso2", "Isolate", "Pending", rel + 2 * H),
            ],
            now: rel + 3 * H,
            want: Some((KR, "rel", C::Superseded, N::Nothing)),
            cause_has: &["is superseded by a newer isolation requested"],
            ..case("pending release superseded by a newer isolation")
        },
        Case {
            actions: vec![ended(a("iso", "Isolate", "TimeOut", 0), 72 * H)],
            now: 80 * H,
            want: Some((KI, "iso", C::TimedOut, N::Resubmit)),
            cause_has: &["Isolation timed out — reissue needed"],
            ..case("timed-out isolation: resubmit, never automatic")
        },
        Case {
            actions: vec![a("iso", "Isolate", "Pending", 0)],
            last_seen: Some(-H),
            now: 2 * H,
            want: Some((KI, "iso", C::Offline, N::WaitForDevice)),
            cause_has: &["Isolation pending 2 h"],
            ..case("isolation pending on an offline device")
        },
        Case {
            actions: vec![a("iso", "Isolate", "Pending", 0)],
            now: 20,
            ..case("young isolation: no row")
        },
        Case {
            actions: vec![ended(a("iso", "Isolate", "Cancelled", 0), 30)],
            now: 2 * H,
            ..case("cancelled isolation: a decision, no row")
        },
        Case {
            actions: vec![
                ended(a("iso", "Isolate", "Failed", 0), 30),
                a("rel", "Unisolate", "Pending", H),
            ],
            now: 2 * H,
            want: Some((KI, "iso", C::Superseded, N::Nothing)),
            ..case("failed isolation superseded by a release")
        },
        Case {
            actions: vec![],
            ..case("never isolated: no row")
        },
    ]
}

#[test]
fn reconciliation_table() {
    for c in cases() {
        let m = machine(M1, c.health, c.last_seen);
        let acts: Vec<MachineAction> = c.actions.iter().map(|x| wire(M1, x)).collect();
        let settings = ReconcileSettings {
            auto_reconcile: c.auto,
            ..ReconcileSettings::default()
        };
        let out = rows(&[m], &acts, &c.journal, t(c.now), &settings);
        let Some((kind, action, cause, next)) = c.want else {
            assert!(out.is_empty(), "{}: {out:#?}", c.name);
            continue;
        };
        assert_eq!(out.len(), 1, "{}: {out:#?}", c.name);
        let r = &out[0];
        assert_eq!(
            (r.kind, r.action_id.as_str(), r.cause, r.next_step),
            (kind, action, cause, next),
            "{}: {}",
            c.name,
            r.cause_text
        );
        for s in c.cause_has {
            assert!(r.cause_text.contains(s), "{}: {:?}", c.name, r.cause_text);
        }
        for s in c.next_has {
            assert!(r.next_text.contains(s), "{}: {:?}", c.name, r.next_text);
        }
        assert_eq!(r.tries, c.tries, "{}", c.name);
        assert_eq!(r.machine_id, M1);
        assert_eq!(r.machine_name, "ws-1111.contoso.local");
        assert_eq!(r.health, c.health);
    }
}

#[test]
fn rows_state_times_and_the_72_hour_deadline() {
    let m = machine(M1, "Active", Some(0));
    let acts = vec![
        wire(M1, &iso()),
        wire(M1, &a("rel", "Unisolate", "Pending", D)),
    ];
    let r = &rows(
        &[m],
        &acts,
        &[],
        t(D + 2 * H),
        &ReconcileSettings::default(),
    )[0];
    assert_eq!(r.requested_at, "2026-11-21T00:00:00Z");
    assert_eq!(r.ended_at, None);
    assert_eq!(r.next_at.as_deref(), Some("2026-11-24T00:00:00Z"));
    assert_eq!(r.last_seen.as_deref(), Some("2026-11-20T00:00:00Z"));
    assert_eq!(r.requestor, "bob@contoso.example");
    assert_eq!(r.comment, "comment rel");
}

#[test]
fn the_stuck_threshold_is_the_setting() {
    let m = machine(M1, "Active", Some(0));
    let acts = vec![
        wire(M1, &iso()),
        wire(M1, &a("rel", "Unisolate", "Pending", D)),
    ];
    let s = ReconcileSettings {
        stuck_after_minutes: 120,
        ..ReconcileSettings::default()
    };
    assert!(rows(std::slice::from_ref(&m), &acts, &[], t(D + 90), &s).is_empty());
    assert_eq!(rows(&[m], &acts, &[], t(D + 121), &s).len(), 1);
}

#[test]
fn rows_are_sorted_by_cause_then_age() {
    let ms = [
        machine(M1, "Active", Some(0)),
        machine(M2, "Active", Some(0)),
        machine(M3, "Active", Some(0)),
    ];
    let mut acts = Vec::new();
    for m in [M1, M2, M3] {
        acts.push(wire(m, &iso()));
    }
    acts.push(wire(
        M1,
        &ended(a("t1", "Unisolate", "TimeOut", D), D + 72 * H),
    ));
    acts.push(wire(M2, &a("p2", "Unisolate", "Pending", 5 * D)));
    acts.push(wire(M3, &a("p3", "Unisolate", "Pending", 4 * D)));
    let out = rows(
        &ms,
        &acts,
        &[],
        t(5 * D + 3 * H),
        &ReconcileSettings::default(),
    );
    let order: Vec<&str> = out.iter().map(|r| r.action_id.as_str()).collect();
    assert_eq!(order, ["p3", "p2", "t1"]);
}

#[test]
fn auto_candidates_are_seen_timed_out_releases_with_tries_left() {
    let rel = 2 * D;
    let timed_out = |m: &str| {
        vec![
            wire(m, &iso()),
            wire(m, &ended(a("x", "Unisolate", "TimeOut", rel), rel + 72 * H)),
        ]
    };
    let now = t(rel + 80 * H);
    let seen = Some(rel + 79 * H);
    let not_seen = Some(rel - H);
    let run = |last_seen: Option<i64>, journal: Vec<JournalEntry>, s: ReconcileSettings| {
        let m = machine(M1, "Active", last_seen);
        let r = rows(std::slice::from_ref(&m), &timed_out(M1), &journal, now, &s);
        auto_candidates(&r, &[m], &journal, &s)
    };
    let on = ReconcileSettings::default();
    assert_eq!(run(seen, vec![], on), vec![M1.to_string()]);
    assert!(run(not_seen, vec![], on).is_empty(), "not seen again");
    let off = ReconcileSettings {
        auto_reconcile: false,
        ..on
    };
    assert!(run(seen, vec![], off).is_empty(), "auto-reconcile off");
    let busy = vec![entry(
        "j",
        KR,
        ItemState::Planned,
        "auto-reconcile",
        rel + 79 * H,
    )];
    assert!(run(seen, busy, on).is_empty(), "already under way");
    let used = (0..3)
        .map(|k| entry("j", KR, ItemState::Done, "auto-reconcile", rel + k))
        .collect();
    assert!(run(seen, used, on).is_empty(), "tries used");
    let two = (0..2)
        .map(|k| entry("j", KR, ItemState::Done, "auto-reconcile", rel + k))
        .collect();
    assert_eq!(run(seen, two, on), vec![M1.to_string()], "a try left");
    let foreign = vec![entry("j", KR, ItemState::Done, "batch:abc", rel + 1)];
    assert_eq!(
        run(seen, foreign, on),
        vec![M1.to_string()],
        "a person's batch is not a resubmission"
    );

    // A timed-out isolation is never resubmitted automatically.
    let m = machine(M1, "Active", seen);
    let acts = vec![wire(
        M1,
        &ended(a("i", "Isolate", "TimeOut", rel), rel + 72 * H),
    )];
    let r = rows(std::slice::from_ref(&m), &acts, &[], now, &on);
    assert_eq!(r.len(), 1);
    assert!(auto_candidates(&r, &[m], &[], &on).is_empty());
}
