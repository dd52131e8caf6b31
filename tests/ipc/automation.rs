//! Automation through IPC on the mock runtime, against the demo simulator: the rule
//! and its refused promotion (a `validation` error on `confirmed` whose sentence
//! carries the dry-run record), a round of dry run over raised alerts, the alerts with
//! their decisions, a proposal and its `automation-changed` event, and the `refused`
//! errors of an application identity (it may propose, never approve, never close the
//! breaker). Then the demo's start-up: the Demo Analyst (a person) is signed in, a
//! week of dry run is recorded and the Demo Lead's two proposals wait.

use super::*;
use mde_sim::control_client::{NewAlert, SimControl};
use tauri::Listener;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_alerts_and_the_queue_through_ipc_with_refusals_as_data() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let core = sim_core(&base).await;
    let h = harness(state(
        core,
        temp_dir("automation"),
        Arc::new(MemoryStore::new()),
    ));
    let (tx, mut changes) = tokio::sync::mpsc::unbounded_channel::<Value>();
    h._app.listen_any("automation-changed", move |e| {
        let _ = tx.send(serde_json::from_str(e.payload()).expect("json"));
    });

    let rule = h.invoke("rule", json!({})).expect("rule");
    assert_eq!(rule["settings"]["mode"], "dry-run");
    assert_eq!(rule["settings"]["maxPerWindow"], 5);
    assert_eq!(rule["breaker"]["open"], false);

    // A promotion without the confirmation: refused, with the record to show.
    let err = h
        .invoke(
            "set_rule",
            json!({"change": {"mode": "automatic", "maxPerWindow": 5}}),
        )
        .expect_err("a promotion needs a confirmation");
    assert_eq!(err["kind"], "validation", "{err}");
    assert_eq!(err["field"], "confirmed");
    let message = err["message"].as_str().expect("message");
    assert!(message.contains("would have isolated"), "{message}");
    assert_eq!(
        h.invoke("rule", json!({})).expect("rule")["settings"]["mode"],
        "dry-run",
        "nothing changed"
    );

    // Two High alerts on machines that are online and not isolated: dry run decides.
    let ctl = SimControl::new(base.clone());
    let targets: Vec<String> = ctl
        .state()
        .await
        .expect("state")
        .machines
        .into_iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id)
        .take(2)
        .collect();
    let raised = ctl
        .post_alerts(
            &targets
                .iter()
                .map(|m| NewAlert::new(m.clone(), "High"))
                .collect::<Vec<_>>(),
        )
        .await
        .expect("alerts raised");
    let decisions = h.invoke("run_rule", json!({})).expect("a round");
    let ours: Vec<&Value> = decisions
        .as_array()
        .expect("decisions")
        .iter()
        .filter(|d| raised.iter().any(|a| d["alertId"] == a.as_str()))
        .collect();
    assert_eq!(ours.len(), 2, "{decisions}");
    assert!(
        ours.iter().all(|d| d["decision"] == "would-isolate"),
        "{decisions}"
    );
    let recorded = h
        .invoke("rule_decisions", json!({"hours": 24}))
        .expect("decisions");
    assert!(
        recorded
            .as_array()
            .expect("decisions")
            .iter()
            .any(|d| d["alertId"] == raised[0].as_str()),
        "{recorded}"
    );
    let alerts = h
        .invoke(
            "alerts",
            json!({"filter": {"since": null, "minSeverity": "High", "machineId": targets[0]}}),
        )
        .expect("alerts");
    let row = alerts
        .as_array()
        .expect("rows")
        .iter()
        .find(|a| a["id"] == raised[0].as_str())
        .expect("the raised alert is listed")
        .clone();
    assert_eq!(row["severity"], "High");
    assert_eq!(row["decision"], "would-isolate");
    assert!(
        alerts
            .as_array()
            .expect("rows")
            .iter()
            .all(|a| a["machineId"].as_str().map(str::to_ascii_lowercase)
                == Some(targets[0].to_ascii_lowercase())),
        "filtered by machine: {alerts}"
    );

    // An application may propose…
    let proposal = h
        .invoke(
            "propose",
            json!({"request": {"machine": targets[0], "action": "isolate", "isolationType": null,
                "comment": "please confirm", "overrideReason": null}}),
        )
        .expect("proposed");
    assert_eq!(proposal["state"], "waiting");
    // The round told the view first; then the proposal that waits.
    let mut seen = Vec::new();
    while !seen.contains(&json!({"change": {"kind": "approvalsWaiting", "waiting": 1}})) {
        let change = tokio::time::timeout(Duration::from_secs(10), changes.recv())
            .await
            .unwrap_or_else(|_| panic!("no approvalsWaiting event: {seen:?}"))
            .expect("events flow");
        seen.push(change);
    }
    assert_eq!(seen[0]["change"]["kind"], "round", "{seen:?}");
    let queue = h.invoke("proposals", json!({"all": false})).expect("queue");
    assert_eq!(queue.as_array().expect("queue").len(), 1);

    // …but never approve, and never close the breaker: `refused`, a sentence.
    let refused = h
        .invoke(
            "decide_proposals",
            json!({"verdict": {"ids": [proposal["id"]], "approve": true, "comment": "ok"}}),
        )
        .expect_err("an application never approves");
    assert_eq!(
        refused
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["kind".to_owned(), "message".to_owned()]),
        "{refused}"
    );
    assert_eq!(refused["kind"], "refused");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .starts_with("An application identity may propose but never approve"),
        "{refused}"
    );
    let breaker = h
        .invoke("close_breaker", json!({"comment": "checked"}))
        .expect_err("only a person closes the breaker");
    assert_eq!(breaker["kind"], "refused");
    assert_eq!(
        h.invoke("proposals", json!({"all": false})).expect("queue")[0]["state"],
        "waiting",
        "nothing was decided"
    );

    // Pause and resume, and a suppression, change the status the view shows.
    let paused = h
        .invoke("pause_automation", json!({"paused": true}))
        .expect("paused");
    assert_eq!(paused["paused"], true);
    let s = h
        .invoke(
            "suppress",
            json!({"kind": "title", "value": "Suspicious file dropped", "days": 7, "reason": "known installer"}),
        )
        .expect("suppressed");
    assert_eq!(s["suppressions"][0]["value"], "Suspicious file dropped");
    let bad = h
        .invoke(
            "suppress",
            json!({"kind": "hash", "value": "x", "days": 7, "reason": "r"}),
        )
        .expect_err("a kind the rule does not know");
    assert_eq!(bad["kind"], "validation");
    assert_eq!(bad["field"], "kind");
}

/// The demo's start-up signs in the Demo Analyst (a person), records a week of dry run
/// and leaves two of the Demo Lead's proposals waiting for the analyst.
#[test]
fn the_demo_signs_in_a_person_with_a_week_of_dry_run_and_the_leads_proposals() {
    let dir = temp_dir("demo-automation");
    let data_dir = dir.display().to_string();
    let get = |k: &str| (k == "CORDON_DATA_DIR").then(|| data_dir.clone());
    let args = ["--demo".to_owned(), "--secret-store=memory".to_owned()].into_iter();
    let state = cordon_desktop::launch::start_core_with(args, &get).expect("demo starts");
    assert_eq!(state.tenant(), Tenant::Demo);
    let core = state.core();
    tauri::async_runtime::block_on(async move {
        let me = core.principal().await.expect("principal");
        assert_eq!(me.name, identities::DEMO_USER);
        assert!(!me.application, "the demo acts as a person");
        let rule = core.rule().await.expect("rule");
        assert!(
            rule.dry_run.evaluations >= 7 * 24,
            "a week of hourly dry run: {:?}",
            rule.dry_run
        );
        assert!(rule.dry_run.would_isolate > 0, "{:?}", rule.dry_run);
        let queue = core.proposals(false).await.expect("queue");
        assert_eq!(queue.len(), 2, "{queue:?}");
        for p in &queue {
            assert_eq!(p.proposed_by, identities::DEMO_LEAD);
            assert_eq!(p.comment, cordon_desktop::demo::LEAD_COMMENT);
            assert_eq!(p.action, "isolate");
        }
        assert_ne!(queue[0].machine_id, queue[1].machine_id);
    });
}
