//! The isolation rule and the approval queue against the simulator over real
//! sockets, with a real store file: the late alert taken exactly once (across a
//! restart), dry run sending nothing (S-4), a 30-machine storm with K = 5 (S-2: five
//! isolated, the rest queued, the breaker open, five POSTs), approvals by a second
//! person (four eyes; an application never approves), the pause (S-6), an isolation
//! already in force (S-10), suppressed detections and expired proposals (S-5). Every
//! count of POSTs is read from the simulator's request log, never from Cordon.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use cordon_core::dto::automation::{
    DecisionKind, Proposal, ProposalRequest, ProposalState, ProposalVerdict, RuleChange, RuleMode,
};
use cordon_core::dto::jobs::{AuditFilter, JobKind, JobState};
use cordon_core::store::{Decider, NewItem, NewJob, Store, Verdict};
use cordon_core::{App, AppConfig, CoreError};
use mde_api::{ClientOptions, Credentials, Endpoints, RefreshTokenStore, Secret};
use mde_sim::control_client::{NewAlert, SimControl};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};

struct Tenant {
    sim: SimHandle,
    ids: Vec<String>,
    dir: tempfile::TempDir,
}

#[derive(Debug)]
struct Forget;
impl RefreshTokenStore for Forget {
    fn save(&self, _: &Secret) {}
}

async fn tenant(machines: u32) -> Tenant {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Scale {
            machines: machines + machines / 4 + 5,
            actions: 0,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let ctl = SimControl::new(sim.base_url());
    let ids: Vec<String> = ctl
        .state()
        .await
        .unwrap()
        .machines
        .into_iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id)
        .take(machines as usize)
        .collect();
    assert_eq!(ids.len(), machines as usize);
    ctl.clear_requests().await.unwrap();
    Tenant {
        sim,
        ids,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Tenant {
    fn ctl(&self) -> SimControl {
        SimControl::new(self.sim.base_url())
    }

    fn config(&self, credentials: Credentials) -> AppConfig {
        let base = self.sim.base_url();
        let mut cfg = AppConfig::new(
            Endpoints::custom(&base, &base).unwrap(),
            credentials,
            "rule",
        );
        cfg.store_path = Some(self.dir.path().join("rule.sqlite3"));
        cfg.lookup_settle = Duration::from_millis(200);
        cfg.client_options = ClientOptions {
            requests_per_minute: Some(100_000),
            requests_per_hour: Some(100_000),
            ..ClientOptions::default()
        };
        cfg
    }

    /// The analyst application's core (the rule runs as it), synced once.
    async fn app(&self) -> App {
        let app = App::new(self.config(Credentials::ClientSecret {
            tenant_id: identities::TENANT_ID.into(),
            client_id: identities::ANALYST_CLIENT_ID.into(),
            secret: Secret::new(identities::ANALYST_SECRET),
        }))
        .unwrap();
        app.refresh().await.unwrap();
        app
    }

    /// A person's core on the same store (delegated sign-in through the simulator).
    async fn person(&self, upn: &str) -> App {
        let signed = self.ctl().sign_in_person(upn).await.unwrap();
        let app = App::new(self.config(Credentials::Delegated {
            tenant_id: identities::TENANT_ID.into(),
            client_id: identities::PUBLIC_CLIENT_ID.into(),
            refresh_token: Secret::new(signed.refresh_token),
            store: Arc::new(Forget),
        }))
        .unwrap();
        app.refresh().await.unwrap();
        app
    }

    async fn raise(&self, machines: &[String], visible_after: Option<u32>) -> Vec<String> {
        let alerts: Vec<NewAlert> = machines
            .iter()
            .map(|m| {
                let mut a = NewAlert::new(m.clone(), "High");
                a.detector_id = Some("cordon-test-detector".into());
                a.visible_after_secs = visible_after;
                a
            })
            .collect();
        self.ctl().post_alerts(&alerts).await.unwrap()
    }

    async fn isolate_posts(&self) -> usize {
        self.ctl()
            .requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/isolate"))
            .count()
    }
}

fn kinds(d: &[cordon_core::dto::automation::RuleDecision]) -> Vec<DecisionKind> {
    d.iter().map(|x| x.decision).collect()
}

async fn automatic(app: &App, k: u32) {
    let s = app
        .set_rule(RuleChange {
            mode: Some(RuleMode::Automatic),
            max_per_window: Some(k),
            // Each test here looks at one rail: the exclusions have their own tests.
            exclude_servers: Some(false),
            exclude_high_value: Some(false),
            confirmed: true,
            ..RuleChange::default()
        })
        .await
        .unwrap();
    assert_eq!(s.settings.mode, RuleMode::Automatic);
}

async fn wait_done(app: &App, job_id: &str) {
    let end = std::time::Instant::now() + Duration::from_secs(40);
    while app.job(job_id).unwrap().job.state == JobState::Running {
        assert!(
            std::time::Instant::now() < end,
            "job {job_id} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_late_alert_is_taken_exactly_once_across_rounds_and_restarts() {
    let t = tenant(3).await;
    let app = t.app().await;
    assert_eq!(app.rule().await.unwrap().settings.mode, RuleMode::DryRun);
    let on_time = t.raise(&t.ids[..1], None).await;
    let late = t.raise(&t.ids[1..2], Some(600)).await;

    let first = app.run_rule().await.unwrap();
    assert_eq!(
        first.iter().map(|d| d.alert_id.clone()).collect::<Vec<_>>(),
        on_time
    );
    assert_eq!(kinds(&first), vec![DecisionKind::WouldIsolate]);

    t.ctl().advance(700.0).await.unwrap();
    let second = app.run_rule().await.unwrap();
    assert_eq!(
        second
            .iter()
            .map(|d| d.alert_id.clone())
            .collect::<Vec<_>>(),
        late
    );
    assert!(
        app.run_rule().await.unwrap().is_empty(),
        "nothing is taken twice"
    );
    drop(app);

    let again = t.app().await;
    assert!(
        again.run_rule().await.unwrap().is_empty(),
        "nor after a restart"
    );
    let all = again.rule_decisions(24).unwrap();
    assert_eq!(all.iter().filter(|d| d.alert_id == late[0]).count(), 1);
    assert_eq!(t.isolate_posts().await, 0, "dry run sends nothing (S-4)");
    let status = again.rule().await.unwrap();
    assert_eq!(status.dry_run.would_isolate, 2);
    assert!(
        status.dry_run.warning.is_some(),
        "two evaluations are too few a record"
    );
}

#[tokio::test]
async fn a_storm_on_30_machines_isolates_k_queues_the_rest_and_a_second_person_approves() {
    let t = tenant(30).await;
    let app = t.app().await;
    let refused = app
        .set_rule(RuleChange {
            mode: Some(RuleMode::Automatic),
            ..RuleChange::default()
        })
        .await;
    match refused {
        Err(CoreError::NeedsConfirmation(why)) => {
            assert!(why.contains("would have isolated 0"), "{why}")
        }
        other => panic!("a promotion needs a confirmation: {other:?}"),
    }
    automatic(&app, 5).await;
    t.raise(&t.ids, None).await;

    let decided = app.run_rule_and_wait().await.unwrap();
    let isolated = decided
        .iter()
        .filter(|d| d.decision == DecisionKind::Isolated)
        .count();
    let queued = decided
        .iter()
        .filter(|d| d.decision == DecisionKind::Queued)
        .count();
    assert_eq!((isolated, queued), (5, 25));
    assert_eq!(t.isolate_posts().await, 5);
    let status = app.rule().await.unwrap();
    assert!(status.breaker.open, "{status:?}");
    assert_eq!(status.waiting_approvals, 25);
    for d in decided
        .iter()
        .filter(|d| d.decision == DecisionKind::Isolated)
    {
        let job = app.job(d.job_id.as_deref().unwrap()).unwrap();
        assert_eq!(
            job.job.comment,
            format!("Isolate machine because alert - {}", d.alert_id)
        );
    }

    // The application may propose but never approve.
    let waiting = app.proposals(false).await.unwrap();
    let two: Vec<String> = waiting.iter().take(2).map(|p| p.id.clone()).collect();
    let verdict = ProposalVerdict {
        ids: two.clone(),
        approve: true,
        comment: "confirmed malicious".into(),
    };
    assert!(matches!(
        app.decide_proposals(verdict.clone()).await,
        Err(CoreError::Refused(_))
    ));

    // A person approves two: they are isolated, and count toward the ceiling.
    let lead = t.person(identities::DEMO_LEAD).await;
    let outcomes = lead.decide_proposals(verdict).await.unwrap();
    assert!(
        outcomes
            .iter()
            .all(|o| o.state == ProposalState::Approved && o.refused.is_none()),
        "{outcomes:?}"
    );
    for o in &outcomes {
        wait_done(&lead, o.job_id.as_deref().unwrap()).await;
    }
    assert_eq!(t.isolate_posts().await, 7);
    let again = lead
        .decide_proposals(ProposalVerdict {
            ids: two,
            approve: true,
            comment: "twice".into(),
        })
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .all(|o| o.refused.as_deref() == Some("already approved")),
        "{again:?}"
    );

    let audit = app.audit_all(&AuditFilter::default()).unwrap();
    let count = |e: &str| audit.iter().filter(|a| a.event == e).count();
    assert_eq!(count("rule.isolated"), 5);
    assert_eq!(count("rule.queued"), 25);
    assert_eq!(count("breaker.opened"), 1);
    assert_eq!(count("approval.approved"), 2);
    assert!(
        audit
            .iter()
            .any(|a| a.event == "approval.approved" && a.actor == identities::DEMO_LEAD)
    );
    assert_eq!(count("rule.promoted"), 1);

    // Only a person closes the breaker.
    assert!(matches!(
        app.close_breaker("storm handled").await,
        Err(CoreError::Refused(_))
    ));
    assert!(
        !lead
            .close_breaker("storm handled")
            .await
            .unwrap()
            .breaker
            .open
    );
}

#[tokio::test]
async fn four_eyes_hold_for_peoples_requests() {
    let t = tenant(2).await;
    let analyst = t.person(identities::DEMO_USER).await;
    let lead = t.person(identities::DEMO_LEAD).await;
    let p = analyst
        .propose(ProposalRequest {
            machine: t.ids[0].clone(),
            action: "isolate".into(),
            isolation_type: None,
            comment: "beaconing to a known C2".into(),
            override_reason: None,
        })
        .await
        .unwrap();
    assert_eq!(p.proposed_by, identities::DEMO_USER);
    let mine = analyst
        .decide_proposals(ProposalVerdict {
            ids: vec![p.id.clone()],
            approve: true,
            comment: "me".into(),
        })
        .await
        .unwrap();
    assert!(
        mine[0]
            .refused
            .as_deref()
            .is_some_and(|w| w.contains("four eyes")),
        "{mine:?}"
    );
    assert_eq!(t.isolate_posts().await, 0);
    let theirs = lead
        .decide_proposals(ProposalVerdict {
            ids: vec![p.id.clone()],
            approve: true,
            comment: "agreed".into(),
        })
        .await
        .unwrap();
    wait_done(&lead, theirs[0].job_id.as_deref().unwrap()).await;
    assert_eq!(t.isolate_posts().await, 1);
    let job = lead.job(theirs[0].job_id.as_deref().unwrap()).unwrap();
    assert_eq!(job.job.requested_by, identities::DEMO_LEAD);
}

#[tokio::test]
async fn a_paused_rule_sends_nothing_and_stays_paused_after_a_restart() {
    let t = tenant(4).await;
    let app = t.app().await;
    automatic(&app, 50).await;
    assert!(app.pause_automation(true).await.unwrap().paused);
    t.raise(&t.ids, None).await;
    let decided = app.run_rule_and_wait().await.unwrap();
    assert_eq!(kinds(&decided), vec![DecisionKind::Queued; 4]);
    assert!(decided.iter().all(|d| d.reason == "automation is paused"));
    assert_eq!(t.isolate_posts().await, 0);
    drop(app);
    let again = t.app().await;
    assert!(
        again.rule().await.unwrap().paused,
        "the pause survives a restart"
    );

    // A rule-started job's unsent items are held at the claim, in any process.
    let store = Store::open(&t.dir.path().join("rule.sqlite3")).unwrap();
    let job = NewJob {
        id: "held".into(),
        kind: JobKind::Isolate,
        comment: "Isolate machine because alert - x".into(),
        isolation_type: None,
        requested_by: "test".into(),
        source: Some("rule:x".into()),
        sender: None,
    };
    let item = NewItem {
        machine_id: t.ids[0].clone(),
        machine_name: None,
    };
    store
        .create_job(&job, std::slice::from_ref(&item), Utc::now())
        .unwrap();
    assert!(
        !store
            .claim(
                "held",
                &t.ids[0],
                &cordon_core::team::Claimant::ended("test-process"),
                Utc::now(),
                Utc::now()
            )
            .unwrap()
    );
    // Resumed: the held job runs again (the resume starts its runner), so the item
    // leaves `planned` and its isolation is sent.
    again.pause_automation(false).await.unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let item = store.item("held", &t.ids[0]).unwrap().unwrap();
        if item.state != cordon_core::dto::jobs::ItemState::Planned {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "the held item never ran after resume"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_done(&again, "held").await;
    assert_eq!(
        t.isolate_posts().await,
        1,
        "the held item was sent once, after resume"
    );
}

#[tokio::test]
async fn an_isolation_in_force_and_a_suppressed_detection_are_skipped() {
    let t = tenant(3).await;
    let app = t.app().await;
    automatic(&app, 50).await;
    app.run_job_now(cordon_core::dto::jobs::BulkRequest {
        kind: JobKind::Isolate,
        machine_ids: vec![t.ids[0].clone()],
        comment: "by hand".into(),
        isolation_type: None,
        source: None,
        include_foreign: false,
    })
    .await
    .unwrap();
    app.refresh().await.unwrap();
    app.suppress(
        "detector",
        "cordon-test-detector",
        3,
        "false positive storm",
    )
    .await
    .unwrap();
    t.raise(&t.ids[..2], None).await;
    let decided = app.run_rule_and_wait().await.unwrap();
    assert_eq!(kinds(&decided), vec![DecisionKind::Skipped; 2]);
    assert!(
        decided.iter().all(|d| d.reason.contains("suppressed")),
        "{decided:?}"
    );
    // S-10 without the suppression: a new detector.
    let mut a = NewAlert::new(t.ids[0].clone(), "High");
    a.detector_id = Some("another".into());
    t.ctl().post_alerts(&[a]).await.unwrap();
    let decided = app.run_rule_and_wait().await.unwrap();
    assert_eq!(
        decided[0].reason,
        "an isolation is already under way or in force"
    );
    assert_eq!(
        t.isolate_posts().await,
        1,
        "only the isolation by hand was sent"
    );
}

#[test]
fn an_expired_proposal_is_never_executed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    let now = Utc::now();
    let p = Proposal {
        id: "p1".into(),
        machine_id: "a".repeat(40),
        machine_name: None,
        action: "isolate".into(),
        isolation_type: None,
        comment: "c".into(),
        reason: "r".into(),
        alert_id: None,
        proposed_by: "someone".into(),
        proposed_at: cordon_core::time::rfc3339(now - chrono::Duration::hours(5)),
        expires_at: cordon_core::time::rfc3339(now - chrono::Duration::hours(1)),
        state: ProposalState::Waiting,
        decided_by: None,
        decided_at: None,
        decision_comment: None,
        job_id: None,
        overrides_protection: false,
    };
    store.propose(&p, "oid-a", now).unwrap();
    let by = Decider {
        name: "lead".into(),
        oid: "oid-b".into(),
    };
    let job = NewJob {
        id: "j".into(),
        kind: JobKind::Isolate,
        comment: "c".into(),
        isolation_type: None,
        requested_by: "lead".into(),
        source: None,
        sender: None,
    };
    let item = NewItem {
        machine_id: "a".repeat(40),
        machine_name: None,
    };
    let v = store
        .decide_proposal("p1", true, &by, "ok", Some((job, item)), now)
        .unwrap();
    assert!(matches!(v, Verdict::Refused(w) if w.starts_with("expired")));
    assert_eq!(
        store.proposal("p1").unwrap().unwrap().0.state,
        ProposalState::Expired
    );
    assert!(store.job("j").unwrap().is_none(), "no job was committed");
}
