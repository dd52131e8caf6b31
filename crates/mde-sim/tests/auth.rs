//! Bearer checks: 401 for missing/invalid/expired tokens, 403 naming the permission or
//! for a wrong audience, 429 with Retry-After from the per-app rate limit.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities::*;
use mde_sim::{Scenario, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

#[tokio::test]
async fn missing_invalid_and_expired_tokens_are_401() {
    let sim = start(SimConfig {
        token_lifetime_secs: 60,
        ..config(Scenario::Demo)
    })
    .await;
    let r = sim.http.get(sim.url("/api/machines")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&r.json().await.unwrap()), "Unauthorized");
    let (status, body) = sim.get("not.a.jwt", "/api/machines").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "Unauthorized")
    );
    let token = sim.analyst().await;
    let (status, _) = sim.get(&token, "/api/machines?$top=1").await;
    assert_eq!(status, StatusCode::OK);
    sim.advance(61.0).await;
    let (status, body) = sim.get(&token, "/api/machines?$top=1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn missing_permission_is_403_naming_it() {
    let sim = demo().await;
    let reader = sim.reader().await;
    let m = sim.machine_where(|m| m.online && !m.isolated).await;
    let (status, body) = sim
        .post(
            &reader,
            &format!("/api/machines/{}/isolate", m.id),
            json!({"Comment": "x", "IsolationType": "Full"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "Forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Machine.Isolate"),
        "{body}"
    );
    // The reader may read.
    let (status, _) = sim.get(&reader, "/api/machineactions?$top=5").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn strict_read_permissions_quirk_forbids_the_reader() {
    let mut cfg = config(Scenario::Demo);
    cfg.quirks.strict_read_permissions = true;
    let sim = start(cfg).await;
    let (status, body) = sim.get(&sim.reader().await, "/api/machineactions").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Machine.ReadWrite.All")
    );
}

#[tokio::test]
async fn wrong_audience_is_403() {
    let sim = demo().await;
    let r = sim
        .token_response(
            ANALYST_CLIENT_ID,
            ANALYST_SECRET,
            "https://graph.microsoft.com/.default",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let (status, body) = sim
        .get(v["access_token"].as_str().unwrap(), "/api/machines")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "Forbidden");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = start(SimConfig {
        rate_per_minute: 5,
        ..config(Scenario::Demo)
    })
    .await;
    let token = sim.analyst().await;
    for _ in 0..5 {
        assert_eq!(
            sim.get(&token, "/api/machines?$top=1").await.0,
            StatusCode::OK
        );
    }
    let r = sim
        .http
        .get(sim.url("/api/machines?$top=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(error_code(&r.json().await.unwrap()), "TooManyRequests");
    // Another API has its own budget; another app too.
    assert_eq!(
        sim.get(&token, "/api/machineactions?$top=1").await.0,
        StatusCode::OK
    );
    assert_eq!(
        sim.get(&sim.reader().await, "/api/machines?$top=1").await.0,
        StatusCode::OK
    );
}
