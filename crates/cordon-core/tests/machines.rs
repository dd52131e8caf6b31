//! The core against the demo tenant: what it shows agrees with the simulator's truth,
//! and isolate/release behave (validation first, follow-through, adoption, unknown
//! outcomes looked up, nothing sent twice).
#![allow(clippy::unwrap_used)]

mod support;

use cordon_core::CoreError;
use cordon_core::dto::{IpcError, IsolateRequest, IsolationKind, IsolationState, ReleaseRequest};
use serde_json::Value;
use support::{Fault, FaultKind};

/// An online, isolated machine of the demo tenant (per the simulator).
async fn online_isolated(env: &support::Env) -> (String, String) {
    let state = env.state().await;
    let m = state
        .machines
        .iter()
        .find(|m| m.online && m.isolated)
        .expect("the demo has online isolated machines")
        .clone();
    (m.id, m.computer_dns_name)
}

#[tokio::test]
async fn counters_agree_with_the_simulator() {
    let env = support::demo().await;
    let snap = env.app.refresh().await.expect("sync");
    let truth = env.state().await;
    assert_eq!(snap.counters.total as usize, truth.machines.len());
    assert_eq!(snap.counters.isolated_now, truth.isolated_count as u32);
    assert!(
        snap.counters.isolated_now >= 60,
        "the storm isolated ~80: {:?}",
        snap.counters
    );
    assert!(
        snap.counters.stuck > 0,
        "some storm releases are stuck: {:?}",
        snap.counters
    );
    for row in &snap.machines {
        let t = truth.machines.iter().find(|m| m.id == row.id).unwrap();
        assert_eq!(
            row.isolated_now, t.isolated,
            "{} {:?}: {}",
            row.name, row.state, row.reason
        );
    }
    assert!(!snap.sync.loading);
    assert!(snap.sync.error.is_none());
}

#[tokio::test]
async fn a_release_is_followed_to_its_end() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let (id, _) = online_isolated(&env).await;
    let out = env
        .app
        .release(ReleaseRequest {
            machine_ids: vec![id.clone()],
            comment: "False positive: test".into(),
        })
        .await
        .expect("release sent");
    assert_eq!(out.len(), 1);
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    assert_eq!(out[0].status.as_deref(), Some("Pending"));
    assert!(!out[0].adopted);
    let row = env.app.machine_detail(&id).unwrap().machine;
    assert_eq!(row.state, IsolationState::Releasing, "{}", row.reason);

    env.advance(600).await;
    env.app.refresh().await.expect("sync");
    let detail = env.app.machine_detail(&id).unwrap();
    assert_eq!(
        detail.machine.state,
        IsolationState::NotIsolated,
        "{}",
        detail.machine.reason
    );
    assert_eq!(detail.timeline[0].action_type, "Unisolate");
    assert_eq!(detail.timeline[0].status, "Succeeded");
    assert_eq!(detail.timeline[0].comment, "False positive: test");
    let truth = env.state().await;
    let t = truth.machines.iter().find(|m| m.id == id).unwrap().clone();
    assert!(!t.isolated);
}

#[tokio::test]
async fn an_empty_comment_or_a_bad_id_sends_nothing() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let (id, _) = online_isolated(&env).await;
    let before = support::posts(&env.requests().await, "/unisolate");
    let e = env
        .app
        .release(ReleaseRequest {
            machine_ids: vec![id],
            comment: " \n ".into(),
        })
        .await
        .unwrap_err();
    assert!(matches!(e, CoreError::EmptyComment));
    let e = env
        .app
        .release(ReleaseRequest {
            machine_ids: vec!["not-a-machine".into()],
            comment: "x".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(IpcError::from(e), IpcError::Validation { field, .. } if field == "machineId")
    );
    assert_eq!(
        support::posts(&env.requests().await, "/unisolate"),
        before,
        "no request was sent"
    );
}

#[tokio::test]
async fn a_second_release_adopts_the_pending_one() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let (id, _) = online_isolated(&env).await;
    let req = ReleaseRequest {
        machine_ids: vec![id.clone()],
        comment: "False positive".into(),
    };
    let first = env.app.release(req.clone()).await.unwrap();
    let second = env.app.release(req).await.unwrap();
    assert!(second[0].adopted);
    assert_eq!(second[0].action_id, first[0].action_id);
    let unisolates = env
        .ledger()
        .await
        .into_iter()
        .filter(|a| {
            a["machineId"] == id.as_str()
                && a["type"] == "Unisolate"
                && a["requestorComment"] == "False positive"
        })
        .count();
    assert_eq!(unisolates, 1, "sent once");
}

#[tokio::test]
async fn a_dropped_answer_is_looked_up_not_resent() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let (id, _) = online_isolated(&env).await;
    env.ctl()
        .add_fault(Fault::new("/unisolate", FaultKind::accept_then_drop()).method("POST"))
        .await
        .expect("control faults");
    let out = env
        .app
        .release(ReleaseRequest {
            machine_ids: vec![id.clone()],
            comment: "dropped".into(),
        })
        .await
        .unwrap();
    let created: Vec<Value> = env
        .ledger()
        .await
        .into_iter()
        .filter(|a| a["machineId"] == id.as_str() && a["requestorComment"] == "dropped")
        .collect();
    assert_eq!(created.len(), 1, "the simulator created exactly one action");
    assert!(
        out[0].adopted,
        "the created action was found and adopted: {:?}",
        out[0]
    );
    assert_eq!(out[0].action_id.as_deref(), created[0]["id"].as_str());
}

#[tokio::test]
async fn isolate_then_watch_it_complete() {
    let env = support::demo().await;
    let snap = env.app.refresh().await.expect("sync");
    let truth = env.state().await;
    let online: Vec<&str> = truth
        .machines
        .iter()
        .filter(|m| m.online)
        .map(|m| m.id.as_str())
        .collect();
    let target = snap
        .machines
        .iter()
        .find(|r| r.state == IsolationState::NotIsolated && online.contains(&r.id.as_str()))
        .expect("an online, not isolated machine");
    let out = env
        .app
        .isolate(IsolateRequest {
            machine_ids: vec![target.id.clone()],
            isolation_type: IsolationKind::Selective,
            comment: "Suspicious PowerShell".into(),
        })
        .await
        .unwrap();
    assert!(out[0].error.is_none(), "{:?}", out[0].error);
    assert_eq!(
        env.app.machine_detail(&target.id).unwrap().machine.state,
        IsolationState::Isolating
    );
    env.advance(600).await;
    env.app.refresh().await.unwrap();
    let d = env.app.machine_detail(&target.id).unwrap();
    assert_eq!(
        d.machine.state,
        IsolationState::Isolated,
        "{}",
        d.machine.reason
    );
    assert!(d.machine.reason.contains("Suspicious PowerShell"));
    assert_eq!(d.timeline[0].scope.as_deref(), Some("Selective"));
}

#[tokio::test]
async fn machines_are_found_by_id_or_name() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let (id, name) = online_isolated(&env).await;
    assert_eq!(
        env.app.find_machine(&id.to_uppercase()).await.unwrap().id,
        id
    );
    assert_eq!(env.app.find_machine(&name).await.unwrap().id, id);
    // A short host name resolves when it is unique, and is ambiguous (with the
    // candidates, nothing chosen) when two domains share it, as the demo's ws-fin pair.
    let snap = env.app.snapshot();
    let host = |n: &str| n.split('.').next().unwrap().to_ascii_lowercase();
    let count = |h: &str| snap.machines.iter().filter(|m| host(&m.name) == h).count();
    let unique = snap
        .machines
        .iter()
        .find(|m| count(&host(&m.name)) == 1)
        .unwrap();
    let short = host(&unique.name);
    assert_eq!(env.app.find_machine(&short).await.unwrap().id, unique.id);
    let shared = snap
        .machines
        .iter()
        .find(|m| count(&host(&m.name)) == 2)
        .unwrap();
    match env.app.find_machine(&host(&shared.name)).await.unwrap_err() {
        CoreError::Ambiguous { candidates, .. } => assert_eq!(candidates.len(), 2),
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    let e = env.app.find_machine("no-such-host").await.unwrap_err();
    assert_eq!(
        IpcError::from(e).to_string(),
        "No machine “no-such-host” in this tenant."
    );
    let e = env.app.find_machine(&"f".repeat(40)).await.unwrap_err();
    assert!(matches!(e, CoreError::UnknownMachine(_)));
    assert!(matches!(
        env.app.find_machine("  ").await.unwrap_err(),
        CoreError::EmptyQuery
    ));
}

#[tokio::test]
async fn a_read_only_token_is_refused_with_the_missing_permission() {
    let env = support::demo().await;
    let reader = cordon_core::App::new(support::config(
        &env.sim.base_url(),
        mde_sim::identities::READER_CLIENT_ID,
        mde_sim::identities::READER_SECRET,
    ))
    .unwrap();
    reader.refresh().await.expect("a reader can sync");
    let (id, _) = online_isolated(&env).await;
    let out = reader
        .release(ReleaseRequest {
            machine_ids: vec![id],
            comment: "x".into(),
        })
        .await
        .unwrap();
    match &out[0].error {
        Some(IpcError::Forbidden {
            permission,
            message,
            ..
        }) => {
            assert_eq!(permission.as_deref(), Some("Machine.Isolate"), "{message}");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert!(
        reader
            .info()
            .permissions
            .contains(&"Machine.Read.All".to_string())
    );
}

#[tokio::test]
async fn an_unreachable_tenant_is_a_sentence_in_the_status() {
    // Nothing listens on the discard port.
    let app = cordon_core::App::new(support::config("http://127.0.0.1:9", "c", "s")).unwrap();
    let e = app.refresh().await.unwrap_err();
    let ipc = IpcError::from(e);
    assert!(matches!(ipc, IpcError::Unreachable { .. }), "{ipc:?}");
    let status = app.status();
    assert!(!status.loading);
    assert_eq!(status.error, Some(ipc));
}
