//! Device-code sign-in and refresh-token rotation against the simulator
//! (reliability-security.md K-10, K-11).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use mde_api::signin::{self, SignedIn};
use mde_api::{Error, Query, Secret};
use mde_sim::identities as ids;
use support::*;

#[tokio::test]
async fn device_code_sign_in() {
    let sim = Sim::demo().await;
    let code = signin::start_device_code(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    assert_eq!(code.verification_uri(), format!("{}/devicelogin", sim.base));
    assert!(code.message().contains(code.user_code()));
    assert_eq!(code.expires_in(), Duration::from_secs(900));
    // The user approves on the verification page.
    let approve = sim
        .http
        .get(format!(
            "{}?code={}",
            code.verification_uri(),
            code.user_code()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let signed = code.finish().await.unwrap();
    assert_eq!(signed.account.as_deref(), Some(ids::DEMO_USER));
    assert!(signed.permissions.iter().any(|p| p == "Machine.Isolate"));
}

#[tokio::test]
async fn an_expired_device_code_is_an_error() {
    let sim = Sim::demo().await;
    let code = signin::start_device_code(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    sim.handle.advance(901.0);
    let err = code.finish().await.unwrap_err();
    assert!(
        matches!(&err, Error::SignIn { reason } if reason.contains("expired")),
        "{err:?}"
    );
    // An unknown public client is refused up front.
    let err = signin::start_device_code(&sim.endpoints(), ids::TENANT_ID, ids::ANALYST_CLIENT_ID)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn refresh_tokens_rotate_into_the_store() {
    let sim = Sim::start(mde_sim::SimConfig {
        token_lifetime_secs: 2,
        ..Default::default()
    })
    .await;
    let signed = browser_sign_in(&sim).await;
    let store = Arc::new(Saved::default());
    let client = sim.delegated(&signed, store.clone());
    client.list_machines(&Query::new().top(1)).await.unwrap();
    let first = store.all();
    assert_eq!(first.len(), 1, "the first refresh rotated the token");
    assert_ne!(first[0], signed.refresh_token);

    // Half-life refresh of a 2 s token: after 1.2 s the client refreshes.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.list_machines(&Query::new().top(1)).await.unwrap();
    let saved = store.all();
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert_ne!(saved[1], saved[0], "a new refresh token each time");
    assert_eq!(sim.token_requests().await, 1 + 2, "code + two refreshes");

    // The newest token is the one in use: a client started from it works.
    let resumed = sim.delegated(
        &SignedIn {
            refresh_token: saved[1].clone(),
            ..signed.clone()
        },
        store.clone(),
    );
    assert_eq!(
        resumed.granted_permissions().await.unwrap(),
        signed.permissions
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_is_an_auth_error() {
    let sim = Sim::demo().await;
    let client = sim.delegated(
        &SignedIn {
            refresh_token: Secret::new("not-a-refresh-token"),
            account: None,
            permissions: Vec::new(),
        },
        Arc::new(Saved::default()),
    );
    let err = client.list_machines(&Query::new()).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"), "{err:?}");
    assert!(!format!("{err:?}").contains("not-a-refresh-token"));
}
