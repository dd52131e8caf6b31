//! Delegated sign-in (auth code + PKCE, refresh, device code), client assertions and
//! OpenID discovery.
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mde_sim::Scenario;
use mde_sim::crypto::{b64url, sha256};
use mde_sim::identities::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    mde_sim::urlenc::parse(q)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

async fn token_form(sim: &Sim, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = sim
        .http
        .post(sim.handle.token_url())
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn authorization_code_with_pkce_then_refresh() {
    let sim = demo().await;
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-and-some-more";
    let challenge = b64url(&sha256(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:53682/callback";
    let q = mde_sim::urlenc::build(&[
        ("client_id", PUBLIC_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", &format!("{API_SCOPE} offline_access openid")),
        ("state", "xyz"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    let r = no_redirect
        .get(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/authorize?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(redirect));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    let code = query_param(&location, "code").unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    let (s, bad) = token_form(&sim, &[&base[..], &[("code_verifier", "wrong")]].concat()).await;
    assert_eq!(
        (s, bad["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The code was consumed by the failed attempt; get a fresh one.
    let r = no_redirect
        .get(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/authorize?{q}")))
        .send()
        .await
        .unwrap();
    let code = query_param(r.headers()["location"].to_str().unwrap(), "code").unwrap();
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    let (s, tok) = token_form(&sim, &[&base[..], &[("code_verifier", verifier)]].concat()).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    let c = claims(tok["access_token"].as_str().unwrap());
    assert_eq!(c["upn"], DEMO_USER);
    assert!(
        c["scp"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|p| p == "Machine.Isolate")
    );
    assert!(tok["id_token"].is_string());
    // Actions are credited to the user.
    let access = tok["access_token"].as_str().unwrap();
    let m = sim.machine_where(|m| m.online && !m.isolated).await;
    let (s, a) = sim
        .post(
            access,
            &format!("/api/machines/{}/isolate", m.id),
            json!({"Comment": "by hand"}),
        )
        .await;
    assert_eq!(
        (s, a["requestor"].as_str()),
        (StatusCode::CREATED, Some(DEMO_USER))
    );
    let (s, reread) = sim.get(access, "/api/machines?$top=1").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "delegated Machine.ReadWrite reads machines: {reread}"
    );
    let (s, again) = token_form(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("refresh_token", tok["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        claims(again["access_token"].as_str().unwrap())["upn"],
        DEMO_USER
    );
    let (s, e) = token_form(
        &sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("refresh_token", "bogus"),
        ],
    )
    .await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn authorize_rejects_non_loopback_redirects() {
    let sim = start(config(Scenario::Empty)).await;
    let q = mde_sim::urlenc::build(&[
        ("client_id", PUBLIC_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", "https://evil.example/cb"),
    ]);
    let r = sim
        .http
        .get(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/authorize?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error_codes"][0], 50011);
}

#[tokio::test]
async fn device_code_flow_polls_until_approved() {
    let sim = start(config(Scenario::Empty)).await;
    let r = sim
        .http
        .post(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/devicecode")))
        .form(&[("client_id", PUBLIC_CLIENT_ID), ("scope", API_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let dc: Value = r.json().await.unwrap();
    for k in [
        "device_code",
        "user_code",
        "verification_uri",
        "expires_in",
        "interval",
        "message",
    ] {
        assert!(dc.get(k).is_some(), "{k}");
    }
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", PUBLIC_CLIENT_ID),
        ("device_code", dc["device_code"].as_str().unwrap()),
    ];
    let (s, e) = token_form(&sim, &poll).await;
    assert_eq!(
        (s, e["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    sim.advance(11.0).await;
    let (s, tok) = token_form(&sim, &poll).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert_eq!(
        claims(tok["access_token"].as_str().unwrap())["upn"],
        DEMO_USER
    );
}

#[tokio::test]
async fn discovery_names_the_endpoints() {
    let sim = start(config(Scenario::Empty)).await;
    let d: Value = sim
        .http
        .get(sim.url(&format!(
            "/{TENANT_ID}/v2.0/.well-known/openid-configuration"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["token_endpoint"], sim.handle.token_url());
    assert_eq!(
        d["authorization_endpoint"],
        sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/authorize"))
    );
    assert!(d["issuer"].is_string() && d["jwks_uri"].is_string());
}
