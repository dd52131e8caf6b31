//! The Entra ID stand-in: client credentials, its errors, and the token's claims.
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mde_sim::Scenario;
use mde_sim::identities::*;
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

fn claims(token: &str) -> Value {
    let body = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
}

#[tokio::test]
async fn client_credentials_issue_a_jwt_with_roles() {
    let sim = start(config(Scenario::Empty)).await;
    let r = sim
        .token_response(ANALYST_CLIENT_ID, ANALYST_SECRET, API_SCOPE)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    let c = claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://api.securitycenter.microsoft.com");
    assert_eq!(c["tid"], TENANT_ID);
    assert_eq!(c["appid"], ANALYST_CLIENT_ID);
    assert_eq!(c["iss"], format!("https://sts.windows.net/{TENANT_ID}/"));
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3599
    );
    let roles: Vec<&str> = c["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for want in [
        "Machine.Isolate",
        "Machine.ReadWrite.All",
        "Machine.Scan",
        "Machine.RestrictExecution",
        "Alert.Read.All",
    ] {
        assert!(roles.contains(&want), "analyst has {want}");
    }
    let reader = claims(&sim.reader().await);
    assert_eq!(
        reader["roles"],
        serde_json::json!(["Machine.Read.All", "Alert.Read.All"])
    );
}

async fn entra_error(r: reqwest::Response, status: StatusCode, error: &str, code: u64) {
    assert_eq!(r.status(), status);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], error, "{v}");
    assert_eq!(v["error_codes"][0], code, "{v}");
    for k in [
        "error_description",
        "timestamp",
        "trace_id",
        "correlation_id",
    ] {
        assert!(v[k].is_string(), "{k} present in {v}");
    }
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{code}:"))
    );
}

#[tokio::test]
async fn token_errors_have_entras_shape() {
    let sim = start(config(Scenario::Empty)).await;
    let wrong = sim
        .token_response(ANALYST_CLIENT_ID, "nope", API_SCOPE)
        .await;
    entra_error(wrong, StatusCode::UNAUTHORIZED, "invalid_client", 7000215).await;
    let bad_scope = sim
        .token_response(ANALYST_CLIENT_ID, ANALYST_SECRET, "Machine.Isolate")
        .await;
    entra_error(bad_scope, StatusCode::BAD_REQUEST, "invalid_scope", 1002012).await;
    let unknown_app = sim
        .token_response("99999999-9999-9999-9999-999999999999", "x", API_SCOPE)
        .await;
    entra_error(
        unknown_app,
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700016,
    )
    .await;
    let r = sim
        .http
        .post(sim.url("/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ANALYST_CLIENT_ID),
            ("client_secret", ANALYST_SECRET),
            ("scope", API_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    entra_error(r, StatusCode::BAD_REQUEST, "invalid_request", 90002).await;
    let r = sim
        .http
        .post(sim.token_url_for_test())
        .form(&[("client_id", ANALYST_CLIENT_ID)])
        .send()
        .await
        .unwrap();
    entra_error(r, StatusCode::BAD_REQUEST, "invalid_request", 900144).await;
}

trait TokenUrl {
    fn token_url_for_test(&self) -> String;
}

impl TokenUrl for Sim {
    fn token_url_for_test(&self) -> String {
        self.handle.token_url()
    }
}

#[tokio::test]
async fn basic_auth_and_v1_resource_style() {
    let sim = start(config(Scenario::Empty)).await;
    let r = sim
        .http
        .post(sim.handle.token_url())
        .basic_auth(ANALYST_CLIENT_ID, Some(ANALYST_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", API_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = sim
        .http
        .post(sim.url(&format!("/{TENANT_ID}/oauth2/token")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", READER_CLIENT_ID),
            ("client_secret", READER_SECRET),
            ("resource", API_RESOURCE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["resource"], API_RESOURCE);
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["aud"],
        API_RESOURCE
    );
}
