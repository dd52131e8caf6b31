//! Profiles to a working core against the simulator: client secret, delegated sign-in
//! with the refresh token written back on rotation (K-10), missing credentials that
//! say what to do; and the actions list and cancel.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use cordon_core::dto::{ActionFilter, IpcError, ReleaseRequest};
use cordon_core::profiles::{self, AuthMode, Cloud, Profile, ProfileStore};
use cordon_core::secrets::{MemoryStore, Secret, SecretKind, SecretStore};
use cordon_core::{App, CoreError, signin};
use mde_sim::identities;

fn sim_profile(base: &str, name: &str, client_id: &str, mode: AuthMode) -> Profile {
    Profile {
        name: name.into(),
        tenant_id: identities::TENANT_ID.into(),
        client_id: client_id.into(),
        cloud: Cloud::Custom,
        auth_mode: mode,
        authority: Some(base.into()),
        api_base: Some(base.into()),
        certificate_path: None,
        team_store: None,
    }
}

fn store() -> (tempfile::TempDir, ProfileStore, Arc<MemoryStore>) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let store = ProfileStore::open(dir.path(), secrets.clone()).unwrap();
    (dir, store, secrets)
}

#[tokio::test]
async fn a_client_secret_profile_reaches_the_tenant() {
    let env = support::demo().await;
    let (_d, store, _) = store();
    let p = sim_profile(
        &env.sim.base_url(),
        "sim",
        identities::ANALYST_CLIENT_ID,
        AuthMode::ClientSecret,
    );
    store.upsert(p.clone()).unwrap();
    let missing = profiles::app_config(&p, store.secrets()).err().unwrap();
    assert!(matches!(
        &missing,
        CoreError::MissingSecret {
            kind: SecretKind::ClientSecret,
            ..
        }
    ));
    assert!(
        IpcError::from(missing)
            .to_string()
            .contains("cordon profiles add sim")
    );
    store
        .set_secret(
            "sim",
            SecretKind::ClientSecret,
            &Secret::new(identities::ANALYST_SECRET),
        )
        .unwrap();
    let app = App::new(profiles::app_config(&p, store.secrets()).unwrap()).unwrap();
    let snap = app.refresh().await.unwrap();
    let truth = env.state().await;
    assert_eq!(
        snap.counters.isolated_now as u64,
        truth.isolated_count as u64
    );
    assert_eq!(app.info().tenant_label, "sim");
}

#[tokio::test]
async fn a_delegated_profile_must_sign_in_first() {
    let env = support::demo().await;
    let (_d, store, _) = store();
    let p = sim_profile(
        &env.sim.base_url(),
        "me",
        identities::PUBLIC_CLIENT_ID,
        AuthMode::Browser,
    );
    store.upsert(p.clone()).unwrap();
    let e = profiles::app_config(&p, store.secrets()).err().unwrap();
    assert!(IpcError::from(e).to_string().contains("sign in first"));
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_sign_in_stores_the_token_and_rotations_are_written_back() {
    let env = support::demo().await;
    let (_d, store, secrets) = store();
    let p = sim_profile(
        &env.sim.base_url(),
        "me",
        identities::PUBLIC_CLIENT_ID,
        AuthMode::Browser,
    );
    store.upsert(p.clone()).unwrap();
    let http = env.http.clone();
    let view = signin::sign_in(&store, "me", move |prompt| {
        let signin::SignInPrompt::OpenBrowser { url } = prompt else {
            panic!("a browser prompt");
        };
        // The "browser": the simulator redirects to the loopback listener at once.
        tokio::spawn(async move {
            let _ = http.get(url).send().await;
        });
    })
    .await
    .unwrap();
    assert!(view.has_secret);
    assert_eq!(view.signed_in_as.as_deref(), Some(identities::DEMO_USER));
    let key = profiles::secret_key(&store.get("me").unwrap(), SecretKind::RefreshToken);
    let first = secrets.get(&key).unwrap().unwrap();

    let app = App::new(profiles::app_config(&p, store.secrets()).unwrap()).unwrap();
    app.refresh().await.unwrap();
    // The rotated token is written by the profile's writer thread (never under the
    // client's token lock): it lands within moments.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while secrets.get(&key).unwrap().unwrap() == first {
        assert!(
            std::time::Instant::now() < deadline,
            "the rotated refresh token replaced the old one (K-10)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let out = signin::sign_out(&store, "me").unwrap();
    assert!(!out.has_secret && out.signed_in_as.is_none());
    assert!(secrets.get(&key).unwrap().is_none());
}

#[tokio::test]
async fn actions_are_filtered_by_defender_and_cancel_is_validated() {
    let env = support::demo().await;
    let app = &env.app;
    app.refresh().await.unwrap();
    let all = app.actions(ActionFilter::default()).await.unwrap();
    assert!(!all.is_empty());
    assert!(
        all.windows(2).all(|w| w[0].created >= w[1].created),
        "newest first"
    );
    let pending = app
        .actions(ActionFilter {
            status: Some("pending".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(pending.iter().all(|a| a.status == "Pending"));
    let query = env
        .requests()
        .await
        .into_iter()
        .rev()
        .find(|r| r.path == "/api/machineactions")
        .unwrap();
    assert!(
        query
            .query
            .as_deref()
            .unwrap_or_default()
            .contains("filter"),
        "{query:?}"
    );

    assert!(
        matches!(app.cancel("nope", "x").await, Err(CoreError::Invalid { field, .. }) if field == "actionId")
    );
    let guid = "12345678-1234-1234-1234-123456789012";
    assert!(matches!(
        app.cancel(guid, "  ").await,
        Err(CoreError::EmptyComment)
    ));

    // Release an isolated machine, then cancel that release.
    let state = env.state().await;
    let id = state
        .machines
        .iter()
        .find(|m| m.isolated && !m.online)
        .or_else(|| state.machines.iter().find(|m| m.isolated))
        .unwrap()
        .id
        .as_str()
        .to_owned();
    let out = app
        .release(ReleaseRequest {
            machine_ids: vec![id.clone()],
            comment: "test".into(),
        })
        .await
        .unwrap();
    let action_id = out[0].action_id.clone().unwrap();
    let mine = app
        .actions(ActionFilter {
            machine: Some(id.clone()),
            action_type: Some("Unisolate".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(mine.iter().any(|a| a.action_id == action_id));
    assert!(
        mine.iter()
            .all(|a| a.machine_id.as_deref() == Some(id.as_str()))
    );
    let cancelled = app.cancel(&action_id, "wrong machine").await.unwrap();
    assert_eq!(cancelled.status, "Cancelled");
    assert_eq!(cancelled.cancel_comment.as_deref(), Some("wrong machine"));
    // The cancel is in the audit log, with its machine, action and reason.
    let log = app
        .audit(&cordon_core::dto::jobs::AuditFilter::default())
        .unwrap();
    let entry = log
        .entries
        .iter()
        .find(|e| e.event == "action.cancelled")
        .expect("the cancel is audited");
    assert_eq!(entry.machine_id.as_deref(), Some(id.as_str()));
    assert_eq!(entry.action_id.as_deref(), Some(action_id.as_str()));
    assert_eq!(entry.comment.as_deref(), Some("wrong machine"));
    assert!(
        entry.detail.ends_with("is Cancelled in Defender"),
        "{}",
        entry.detail
    );
}

/// "Cancel pending (N)…": two machines' pending releases cancelled at once (each
/// through the audited single cancel), a machine with nothing pending reported as
/// such, and an empty comment or selection refused before any request.
#[tokio::test]
async fn pending_releases_of_several_machines_are_cancelled_at_once() {
    use cordon_core::dto::IsolationState;
    use cordon_core::dto::cancel::{CancelPendingRequest, CancelResult};
    let env = support::demo().await;
    let app = &env.app;
    app.refresh().await.unwrap();

    let state = env.state().await;
    let offline: Vec<String> = state
        .machines
        .iter()
        .filter(|m| m.isolated && !m.online)
        .map(|m| m.id.clone())
        .take(2)
        .collect();
    assert_eq!(offline.len(), 2, "the demo has offline isolated machines");
    let idle = app
        .snapshot()
        .machines
        .into_iter()
        .find(|m| m.state == IsolationState::NotIsolated)
        .unwrap()
        .id;
    let out = app
        .release(ReleaseRequest {
            machine_ids: offline.clone(),
            comment: "test".into(),
        })
        .await
        .unwrap();
    let released: Vec<String> = out.iter().map(|o| o.action_id.clone().unwrap()).collect();
    let pending = |id: &str| app.machine_detail(id).unwrap().machine.pending;
    assert!(offline.iter().all(|id| pending(id)), "the rows say pending");
    assert!(!pending(&idle));
    let requests_before = env.requests().await.len();

    let ask = |ids: Vec<String>, comment: &str| CancelPendingRequest {
        machine_ids: ids,
        matching: None,
        comment: comment.into(),
    };
    let all = vec![offline[0].clone(), offline[1].clone(), idle.clone()];
    assert!(matches!(
        app.cancel_pending(&ask(all.clone(), "  ")).await,
        Err(CoreError::EmptyComment)
    ));
    assert!(matches!(
        app.cancel_pending(&ask(vec![], "why")).await,
        Err(CoreError::NoMachines)
    ));
    assert_eq!(
        env.requests().await.len(),
        requests_before,
        "refused before any request"
    );

    let outcomes = app.cancel_pending(&ask(all, "wrong batch")).await.unwrap();
    let results: Vec<(&str, CancelResult, Option<&str>, Option<&str>)> = outcomes
        .iter()
        .map(|o| {
            (
                o.machine_id.as_str(),
                o.result,
                o.action_id.as_deref(),
                o.status.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        results,
        vec![
            (
                offline[0].as_str(),
                CancelResult::Cancelled,
                Some(released[0].as_str()),
                Some("Cancelled")
            ),
            (
                offline[1].as_str(),
                CancelResult::Cancelled,
                Some(released[1].as_str()),
                Some("Cancelled")
            ),
            (idle.as_str(), CancelResult::NothingPending, None, None),
        ]
    );
    assert!(outcomes.iter().all(|o| o.error.is_none()));
    assert!(
        offline.iter().all(|id| !pending(id)),
        "nothing pending any more"
    );
    assert_eq!(outcomes[0].action_type.as_deref(), Some("Unisolate"));
    // Defender's own record: both releases are cancelled, with the comment.
    let ledger = env.ledger().await;
    for id in &released {
        let a = ledger.iter().find(|a| a["id"] == id.as_str()).unwrap();
        assert_eq!(a["status"], "Cancelled", "{a}");
        assert_eq!(a["cancellationComment"], "wrong batch", "{a}");
    }
    // Each cancel is audited as a single one is.
    let log = app
        .audit(&cordon_core::dto::jobs::AuditFilter::default())
        .unwrap();
    let mut audited: Vec<&str> = log
        .entries
        .iter()
        .filter(|e| e.event == "action.cancelled" && e.comment.as_deref() == Some("wrong batch"))
        .filter_map(|e| e.action_id.as_deref())
        .collect();
    audited.sort_unstable();
    let mut expected: Vec<&str> = released.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(audited, expected);
}
