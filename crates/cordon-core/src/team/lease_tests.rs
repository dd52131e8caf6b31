//! Table tests of the team's pure rules.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::lease::*;
use super::status::describe;
use crate::dto::jobs::{ItemState, JobKind, JobState};
use crate::store::{ItemRow, JobRow};

fn t(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .expect("time")
        + Duration::seconds(s)
}

fn job(sender: Option<&str>) -> JobRow {
    JobRow {
        id: "j".into(),
        kind: JobKind::Isolate,
        state: JobState::Running,
        comment: "c".into(),
        isolation_type: None,
        requested_by: "someone".into(),
        source: None,
        created_at: t(0),
        updated_at: t(0),
        error: None,
        sender: sender.map(str::to_owned),
    }
}

fn item(state: ItemState, owner: Option<&str>, until: Option<i64>) -> ItemRow {
    ItemRow {
        job_id: "j".into(),
        seq: 0,
        machine_id: "m".into(),
        machine_name: None,
        state,
        action_id: None,
        action_status: None,
        attempts: 1,
        misses: 0,
        error: None,
        intent_at: Some(t(0)),
        not_before: None,
        created_at: t(0),
        updated_at: t(0),
        lease_owner: owner.map(str::to_owned),
        lease_until: until.map(t),
    }
}

fn me(oid: Option<&str>) -> Claimant {
    Claimant {
        owner: "me".into(),
        oid: oid.map(str::to_owned),
        until: t(120),
    }
}

fn lease(name: &str, owner: &str, kind: ProcessKind, until: i64) -> LeaseRow {
    LeaseRow {
        name: name.into(),
        owner: owner.into(),
        kind,
        label: format!("{} {owner}", kind.as_str()),
        until: t(until),
        taken_at: t(-600),
    }
}

#[test]
fn who_may_send_a_job() {
    let mine = lease(AUTOMATION_LEASE, "me", ProcessKind::Agent, 60);
    let theirs = lease(AUTOMATION_LEASE, "other", ProcessKind::Agent, 60);
    let expired = lease(AUTOMATION_LEASE, "me", ProcessKind::Agent, -1);
    type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a LeaseRow>, bool);
    let cases: [Case<'_>; 9] = [
        // sender, my oid, automation lease, may send
        (None, None, None, true),
        (None, Some("alice"), None, true),
        (Some("alice"), Some("alice"), None, true),
        (Some("alice"), Some("bob"), None, false),
        (Some("alice"), None, None, false),
        (Some(AUTOMATION), Some("app"), Some(&mine), true),
        (Some(AUTOMATION), Some("app"), Some(&theirs), false),
        (Some(AUTOMATION), Some("app"), Some(&expired), false),
        (Some(AUTOMATION), Some("app"), None, false),
    ];
    for (sender, oid, auto, want) in cases {
        assert_eq!(
            may_send(&job(sender), &me(oid), auto, t(0)),
            want,
            "sender {sender:?}, oid {oid:?}, lease {auto:?}"
        );
    }
}

#[test]
fn a_job_says_who_sends_it() {
    assert_eq!(sent_by(&job(None)), None);
    assert_eq!(
        sent_by(&job(Some("oid-alice"))).as_deref(),
        Some("someone's Cordon")
    );
    assert_eq!(
        sent_by(&job(Some(AUTOMATION))).as_deref(),
        Some("the agent that runs the automation")
    );
}

#[test]
fn who_may_take_an_item_left_sending_or_unknown() {
    use ItemState::*;
    let taken = |from: Option<&str>| ItemTake::Taken {
        from: from.map(str::to_owned),
    };
    let held = ItemTake::Held {
        owner: "other".into(),
        until: t(30),
    };
    let cases = [
        // state, lease owner, lease until, dead, expected
        (Sending, None, None, None, taken(None)),
        (Unknown, Some("me"), Some(30), None, taken(None)),
        (Sending, Some("other"), Some(30), None, held.clone()),
        (Unknown, Some("other"), Some(30), None, held),
        (Sending, Some("other"), Some(0), None, taken(Some("other"))),
        (Sending, Some("other"), Some(-5), None, taken(Some("other"))),
        (
            Sending,
            Some("other"),
            Some(30),
            Some("other"),
            taken(Some("other")),
        ),
        (
            Sending,
            Some("other"),
            Some(30),
            Some("third"),
            ItemTake::Held {
                owner: "other".into(),
                until: t(30),
            },
        ),
        (Sending, Some("other"), None, None, taken(Some("other"))),
        (Planned, None, None, None, ItemTake::Closed),
        (Done, Some("other"), Some(30), None, ItemTake::Closed),
    ];
    for (state, owner, until, dead, want) in cases {
        assert_eq!(
            take_item(&item(state, owner, until), &me(None), dead, t(0)),
            want,
            "{state:?} owner {owner:?} until {until:?} dead {dead:?}"
        );
    }
}

#[test]
fn a_claim_holds_only_while_sending_under_its_own_unexpired_lease() {
    use ItemState::*;
    let cases = [
        (Sending, Some("me"), Some(10), true),
        (Sending, Some("me"), Some(0), false),
        (Sending, Some("other"), Some(10), false),
        (Unknown, Some("me"), Some(10), false),
        (Sending, None, None, false),
    ];
    for (state, owner, until, want) in cases {
        assert_eq!(
            holds(&item(state, owner, until), "me", t(0)),
            want,
            "{state:?} {owner:?} {until:?}"
        );
    }
}

#[test]
fn a_bid_wins_a_free_expired_own_or_lower_ranked_lease() {
    use ProcessKind::*;
    let b = |kind| Bid {
        owner: "me".into(),
        kind,
        label: "me".into(),
        until: t(120),
    };
    let cases = [
        // current, bidder kind, winner, taken_at
        (None, Desktop, "me", t(0)),
        (
            Some(lease("sync", "me", Desktop, 50)),
            Desktop,
            "me",
            t(-600),
        ),
        (
            Some(lease("sync", "other", Agent, 50)),
            Agent,
            "other",
            t(-600),
        ),
        (
            Some(lease("sync", "other", Agent, 50)),
            Desktop,
            "other",
            t(-600),
        ),
        (Some(lease("sync", "other", Agent, 0)), Desktop, "me", t(0)),
        (Some(lease("sync", "other", Desktop, 50)), Agent, "me", t(0)),
        (Some(lease("sync", "other", Cli, 50)), Desktop, "me", t(0)),
        (
            Some(lease("sync", "other", Desktop, 50)),
            Cli,
            "other",
            t(-600),
        ),
    ];
    for (current, kind, winner, taken_at) in cases {
        let after = bid(current.as_ref(), "sync", &b(kind), None, t(0));
        assert_eq!(after.owner, winner, "{current:?} bid by {kind:?}");
        assert_eq!(after.taken_at, taken_at, "{current:?} bid by {kind:?}");
        if winner == "me" {
            assert_eq!((after.until, after.kind), (t(120), kind));
        }
    }
    // A holder whose process has ended loses the lease at once, whatever its rank.
    let agent = lease("sync", "other", Agent, 50);
    assert_eq!(
        bid(Some(&agent), "sync", &b(Cli), Some("other"), t(0)).owner,
        "me"
    );
    assert_eq!(
        bid(Some(&agent), "sync", &b(Cli), Some("third"), t(0)).owner,
        "other"
    );
}

fn process(owner: &str, kind: ProcessKind, seen: i64) -> ProcessRow {
    ProcessRow {
        owner: owner.into(),
        kind,
        label: format!("{} {owner}", kind.as_str()),
        host: "h".into(),
        oid: None,
        app_id: None,
        started_at: t(-3600),
        seen_at: t(seen),
    }
}

#[test]
fn the_team_status_names_the_automations_leader_and_warns_without_an_agent() {
    use ProcessKind::*;
    let agent = process("a1", Agent, -20);
    let desk = process("me", Desktop, -5);
    let leases = [
        lease(AUTOMATION_LEASE, "a1", Agent, 60),
        lease(SYNC_LEASE, "a1", Agent, 60),
    ];
    let s = describe(
        true,
        "db:5432/cordon",
        &[agent.clone(), desk.clone()],
        &leases,
        Some(t(-120)),
        "me",
        t(0),
    );
    assert_eq!(
        s.summary,
        "Automation runs on agent a1, last round 2 min ago."
    );
    assert_eq!(s.automation_leader.as_deref(), Some("agent a1"));
    assert_eq!(s.warning, None);
    assert_eq!(s.processes.len(), 2);
    assert_eq!(
        s.processes[0].leads,
        vec!["automation".to_owned(), "sync".to_owned()]
    );
    assert!(s.processes[1].me);

    // The agent fell silent 10 min ago and its leases expired.
    let silent = process("a1", Agent, -600);
    let expired = [lease(AUTOMATION_LEASE, "a1", Agent, -300)];
    let s = describe(
        true,
        "db",
        &[silent, desk.clone()],
        &expired,
        None,
        "me",
        t(0),
    );
    assert_eq!(
        s.summary,
        "No process runs the automation now (no round yet)."
    );
    assert_eq!(
        s.warning.as_deref(),
        Some(
            "No agent is running (the last one was seen 10 min ago): the rule and auto-reconcile run only while a desktop leads them."
        )
    );
    assert_eq!(s.processes.len(), 1);
    assert_eq!(
        s.silent_agents
            .iter()
            .map(|p| p.label.as_str())
            .collect::<Vec<_>>(),
        vec!["agent a1"]
    );
    // The on-call hears it once while it stays silent.
    let mut told = std::collections::HashSet::new();
    assert_eq!(
        crate::agent::silent_notices(&s, &mut told, t(0)),
        vec![crate::agent::Notice::AgentSilent {
            label: "agent a1".into(),
            seen_minutes: 10
        }]
    );
    assert!(crate::agent::silent_notices(&s, &mut told, t(60)).is_empty());

    // This computer's store: no agent is expected.
    let mine = [lease(AUTOMATION_LEASE, "me", Desktop, 60)];
    let s = describe(
        false,
        "this computer",
        &[desk],
        &mine,
        Some(t(-30)),
        "me",
        t(0),
    );
    assert_eq!(
        s.summary,
        "Automation runs here (desktop me), last round just now."
    );
    assert_eq!(s.warning, None);
}
