//! The team's rows on every engine: a claim under a lease, the check before the POST,
//! takeovers only after a lease ends, whose token may send a job, named leases with
//! their ranks, heartbeats and a clean leave.

use std::sync::Arc;

use chrono::Duration;
use cordon_core::dto::jobs::{ItemState, JobKind};
use cordon_core::store::{NewJob, Store, Transition};
use cordon_core::team::lease::{Bid, ItemTake, ProcessRow};
use cordon_core::team::{AUTOMATION, AUTOMATION_LEASE, Claimant, ProcessKind, SYNC_LEASE};

use super::{Fixture, events, machine, new_items, new_job, t};

fn claimant(owner: &str, oid: Option<&str>, until: i64) -> Claimant {
    Claimant {
        owner: owner.into(),
        oid: oid.map(str::to_owned),
        until: t(until),
    }
}

fn job_sent_as(id: &str, sender: Option<&str>) -> NewJob {
    NewJob {
        sender: sender.map(str::to_owned),
        ..new_job(id, JobKind::Isolate, None)
    }
}

fn bid(owner: &str, kind: ProcessKind, until: i64) -> Bid {
    Bid {
        owner: owner.into(),
        kind,
        label: format!("{} {owner}", kind.as_str()),
        until: t(until),
    }
}

pub fn a_claim_leases_the_item_and_only_its_holder_may_post(store: &Store) {
    store
        .create_job(&job_sent_as("job-l", None), &new_items(&["a"]), t(0))
        .unwrap();
    let a = machine("a");
    assert!(
        store
            .claim("job-l", &a, &claimant("p1", None, 2), t(0), t(0))
            .unwrap()
    );
    let item = store.item("job-l", &a).unwrap().unwrap();
    assert_eq!(
        (item.lease_owner.as_deref(), item.lease_until),
        (Some("p1"), Some(t(2)))
    );
    // Checked right before the POST: the holder within its lease only.
    assert!(store.holds_item("job-l", &a, "p1", t(1)).unwrap());
    assert!(!store.holds_item("job-l", &a, "p2", t(1)).unwrap());
    assert!(
        !store.holds_item("job-l", &a, "p1", t(2)).unwrap(),
        "a laptop that slept past its lease sends nothing"
    );
    // Another process waits while the lease holds …
    assert_eq!(
        store
            .take_item("job-l", &a, &claimant("p2", None, 10), None, t(1))
            .unwrap(),
        ItemTake::Held {
            owner: "p1".into(),
            until: t(2)
        }
    );
    assert_eq!(
        store.item("job-l", &a).unwrap().unwrap().state,
        ItemState::Sending
    );
    // … and takes it once the lease ended: `unknown`, audited, to be looked up.
    assert_eq!(
        store
            .take_item("job-l", &a, &claimant("p2", None, 10), None, t(3))
            .unwrap(),
        ItemTake::Taken {
            from: Some("p1".into())
        }
    );
    let item = store.item("job-l", &a).unwrap().unwrap();
    assert_eq!(item.state, ItemState::Unknown);
    assert_eq!(item.lease_owner.as_deref(), Some("p2"));
    assert_eq!(
        events(store).last().map(String::as_str),
        Some("item.unknown")
    );
    // The old holder's late answer changes nothing now (it moves from `sending`).
    let late = Transition::new(ItemState::Done, "late answer");
    assert_eq!(
        store
            .transition("job-l", &a, ItemState::Sending, &late, t(4))
            .unwrap(),
        None
    );
    // The new holder renews its own lease without a new audit row.
    let n = events(store).len();
    assert_eq!(
        store
            .take_item("job-l", &a, &claimant("p2", None, 20), None, t(5))
            .unwrap(),
        ItemTake::Taken { from: None }
    );
    assert_eq!(events(store).len(), n);
    assert_eq!(
        store.item("job-l", &a).unwrap().unwrap().lease_until,
        Some(t(20))
    );
}

pub fn an_ended_process_loses_its_items_at_once(store: &Store) {
    store
        .create_job(&job_sent_as("job-d", None), &new_items(&["a", "b"]), t(0))
        .unwrap();
    let (a, b) = (machine("a"), machine("b"));
    assert!(
        store
            .claim("job-d", &a, &claimant("dead", None, 60), t(0), t(0))
            .unwrap()
    );
    assert!(
        store
            .claim("job-d", &b, &claimant("dead", None, 60), t(0), t(0))
            .unwrap()
    );
    // Its process has ended (the caller knows): taken before the lease expires.
    assert_eq!(
        store
            .take_item("job-d", &a, &claimant("p2", None, 10), Some("dead"), t(1))
            .unwrap(),
        ItemTake::Taken {
            from: Some("dead".into())
        }
    );
    let mut details = Vec::new();
    store
        .audit_each(&Default::default(), None, None, &mut |e| {
            details.push(e.detail);
            Ok(())
        })
        .unwrap();
    assert_eq!(
        details.last().map(String::as_str),
        Some(
            "taken over from dead (its process has ended): looking the action up before any resend"
        )
    );
    // A clean leave ends the leaver's item leases now.
    store.leave("dead", t(2)).unwrap();
    assert_eq!(
        store
            .take_item("job-d", &b, &claimant("p3", None, 10), None, t(2))
            .unwrap(),
        ItemTake::Taken {
            from: Some("dead".into())
        }
    );
    // Nothing to take in a terminal or planned item.
    assert_eq!(
        store
            .take_item(
                "job-d",
                &machine("zz"),
                &claimant("p3", None, 10),
                None,
                t(2)
            )
            .unwrap(),
        ItemTake::Closed
    );
}

pub fn a_job_is_sent_only_by_its_principal_or_the_automations_leader(store: &Store) {
    store
        .create_job(
            &job_sent_as("job-p", Some("oid-alice")),
            &new_items(&["a"]),
            t(0),
        )
        .unwrap();
    store
        .create_job(
            &job_sent_as("job-r", Some(AUTOMATION)),
            &new_items(&["b"]),
            t(0),
        )
        .unwrap();
    let (a, b) = (machine("a"), machine("b"));
    // Whether `owner` (principal `oid`, its lease until t(5)) wins `item` of `job` at t(at).
    let claims = |job: &str, item: &_, owner: &str, oid: Option<&str>, at: i64| {
        store
            .claim(job, item, &claimant(owner, oid, 5), t(at), t(at))
            .unwrap()
    };
    // A person's job: the agent (another principal) may not send it, nor a process
    // that does not know its principal yet; Alice's may.
    assert!(!claims("job-p", &a, "agent", Some("oid-app"), 0));
    assert!(!claims("job-p", &a, "desk", None, 0));
    assert!(claims("job-p", &a, "desk", Some("oid-alice"), 0));
    // The automation's job: only the holder of its lease, while it holds.
    assert!(!claims("job-r", &b, "agent", Some("oid-app"), 0));
    let won = store
        .take_lease(
            AUTOMATION_LEASE,
            &bid("agent", ProcessKind::Agent, 2),
            None,
            t(0),
        )
        .unwrap();
    assert_eq!(won.owner, "agent");
    assert!(!claims("job-r", &b, "other", Some("oid-app"), 1));
    assert!(!claims("job-r", &b, "agent", Some("oid-app"), 2), "expired");
    assert!(claims("job-r", &b, "agent", Some("oid-app"), 1));
}

pub fn named_leases_rank_agents_first_and_expire(store: &Store) {
    use ProcessKind::*;
    let won = |owner: &str, kind, until, now| {
        store
            .take_lease(SYNC_LEASE, &bid(owner, kind, until), None, t(now))
            .unwrap()
            .owner
    };
    assert_eq!(won("desk", Desktop, 2, 0), "desk");
    assert_eq!(
        won("cli", Cli, 2, 1),
        "desk",
        "a CLI does not take it from a desktop"
    );
    assert_eq!(won("desk", Desktop, 4, 1), "desk", "renewed");
    assert_eq!(
        won("agent-1", Agent, 10, 2),
        "agent-1",
        "an agent takes it at once"
    );
    assert_eq!(
        won("agent-2", Agent, 12, 3),
        "agent-1",
        "a second agent waits"
    );
    assert_eq!(
        won("agent-2", Agent, 20, 10),
        "agent-2",
        "… until the lease ends"
    );
    let leases = store.leases().unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!((leases[0].until, leases[0].taken_at), (t(20), t(10)));
    store.release_lease(SYNC_LEASE, "agent-1").unwrap();
    assert_eq!(store.leases().unwrap().len(), 1, "only the holder releases");
    store.release_lease(SYNC_LEASE, "agent-2").unwrap();
    assert!(store.leases().unwrap().is_empty());
}

pub fn heartbeats_are_kept_and_a_leave_removes_them(store: &Store) {
    let beat = |owner: &str, kind, seen| ProcessRow {
        owner: owner.into(),
        kind,
        label: format!("{} {owner}", kind.as_str()),
        host: "host-1".into(),
        oid: Some("oid".into()),
        app_id: Some("app".into()),
        started_at: t(0),
        seen_at: t(seen),
    };
    store.heartbeat(&beat("a1", ProcessKind::Agent, 1)).unwrap();
    store
        .heartbeat(&beat("d1", ProcessKind::Desktop, 2))
        .unwrap();
    store.heartbeat(&beat("a1", ProcessKind::Agent, 5)).unwrap();
    let seen = store.processes(t(0)).unwrap();
    assert_eq!(
        seen,
        vec![
            beat("a1", ProcessKind::Agent, 5),
            beat("d1", ProcessKind::Desktop, 2)
        ]
    );
    assert_eq!(store.processes(t(3)).unwrap().len(), 1);
    store
        .take_lease(
            AUTOMATION_LEASE,
            &bid("a1", ProcessKind::Agent, 10),
            None,
            t(5),
        )
        .unwrap();
    store.leave("a1", t(6)).unwrap();
    assert_eq!(
        store.processes(t(0)).unwrap(),
        vec![beat("d1", ProcessKind::Desktop, 2)]
    );
    assert!(store.leases().unwrap().is_empty());
}

/// Two handles bidding for one lease at once agree on one winner, every round.
pub fn two_handles_bidding_at_once_agree_on_one_leader(f: &Fixture) {
    let (a, b) = (Arc::new(f.open_again()), Arc::new(f.open_again()));
    for round in 0..20 {
        let name = format!("race-{round}");
        let winners = super::races::race(Arc::clone(&a), Arc::clone(&b), move |store, who| {
            let owner = format!("p{who}");
            store
                .take_lease(&name, &bid(&owner, ProcessKind::Agent, 10), None, t(0))
                .unwrap()
                .owner
        });
        assert_eq!(winners[0], winners[1], "both read the same leader");
    }
    let _ = Duration::zero();
}
