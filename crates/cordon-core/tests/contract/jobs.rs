//! The journal: jobs, claims, moves, cancels, halts, counts.

use cordon_core::CoreError;
use cordon_core::dto::IpcError;
use cordon_core::dto::jobs::{AuditFilter, ItemState, JobKind, JobState};
use cordon_core::store::{NewAudit, Store, Transition};

use super::{events, gone, machine, new_items, new_job, t};

/// The `detail` of every audit row of `job`, oldest first.
fn details(store: &Store, job: &str) -> Vec<String> {
    let filter = AuditFilter {
        job_id: Some(job.into()),
        ..AuditFilter::default()
    };
    let mut out = Vec::new();
    store
        .audit_each(&filter, None, None, &mut |e| {
            out.push(format!("{} {}", e.event, e.detail));
            Ok(())
        })
        .unwrap();
    out
}

pub fn a_job_runs_to_done_with_its_audit_rows(store: &Store) {
    let job = new_job("job-1", JobKind::Isolate, None);
    store
        .create_job(&job, &new_items(&["a", "b"]), t(0))
        .unwrap();
    let row = store.job("job-1").unwrap().unwrap();
    assert_eq!(
        (row.state, row.created_at, row.updated_at),
        (JobState::Running, t(0), t(0))
    );
    assert_eq!(row.requested_by, "ana@contoso.com");
    assert_eq!(store.job("nope").unwrap(), None);
    let items = store.items("job-1").unwrap();
    assert_eq!(
        items
            .iter()
            .map(|i| (i.seq, i.machine_id.clone(), i.state))
            .collect::<Vec<_>>(),
        [
            (0, machine("a"), ItemState::Planned),
            (1, machine("b"), ItemState::Planned)
        ]
    );
    assert_eq!(store.unfinished_job_ids().unwrap(), ["job-1"]);

    for (n, tag) in ["a", "b"].into_iter().enumerate() {
        let m = machine(tag);
        let at = t(1 + n as i64);
        assert!(store.claim("job-1", &m, &gone(), t(100), at).unwrap());
        let sending = store.item("job-1", &m).unwrap().unwrap();
        assert_eq!(sending.state, ItemState::Sending);
        assert_eq!(sending.attempts, 1);
        assert_eq!(sending.intent_at, Some(t(100)), "the tenant clock");
        let mut done = Transition::new(ItemState::Done, "Defender: Succeeded");
        done.action_id = Some(format!("act-{tag}"));
        done.action_status = Some("Succeeded".into());
        assert_eq!(
            store
                .transition("job-1", &m, ItemState::Sending, &done, at)
                .unwrap(),
            Some(ItemState::Done)
        );
        let item = store.item("job-1", &m).unwrap().unwrap();
        assert_eq!(
            item.action_id.as_deref(),
            Some(format!("act-{tag}").as_str())
        );
        assert_eq!(item.action_status.as_deref(), Some("Succeeded"));
    }
    let row = store.job("job-1").unwrap().unwrap();
    assert_eq!((row.state, row.updated_at), (JobState::Done, t(2)));
    assert_eq!(
        details(store, "job-1"),
        [
            "job.created isolate of 2 machine(s)",
            "item.planned intent committed",
            "item.planned intent committed",
            "item.sending sending (attempt 1)",
            "item.done Defender: Succeeded",
            "item.sending sending (attempt 1)",
            "item.done Defender: Succeeded",
            "job.done every machine reached its end",
        ]
    );
    let page = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    let done = &page.entries[4];
    assert_eq!(done.machine_id.as_deref(), Some(machine("a").as_str()));
    assert_eq!(done.action_id.as_deref(), Some("act-a"));
    assert_eq!(done.comment.as_deref(), Some("comment of job-1"));
    assert_eq!(done.actor, "ana@contoso.com");
    assert_eq!(done.at, "2026-03-02T10:01:00.000Z");

    let counts = store.job_counts("job-1").unwrap();
    assert_eq!((counts.total, counts.done, counts.failed), (2, 2, 0));
    assert_eq!(counts.last_update, Some(t(2)));
    assert!(store.unfinished_job_ids().unwrap().is_empty());

    // A second job, created later, lists first; the journal reads both.
    let release = new_job("job-2", JobKind::Release, Some("batch:x"));
    store
        .create_job(&release, &new_items(&["c"]), t(10))
        .unwrap();
    let ids: Vec<String> = store.jobs().unwrap().into_iter().map(|j| j.id).collect();
    assert_eq!(ids, ["job-2", "job-1"]);
    let journal = store.journal_entries().unwrap();
    assert_eq!(journal.len(), 3);
    assert_eq!(
        (
            journal[2].job_id.as_str(),
            journal[2].kind,
            journal[2].state
        ),
        ("job-2", JobKind::Release, ItemState::Planned)
    );
    assert_eq!(journal[2].source.as_deref(), Some("batch:x"));
    assert_eq!(
        details(store, "job-2")[0],
        "job.created release of 1 machine(s) from batch:x"
    );
    // An id already used is an error, and nothing of it is kept.
    assert!(
        store
            .create_job(&release, &new_items(&["d"]), t(11))
            .is_err()
    );
    assert_eq!(store.items("job-2").unwrap().len(), 1);
}

pub fn claims_are_refused_when_not_running_or_paused(store: &Store) {
    let by_rule = new_job("job-r", JobKind::Isolate, Some("rule:alert-1"));
    let by_person = new_job("job-p", JobKind::Isolate, None);
    store
        .create_job(&by_rule, &new_items(&["a", "b"]), t(0))
        .unwrap();
    store
        .create_job(&by_person, &new_items(&["c"]), t(0))
        .unwrap();
    let pause = |paused: bool| {
        let audit = NewAudit {
            actor: "ana".into(),
            event: if paused {
                "automation.paused"
            } else {
                "automation.resumed"
            }
            .into(),
            ..NewAudit::default()
        };
        store.set_paused(paused, &audit, t(1)).unwrap();
    };
    pause(true);
    let rule_row = store.job("job-r").unwrap().unwrap();
    assert!(store.held(&rule_row).unwrap());
    assert!(!store.held(&store.job("job-p").unwrap().unwrap()).unwrap());
    assert!(
        !store
            .claim("job-r", &machine("a"), &gone(), t(2), t(2))
            .unwrap(),
        "a paused automation holds the rule's unsent items"
    );
    assert!(
        store
            .claim("job-p", &machine("c"), &gone(), t(2), t(2))
            .unwrap(),
        "a person's job is not held"
    );
    pause(false);
    assert!(!store.held(&rule_row).unwrap());
    assert!(
        store
            .claim("job-r", &machine("a"), &gone(), t(3), t(3))
            .unwrap()
    );
    assert!(
        !store
            .claim("job-r", &machine("a"), &gone(), t(3), t(3))
            .unwrap(),
        "claimed once"
    );
    assert!(
        !store
            .claim("job-r", &machine("zz"), &gone(), t(3), t(3))
            .unwrap(),
        "not an item of the job"
    );
    assert!(matches!(
        store.claim("job-x", &machine("a"), &gone(), t(3), t(3)),
        Err(CoreError::UnknownJob(id)) if id == "job-x"
    ));
    store.cancel_job("job-r", "bob", t(4)).unwrap();
    assert!(
        !store
            .claim("job-r", &machine("b"), &gone(), t(5), t(5))
            .unwrap(),
        "cancelled"
    );
    assert_eq!(
        store.item("job-r", &machine("b")).unwrap().unwrap().state,
        ItemState::Cancelled
    );
}

pub fn a_cancel_cancels_what_was_not_sent(store: &Store) {
    let job = new_job("job-c", JobKind::Release, None);
    store
        .create_job(&job, &new_items(&["a", "b", "c"]), t(0))
        .unwrap();
    assert!(
        store
            .claim("job-c", &machine("a"), &gone(), t(1), t(1))
            .unwrap()
    );
    let after = store.cancel_job("job-c", "bob", t(2)).unwrap();
    assert_eq!((after.state, after.updated_at), (JobState::Cancelled, t(2)));
    let states: Vec<ItemState> = store
        .items("job-c")
        .unwrap()
        .into_iter()
        .map(|i| i.state)
        .collect();
    assert_eq!(
        states,
        [
            ItemState::Sending,
            ItemState::Cancelled,
            ItemState::Cancelled
        ]
    );
    // The item in flight is still open: the job has work left.
    assert_eq!(store.unfinished_job_ids().unwrap(), ["job-c"]);
    // It comes back unanswered and not found: not resent, cancelled.
    let back = Transition::new(ItemState::Planned, "not found");
    assert_eq!(
        store
            .transition("job-c", &machine("a"), ItemState::Sending, &back, t(3))
            .unwrap(),
        Some(ItemState::Cancelled)
    );
    assert!(store.unfinished_job_ids().unwrap().is_empty());
    let d = details(store, "job-c");
    assert_eq!(
        d[d.len() - 4..],
        [
            "item.cancelled not sent: cancelled by bob",
            "item.cancelled not sent: cancelled by bob",
            "job.cancelled cancelled by bob: 2 machine(s) not sent",
            "item.cancelled not found — not resent: the job was cancelled",
        ]
    );
    let page = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    let cancelled = page
        .entries
        .iter()
        .find(|e| e.event == "job.cancelled")
        .unwrap();
    assert_eq!(cancelled.actor, "bob", "the person who cancelled");
    // Cancelling again changes nothing.
    let again = store.cancel_job("job-c", "carol", t(4)).unwrap();
    assert_eq!(again.updated_at, t(2));
    assert_eq!(events(store).len(), d.len());
    assert!(matches!(
        store.cancel_job("nope", "bob", t(4)),
        Err(CoreError::UnknownJob(_))
    ));
}

pub fn halt_and_resume(store: &Store) {
    let job = new_job("job-h", JobKind::Isolate, None);
    store.create_job(&job, &new_items(&["a"]), t(0)).unwrap();
    let error = IpcError::Storage {
        message: "the disk is full".into(),
    };
    store.halt_job("job-h", &error, t(1)).unwrap();
    let halted = store.job("job-h").unwrap().unwrap();
    assert_eq!(halted.state, JobState::Halted);
    assert_eq!(halted.error, Some(error.clone()));
    assert!(
        !store
            .claim("job-h", &machine("a"), &gone(), t(2), t(2))
            .unwrap(),
        "nothing is sent from a halted job"
    );
    assert_eq!(store.unfinished_job_ids().unwrap(), ["job-h"]);
    // Halting again (it is not running) writes nothing.
    store.halt_job("job-h", &error, t(2)).unwrap();
    store.unhalt_job("job-h", t(3)).unwrap();
    let resumed = store.job("job-h").unwrap().unwrap();
    assert_eq!((resumed.state, resumed.error), (JobState::Running, None));
    assert!(
        store
            .claim("job-h", &machine("a"), &gone(), t(4), t(4))
            .unwrap()
    );
    let failed = Transition::new(ItemState::Failed, "Defender refused").error(IpcError::NotFound {
        message: "no such machine".into(),
    });
    store
        .transition("job-h", &machine("a"), ItemState::Sending, &failed, t(5))
        .unwrap();
    let item = store.item("job-h", &machine("a")).unwrap().unwrap();
    assert!(matches!(item.error, Some(IpcError::NotFound { .. })));
    assert_eq!(store.job("job-h").unwrap().unwrap().state, JobState::Done);
    assert_eq!(
        details(store, "job-h")
            .into_iter()
            .filter(|d| d.starts_with("job."))
            .collect::<Vec<_>>(),
        [
            "job.created isolate of 1 machine(s)",
            "job.halted the disk is full",
            "job.running resumed",
            "job.done every machine reached its end",
        ]
    );

    // A job halted after its last item ended is done as soon as it resumes.
    let last = new_job("job-l", JobKind::Isolate, None);
    store.create_job(&last, &new_items(&["b"]), t(10)).unwrap();
    assert!(
        store
            .claim("job-l", &machine("b"), &gone(), t(11), t(11))
            .unwrap()
    );
    store.halt_job("job-l", &error, t(12)).unwrap();
    let done = Transition::new(ItemState::Adopted, "found it");
    store
        .transition("job-l", &machine("b"), ItemState::Sending, &done, t(13))
        .unwrap();
    assert_eq!(store.job("job-l").unwrap().unwrap().state, JobState::Halted);
    store.unhalt_job("job-l", t(14)).unwrap();
    assert_eq!(store.job("job-l").unwrap().unwrap().state, JobState::Done);
}

pub fn moves_are_guarded_and_counted(store: &Store) {
    let job = new_job("job-m", JobKind::Isolate, None);
    store
        .create_job(&job, &new_items(&["a", "b", "c"]), t(0))
        .unwrap();
    let a = machine("a");
    assert!(store.claim("job-m", &a, &gone(), t(1), t(1)).unwrap());
    // Unknown: the POST got no clear answer; then a lookup finds nothing.
    let unknown = Transition::new(ItemState::Unknown, "no answer");
    assert_eq!(
        store
            .transition("job-m", &a, ItemState::Sending, &unknown, t(2))
            .unwrap(),
        Some(ItemState::Unknown)
    );
    assert_eq!(
        store
            .transition("job-m", &a, ItemState::Sending, &unknown, t(2))
            .unwrap(),
        None,
        "no longer sending: nothing changes"
    );
    let mut again = Transition::new(ItemState::Planned, "not listed: send again");
    again.miss = true;
    again.not_before = Some(t(30));
    store
        .transition("job-m", &a, ItemState::Unknown, &again, t(3))
        .unwrap();
    let item = store.item("job-m", &a).unwrap().unwrap();
    assert_eq!((item.state, item.misses), (ItemState::Planned, 1));
    assert_eq!(item.not_before, Some(t(30)));
    assert_eq!(item.updated_at, t(3));
    let counts = store.job_counts("job-m").unwrap();
    assert_eq!(counts.total, 3);
    assert_eq!(counts.throttled_until, Some(t(30)));
    assert_eq!(counts.last_update, Some(t(3)));
    // The second attempt clears the throttle and counts.
    assert!(store.claim("job-m", &a, &gone(), t(31), t(31)).unwrap());
    let item = store.item("job-m", &a).unwrap().unwrap();
    assert_eq!((item.attempts, item.not_before), (2, None));
    assert_eq!(
        details(store, "job-m").last().unwrap(),
        "item.sending sending (attempt 2)"
    );
    let journal = store.journal_entries().unwrap();
    assert_eq!(journal[0].attempts, 2);
    assert_eq!(
        store.item("job-m", &machine("zz")).unwrap(),
        None,
        "no such item"
    );
    assert_eq!(
        store
            .transition("job-m", &machine("zz"), ItemState::Planned, &unknown, t(40))
            .unwrap(),
        None
    );
}
