//! What the rule and its views read back: the dry-run record, suppressions in force,
//! open work by state.

use cordon_core::dto::automation::{DecisionKind, RuleMode, Suppression};
use cordon_core::dto::jobs::{AuditFilter, ItemState, JobKind};
use cordon_core::store::{Store, Transition};

use super::automation::{decision, round};
use super::{gone, machine, new_items, new_job, rfc3339, t};

pub fn the_dry_run_record(store: &Store) {
    let empty = store.dry_run_record(t(0), 30).unwrap();
    assert_eq!((empty.days, empty.evaluations), (0, 0));
    assert!(empty.warning.is_some());
    let day = 24 * 60;
    for (at, decisions) in [
        (0, vec![decision("a1", "a", DecisionKind::WouldIsolate)]),
        (
            2 * day,
            vec![
                decision("a2", "b", DecisionKind::Skipped),
                decision("a3", "c", DecisionKind::Queued),
            ],
        ),
        (
            3 * day,
            vec![decision("a4", "d", DecisionKind::WouldIsolate)],
        ),
    ] {
        store
            .commit_round(&round(at, RuleMode::DryRun, &[], decisions))
            .unwrap();
    }
    // A round of another mode is not the dry run's.
    store
        .commit_round(&round(
            3 * day + 1,
            RuleMode::Automatic,
            &[],
            vec![decision("a5", "e", DecisionKind::Skipped)],
        ))
        .unwrap();
    let now = t(3 * day + 60);
    let record = store.dry_run_record(now, 30).unwrap();
    assert_eq!(
        (
            record.days,
            record.evaluations,
            record.would_isolate,
            record.skipped,
            record.queued
        ),
        (4, 3, 2, 1, 1),
        "3 days and an hour: 4 started days"
    );
    assert!(
        record
            .warning
            .as_deref()
            .unwrap()
            .starts_with("Only 4 day(s) and 3 evaluation(s)")
    );
    let last_day = store.dry_run_record(now, 1).unwrap();
    assert_eq!(
        (
            last_day.days,
            last_day.evaluations,
            last_day.would_isolate,
            last_day.skipped
        ),
        (4, 1, 1, 0),
        "the window counts; the days run from the first evaluation"
    );
}

pub fn suppressions_in_force(store: &Store) {
    let s = |kind: &str, value: &str, until: i64, by: &str| Suppression {
        kind: kind.into(),
        value: value.into(),
        until: rfc3339(t(until)),
        by: by.into(),
        reason: format!("false positive ({by})"),
    };
    store
        .suppress(&s("title", "EICAR", 600, "ana"), t(0))
        .unwrap();
    store
        .suppress(&s("detector", "det-1", 120, "ana"), t(0))
        .unwrap();
    store.suppress(&s("title", "Old", 5, "ana"), t(0)).unwrap();
    assert_eq!(
        store.suppressions(t(10)).unwrap(),
        [
            s("detector", "det-1", 120, "ana"),
            s("title", "EICAR", 600, "ana")
        ],
        "in force, soonest end first"
    );
    // Suppressing again replaces it.
    store
        .suppress(&s("title", "EICAR", 60, "bob"), t(20))
        .unwrap();
    assert_eq!(
        store.suppressions(t(30)).unwrap(),
        [
            s("title", "EICAR", 60, "bob"),
            s("detector", "det-1", 120, "ana")
        ]
    );
    assert_eq!(store.suppressions(t(130)).unwrap(), []);
    let page = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    assert_eq!(page.total, 4);
    let last = page.entries.last().unwrap();
    assert_eq!(
        (last.event.as_str(), last.actor.as_str()),
        ("rule.suppressed", "bob")
    );
    assert_eq!(
        last.detail,
        format!("title “EICAR” suppressed until {}", rfc3339(t(60)))
    );
    assert_eq!(last.comment.as_deref(), Some("false positive (bob)"));
}

pub fn open_items_by_state_counts_unfinished_jobs(store: &Store) {
    assert!(store.open_items_by_state().unwrap().is_empty());
    store
        .create_job(
            &new_job("j1", JobKind::Isolate, None),
            &new_items(&["a", "b", "c"]),
            t(0),
        )
        .unwrap();
    store
        .create_job(
            &new_job("j2", JobKind::Release, None),
            &new_items(&["d"]),
            t(0),
        )
        .unwrap();
    assert!(
        store
            .claim("j1", &machine("a"), &gone(), t(1), t(1))
            .unwrap()
    );
    assert!(
        store
            .claim("j1", &machine("b"), &gone(), t(1), t(1))
            .unwrap()
    );
    let done = Transition::new(ItemState::Done, "ok");
    store
        .transition("j1", &machine("b"), ItemState::Sending, &done, t(2))
        .unwrap();
    // j2 ends: its item no longer counts.
    assert!(
        store
            .claim("j2", &machine("d"), &gone(), t(1), t(1))
            .unwrap()
    );
    store
        .transition("j2", &machine("d"), ItemState::Sending, &done, t(2))
        .unwrap();
    assert_eq!(
        store.open_items_by_state().unwrap(),
        [
            ("done".to_owned(), 1),
            ("planned".to_owned(), 1),
            ("sending".to_owned(), 1)
        ]
    );
    let open: Vec<String> = {
        let mut v: Vec<String> = store
            .open_isolation_machines()
            .unwrap()
            .into_iter()
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        open,
        [machine("a"), machine("c")],
        "isolations under way, not releases"
    );
}
