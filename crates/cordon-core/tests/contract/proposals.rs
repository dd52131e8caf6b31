//! The approval queue: four eyes, expiry, a verdict given once, the listing.

use cordon_core::dto::automation::ProposalState;
use cordon_core::dto::jobs::{AuditFilter, JobKind, JobState};
use cordon_core::store::{Decider, NewItem, Store, Verdict};

use super::{events, machine, new_job, proposal, rfc3339, t};

pub fn decider(name: &str) -> Decider {
    Decider {
        name: name.into(),
        oid: format!("oid-{name}"),
    }
}

/// The job an approval of `proposal(…, tag, …)` commits.
pub fn approved_job(id: &str, tag: &str) -> (cordon_core::store::NewJob, NewItem) {
    (
        new_job(id, JobKind::Isolate, Some("approval")),
        NewItem {
            machine_id: machine(tag),
            machine_name: Some(format!("ws-{tag}")),
        },
    )
}

pub fn verdicts_four_eyes_expiry_and_already_decided(store: &Store) {
    store
        .propose(&proposal("p1", "a", 0, 60), "oid-ana", t(0))
        .unwrap();
    let refused = store
        .decide_proposal(
            "p1",
            true,
            &Decider {
                name: "Ana".into(),
                oid: "OID-ANA".into(),
            },
            "mine",
            Some(approved_job("j1", "a")),
            t(1),
        )
        .unwrap();
    assert!(
        matches!(&refused, Verdict::Refused(m) if m.starts_with("four eyes")),
        "the proposer (object id, any case) cannot decide: {refused:?}"
    );
    assert_eq!(store.job("j1").unwrap(), None);
    let approved = store
        .decide_proposal(
            "p1",
            true,
            &decider("bob"),
            "looks right",
            Some(approved_job("j1", "a")),
            t(2),
        )
        .unwrap();
    assert_eq!(approved, Verdict::Decided(ProposalState::Approved));
    let (p, proposer) = store.proposal("p1").unwrap().unwrap();
    assert_eq!(proposer, "oid-ana");
    assert_eq!(p.state, ProposalState::Approved);
    assert_eq!(p.decided_by.as_deref(), Some("bob"));
    assert_eq!(p.decided_at, Some(rfc3339(t(2))));
    assert_eq!(p.decision_comment.as_deref(), Some("looks right"));
    assert_eq!(p.job_id.as_deref(), Some("j1"));
    assert_eq!(store.job("j1").unwrap().unwrap().state, JobState::Running);
    assert_eq!(store.approved_isolations_since(t(0)).unwrap(), 1);
    assert_eq!(store.approved_isolations_since(t(2)).unwrap(), 0);
    let again = store
        .decide_proposal("p1", false, &decider("carol"), "no", None, t(3))
        .unwrap();
    assert_eq!(again, Verdict::Refused("already approved".into()));

    // Expired when decided: marked expired, never executed.
    store
        .propose(&proposal("p2", "b", 0, 60), "oid-ana", t(0))
        .unwrap();
    let late = store
        .decide_proposal(
            "p2",
            true,
            &decider("bob"),
            "late",
            Some(approved_job("j2", "b")),
            t(60),
        )
        .unwrap();
    assert_eq!(
        late,
        Verdict::Refused(format!("expired at {}", rfc3339(t(60))))
    );
    assert_eq!(
        store.proposal("p2").unwrap().unwrap().0.state,
        ProposalState::Expired
    );
    assert_eq!(store.job("j2").unwrap(), None);

    // A rejection commits no job, whatever the caller passed.
    store
        .propose(&proposal("p3", "c", 0, 60), "oid-ana", t(0))
        .unwrap();
    let rejected = store
        .decide_proposal(
            "p3",
            false,
            &decider("bob"),
            "not this one",
            Some(approved_job("j3", "c")),
            t(4),
        )
        .unwrap();
    assert_eq!(rejected, Verdict::Decided(ProposalState::Rejected));
    assert_eq!(store.job("j3").unwrap(), None);
    assert_eq!(store.proposal("p3").unwrap().unwrap().0.job_id, None);

    assert_eq!(
        store
            .decide_proposal("nope", true, &decider("bob"), "", None, t(5))
            .unwrap(),
        Verdict::Refused("no proposal nope".into())
    );
    assert_eq!(
        events(store),
        [
            "approval.proposed",
            "approval.approved",
            "job.created",
            "item.planned",
            "approval.proposed",
            "approval.expired",
            "approval.proposed",
            "approval.rejected",
        ]
    );
    let page = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    let approval = &page.entries[1];
    assert_eq!(approval.actor, "bob");
    assert_eq!(approval.job_id.as_deref(), Some("j1"));
    assert_eq!(
        approval.detail,
        format!(
            "isolate of ws-a proposed by ana at {} (approval mode), alert alert-a",
            rfc3339(t(0))
        )
    );
    assert_eq!(
        page.entries[5].detail,
        format!(
            "proposal p2 had expired at {} when bob decided: not executed",
            rfc3339(t(60))
        )
    );
}

pub fn expiry_and_listing(store: &Store) {
    let mut protected = proposal("p1", "a", 0, 30);
    protected.overrides_protection = true;
    protected.isolation_type = None;
    store.propose(&protected, "oid-ana", t(0)).unwrap();
    store
        .propose(&proposal("p2", "b", 5, 90), "oid-ana", t(5))
        .unwrap();
    store
        .propose(&proposal("p3", "c", 5, 20), "oid-ana", t(5))
        .unwrap();
    assert_eq!(
        store
            .proposals(false)
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["p2", "p3", "p1"],
        "newest first, then by id"
    );
    let (p1, _) = store.proposal("p1").unwrap().unwrap();
    assert_eq!(p1, protected, "read back as proposed");
    assert_eq!(store.proposal("p9").unwrap(), None);

    assert_eq!(store.expire_proposals(t(10)).unwrap(), 0);
    assert_eq!(store.expire_proposals(t(30)).unwrap(), 2, "p1 and p3");
    assert_eq!(store.expire_proposals(t(30)).unwrap(), 0, "once");
    assert_eq!(
        store
            .proposals(false)
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["p2"]
    );
    let all = store.proposals(true).unwrap();
    assert_eq!(
        all.iter()
            .map(|p| (p.id.as_str(), p.state))
            .collect::<Vec<_>>(),
        [
            ("p2", ProposalState::Waiting),
            ("p3", ProposalState::Expired),
            ("p1", ProposalState::Expired)
        ]
    );
    assert_eq!(all[1].decided_at, Some(rfc3339(t(30))));
    let expired: Vec<String> = {
        let page = store
            .audit_page(&AuditFilter::default(), None, None)
            .unwrap();
        let mut v: Vec<String> = page
            .entries
            .into_iter()
            .filter(|e| e.event == "approval.expired")
            .map(|e| format!("{} {}", e.actor, e.detail))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        expired,
        [
            "Cordon proposal p1 expired without a decision: not executed",
            "Cordon proposal p3 expired without a decision: not executed",
        ]
    );
}
