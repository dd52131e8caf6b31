//! Two handles on one store (two connections, as two processes have) racing: an item
//! is claimed once, a proposal decided once, whichever engine keeps the store.

use std::sync::{Arc, Barrier};

use cordon_core::dto::automation::ProposalState;
use cordon_core::dto::jobs::{AuditFilter, ItemState, JobKind};
use cordon_core::store::{Store, Verdict};

use super::proposals::{approved_job, decider};
use super::{Fixture, gone, machine, new_items, new_job, proposal, t};

/// Runs `work` on two threads, one per handle, released together.
pub fn race<T: Send + 'static>(
    a: Arc<Store>,
    b: Arc<Store>,
    work: impl Fn(&Store, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(2));
    let work = Arc::new(work);
    let threads: Vec<_> = [a, b]
        .into_iter()
        .enumerate()
        .map(|(n, store)| {
            let (barrier, work) = (Arc::clone(&barrier), Arc::clone(&work));
            std::thread::spawn(move || {
                barrier.wait();
                work(&store, n)
            })
        })
        .collect();
    threads.into_iter().map(|h| h.join().unwrap()).collect()
}

pub fn two_handles_racing_to_claim_claim_each_item_once(f: &Fixture) {
    let n = 40;
    let tags: Vec<String> = (0..n).map(|i| format!("r{i:02}")).collect();
    let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
    f.store
        .create_job(
            &new_job("race", JobKind::Isolate, None),
            &new_items(&refs),
            t(0),
        )
        .unwrap();
    let (a, b) = (Arc::new(f.open_again()), Arc::new(f.open_again()));
    let ids: Arc<Vec<String>> = Arc::new(tags.iter().map(|t| machine(t)).collect());
    let won = race(a, b, move |store, who| {
        // Both handles try every item, in opposite orders, as fast as they can.
        let mut order: Vec<&String> = ids.iter().collect();
        if who == 1 {
            order.reverse();
        }
        order
            .into_iter()
            .filter(|m| store.claim("race", m, &gone(), t(1), t(1)).unwrap())
            .count()
    });
    assert_eq!(
        won.iter().sum::<usize>(),
        n,
        "every item claimed once: {won:?}"
    );
    for item in f.store.items("race").unwrap() {
        assert_eq!(
            (item.state, item.attempts),
            (ItemState::Sending, 1),
            "{}",
            item.machine_id
        );
    }
    let filter = AuditFilter {
        job_id: Some("race".into()),
        text: Some("sending (attempt".into()),
        ..AuditFilter::default()
    };
    assert_eq!(
        f.store.audit_page(&filter, None, None).unwrap().total,
        n as u32
    );
}

pub fn two_handles_racing_to_decide_decide_once(f: &Fixture) {
    for round in 0..5 {
        let id = format!("p{round}");
        let tag = format!("d{round}");
        f.store
            .propose(&proposal(&id, &tag, 0, 600), "oid-ana", t(0))
            .unwrap();
        let (a, b) = (Arc::new(f.open_again()), Arc::new(f.open_again()));
        let (pid, ptag) = (id.clone(), tag.clone());
        let verdicts = race(a, b, move |store, who| {
            let by = decider(if who == 0 { "bob" } else { "carol" });
            let job = approved_job(&format!("job-{pid}-{who}"), &ptag);
            store
                .decide_proposal(&pid, true, &by, "ok", Some(job), t(1))
                .unwrap()
        });
        let decided = verdicts
            .iter()
            .filter(|v| **v == Verdict::Decided(ProposalState::Approved))
            .count();
        assert_eq!(decided, 1, "{verdicts:?}");
        assert!(
            verdicts.contains(&Verdict::Refused("already approved".into())),
            "{verdicts:?}"
        );
        let (p, _) = f.store.proposal(&id).unwrap().unwrap();
        let jobs: Vec<String> = f
            .store
            .jobs()
            .unwrap()
            .into_iter()
            .map(|j| j.id)
            .filter(|j| j.starts_with(&format!("job-{id}-")))
            .collect();
        assert_eq!(jobs.len(), 1, "one job committed: {jobs:?}");
        assert_eq!(p.job_id.as_ref(), jobs.first());
    }
}

pub fn a_cancel_racing_claims_leaves_nothing_claimed_after_it(f: &Fixture) {
    for round in 0..3 {
        let job = format!("cancel-{round}");
        let tags: Vec<String> = (0..30).map(|i| format!("c{round}{i:02}")).collect();
        let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
        f.store
            .create_job(
                &new_job(&job, JobKind::Release, None),
                &new_items(&refs),
                t(0),
            )
            .unwrap();
        let (a, b) = (Arc::new(f.open_again()), Arc::new(f.open_again()));
        let ids: Arc<Vec<String>> = Arc::new(tags.iter().map(|t| machine(t)).collect());
        let id = job.clone();
        race(a, b, move |store, who| {
            if who == 0 {
                for m in ids.iter() {
                    store.claim(&id, m, &gone(), t(1), t(1)).unwrap();
                }
            } else {
                std::thread::sleep(std::time::Duration::from_millis(5 * round));
                store.cancel_job(&id, "bob", t(2)).unwrap();
            }
        });
        let items = f.store.items(&job).unwrap();
        assert!(
            items
                .iter()
                .all(|i| matches!(i.state, ItemState::Sending | ItemState::Cancelled)),
            "{items:?}"
        );
        // Every claim committed before the cancel: its audit row comes first.
        let filter = AuditFilter {
            job_id: Some(job.clone()),
            ..AuditFilter::default()
        };
        let page = f.store.audit_page(&filter, None, None).unwrap();
        let cancel = page
            .entries
            .iter()
            .find(|e| e.event == "job.cancelled")
            .unwrap();
        let sent: Vec<_> = page
            .entries
            .iter()
            .filter(|e| e.event == "item.sending")
            .collect();
        assert!(
            sent.iter().all(|e| e.seq < cancel.seq),
            "{sent:?} {cancel:?}"
        );
        let claimed = items
            .iter()
            .filter(|i| i.state == ItemState::Sending)
            .count();
        assert_eq!(claimed, sent.len());
        assert!(
            cancel
                .detail
                .contains(&format!("{} machine(s) not sent", 30 - claimed))
        );
    }
}
