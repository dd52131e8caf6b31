//! The settings, `meta` and the tenant binding; the isolation rule's memory: pause,
//! breaker, rounds and their decisions.

use cordon_core::CoreError;
use cordon_core::dto::automation::{
    BreakerState, DecisionKind, ProposalState, RuleMode, RuleSettings,
};
use cordon_core::dto::jobs::{AuditFilter, JobKind, JobState};
use cordon_core::store::{DecisionRow, NewAudit, NewItem, Round, Store};

use super::{events, machine, new_job, proposal, rfc3339, t};

fn audit(actor: &str, event: &str) -> NewAudit {
    NewAudit {
        actor: actor.into(),
        event: event.into(),
        detail: format!("{event} by {actor}"),
        ..NewAudit::default()
    }
}

pub fn settings_meta_and_the_tenant_binding(store: &Store) {
    assert!(store.schema_version().unwrap() >= 2);
    assert_eq!(store.integrity_check().unwrap(), "ok");
    store.ensure_sound().unwrap();

    assert_eq!(store.meta("k").unwrap(), None);
    store.set_meta("k", "v1").unwrap();
    store.set_meta("k", "v2").unwrap();
    assert_eq!(store.meta("k").unwrap().as_deref(), Some("v2"));
    assert_eq!(store.setting_json("s").unwrap(), None);
    store.set_setting("s", &vec![1, 2, 3]).unwrap();
    assert_eq!(store.setting::<Vec<u32>>("s").unwrap(), Some(vec![1, 2, 3]));
    store.set_setting_json("s", "{not json").unwrap();
    assert!(matches!(
        store.setting::<Vec<u32>>("s"),
        Err(CoreError::Storage(m)) if m.contains("setting s does not decode")
    ));

    assert_eq!(store.rule_settings().unwrap(), RuleSettings::default());
    let rule = RuleSettings {
        mode: RuleMode::Approval,
        title_contains: Some("ransom".into()),
        ..RuleSettings::default()
    };
    store
        .save_rule(&rule, &audit("ana", "rule.changed"), t(0))
        .unwrap();
    assert_eq!(store.rule_settings().unwrap(), rule);
    assert_eq!(events(store), ["rule.changed"]);

    let auth = "https://login.microsoftonline.com/";
    let t1 = "11111111-1111-1111-1111-111111111111";
    store.bind_tenant(auth, t1, "Prod EU").unwrap();
    store
        .bind_tenant(auth, &format!(" {} ", t1.to_uppercase()), "Prod (renamed)")
        .expect("the same tenant, written differently");
    assert_eq!(
        store.meta("tenant.label").unwrap().as_deref(),
        Some("Prod (renamed)")
    );
    let other = store.bind_tenant(auth, "22222222-2222-2222-2222-222222222222", "Other");
    assert!(
        matches!(&other, Err(CoreError::Storage(m)) if m.contains("not of 22222222") && m.contains("Cordon does not mix two tenants' journals")),
        "{other:?}"
    );
    let elsewhere = store.bind_tenant("https://login.microsoftonline.us/", t1, "Gov");
    assert!(
        matches!(elsewhere, Err(CoreError::Storage(_))),
        "another cloud"
    );
    assert_eq!(store.meta("tenant.id").unwrap().as_deref(), Some(t1));
    assert_eq!(
        store.meta("tenant.label").unwrap().as_deref(),
        Some("Prod (renamed)"),
        "a refused binding changes nothing"
    );
}

pub fn pause_and_breaker_are_audited(store: &Store) {
    assert!(!store.automation_paused().unwrap());
    store
        .set_paused(true, &audit("ana", "automation.paused"), t(0))
        .unwrap();
    assert!(store.automation_paused().unwrap());
    store
        .set_paused(false, &audit("bob", "automation.resumed"), t(1))
        .unwrap();
    assert!(!store.automation_paused().unwrap());
    assert_eq!(store.breaker().unwrap(), BreakerState::default());
    let open = BreakerState {
        open: true,
        opened_at: Some(rfc3339(t(2))),
        reason: Some("too many".into()),
    };
    store
        .set_breaker(&open, &audit("rule", "breaker.opened"), t(2))
        .unwrap();
    assert_eq!(store.breaker().unwrap(), open);
    assert_eq!(
        events(store),
        ["automation.paused", "automation.resumed", "breaker.opened"]
    );
    let page = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    assert_eq!(page.entries[1].actor, "bob");
    assert_eq!(page.entries[1].at, rfc3339(t(1)));
}

pub fn decision(alert: &str, tag: &str, kind: DecisionKind) -> DecisionRow {
    DecisionRow {
        alert_id: alert.into(),
        machine_id: machine(tag),
        machine_name: Some(format!("ws-{tag}")),
        kind,
        reason: format!("reason for {alert}"),
        alert_title: Some(format!("title of {alert}")),
        job: None,
        proposal: None,
    }
}

pub fn round(at: i64, mode: RuleMode, seen: &[&str], decisions: Vec<DecisionRow>) -> Round {
    Round {
        at: t(at),
        mode,
        actor: "rule-app".into(),
        actor_oid: "rule-oid".into(),
        seen: seen
            .iter()
            .map(|a| ((*a).to_owned(), Some(t(at - 5))))
            .collect(),
        decisions,
        watermark: Some(t(at - 1)),
        breaker: None,
        forget_before: t(at - 24 * 60),
    }
}

pub fn a_round_commits_alerts_decisions_a_job_and_a_proposal(store: &Store) {
    let mut isolated = decision("al-1", "a", DecisionKind::Isolated);
    let mut job = new_job("rule-job", JobKind::Isolate, Some("rule:al-1"));
    job.requested_by = "rule-app".into();
    isolated.job = Some((
        job,
        NewItem {
            machine_id: machine("a"),
            machine_name: Some("ws-a".into()),
        },
    ));
    let mut queued = decision("al-2", "b", DecisionKind::Queued);
    queued.proposal = Some(proposal("prop-1", "b", 10, 70));
    let skipped = decision("al-3", "c", DecisionKind::Skipped);
    let mut r = round(
        10,
        RuleMode::Automatic,
        &["al-1", "al-2", "al-3"],
        vec![isolated, queued, skipped],
    );
    r.breaker = Some(BreakerState {
        open: true,
        opened_at: Some(rfc3339(t(10))),
        reason: Some("3 isolations in 60 minutes".into()),
    });
    store.commit_round(&r).unwrap();

    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let seen = store.seen_alerts(&ids(&["al-1", "al-3", "al-9"])).unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains("al-1") && seen.contains("al-3"));
    assert!(store.seen_alerts(&[]).unwrap().is_empty());
    assert_eq!(store.rule_watermark().unwrap(), Some(t(9)));
    assert_eq!(store.rule_last_run().unwrap(), Some(t(10)));
    assert!(store.breaker().unwrap().open);

    let job = store.job("rule-job").unwrap().unwrap();
    assert_eq!(
        (job.state, job.source.as_deref()),
        (JobState::Running, Some("rule:al-1"))
    );
    let (p, proposer) = store.proposal("prop-1").unwrap().unwrap();
    assert_eq!(
        (p.state, proposer.as_str()),
        (ProposalState::Waiting, "rule-oid")
    );
    assert_eq!(
        store
            .open_isolation_machines()
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        [machine("a")]
    );
    assert_eq!(
        events(store),
        [
            "rule.isolated",
            "job.created",
            "item.planned",
            "rule.queued",
            "approval.proposed",
            "rule.skipped",
            "breaker.opened",
        ]
    );

    let decisions = store.rule_decisions(t(0), 10).unwrap();
    assert_eq!(
        decisions
            .iter()
            .map(|d| d.alert_id.as_str())
            .collect::<Vec<_>>(),
        ["al-3", "al-2", "al-1"],
        "newest first"
    );
    assert_eq!(decisions[2].job_id.as_deref(), Some("rule-job"));
    assert_eq!(decisions[1].proposal_id.as_deref(), Some("prop-1"));
    assert_eq!(decisions[0].alert_title.as_deref(), Some("title of al-3"));
    assert_eq!(decisions[0].at, rfc3339(t(10)));
    assert_eq!(store.rule_decisions(t(0), 1).unwrap().len(), 1);
    assert!(store.rule_decisions(t(11), 10).unwrap().is_empty());

    // A later round decides al-3 again; al-1 falls out of the overlap.
    let mut later = round(
        24 * 60 + 20,
        RuleMode::Automatic,
        &["al-4"],
        vec![decision("al-3", "c", DecisionKind::Queued)],
    );
    later.forget_before = t(11);
    store.commit_round(&later).unwrap();
    assert!(
        store
            .seen_alerts(&ids(&["al-1", "al-2", "al-3"]))
            .unwrap()
            .is_empty(),
        "forgotten"
    );
    assert_eq!(store.seen_alerts(&ids(&["al-4"])).unwrap().len(), 1);
    let latest = store
        .decisions_for(&ids(&["al-1", "al-3", "al-9"]))
        .unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest["al-3"].decision, DecisionKind::Queued);
    assert_eq!(latest["al-1"].decision, DecisionKind::Isolated);
    assert!(store.decisions_for(&[]).unwrap().is_empty());

    assert_eq!(
        store.rule_isolations_since(t(0)).unwrap(),
        [(machine("a"), t(10))]
    );
    assert!(
        store.rule_isolations_since(t(10)).unwrap().is_empty(),
        "after, not at"
    );
    // A seen alert sent again in a round is not an error (seen once).
    store
        .commit_round(&round(24 * 60 + 30, RuleMode::Automatic, &["al-4"], vec![]))
        .unwrap();
    assert_eq!(store.seen_alerts(&ids(&["al-4"])).unwrap().len(), 1);
}
