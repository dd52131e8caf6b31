//! A standard OAuth2 client library (the `oauth2` crate, v5, over reqwest + rustls)
//! completes client credentials, authorization code + PKCE (with refresh) and the device
//! code flow against the simulator, with its endpoints taken from OpenID discovery. If
//! the simulator's token service deviated from RFC 6749 / 7636 / 8628 where Entra follows
//! them, this library (written against the RFCs, not against us) would refuse it.
//!
//! The test plays the browser for the authorization code: it GETs the authorize URL
//! without following redirects and reads the loopback `Location`. Device codes are
//! approved by the demo user either at `GET /devicelogin?code=USERCODE` or on their own
//! 10 simulated seconds after issue; the library's sleep function advances the clock.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mde_sim::Scenario;
use mde_sim::identities::*;
use oauth2::basic::BasicClient;
use oauth2::reqwest;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, DeviceAuthorizationUrl,
    PkceCodeChallenge, RedirectUrl, Scope, StandardDeviceAuthorizationResponse, TokenResponse,
    TokenUrl,
};
use serde_json::Value;
use support::*;

fn claims(token: &str) -> Value {
    let body = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
}

/// The library's HTTP client: no redirects (as the oauth2 docs require against SSRF).
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Endpoints {
    auth: AuthUrl,
    token: TokenUrl,
    device: DeviceAuthorizationUrl,
}

async fn discover(sim: &Sim) -> Endpoints {
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
    let s = |k: &str| d[k].as_str().unwrap().to_string();
    Endpoints {
        auth: AuthUrl::new(s("authorization_endpoint")).unwrap(),
        token: TokenUrl::new(s("token_endpoint")).unwrap(),
        device: DeviceAuthorizationUrl::new(s("device_authorization_endpoint")).unwrap(),
    }
}

#[tokio::test]
async fn client_credentials() {
    let sim = start(config(Scenario::Empty)).await;
    let ep = discover(&sim).await;
    let client = BasicClient::new(ClientId::new(ANALYST_CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new(ANALYST_SECRET.into()))
        .set_token_uri(ep.token.clone());
    let tok = client
        .exchange_client_credentials()
        .add_scope(Scope::new(API_SCOPE.into()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(tok.expires_in(), Some(Duration::from_secs(3599)));
    let c = claims(tok.access_token().secret());
    assert_eq!(c["aud"], API_RESOURCE);
    assert!(
        c["roles"]
            .as_array()
            .unwrap()
            .contains(&"Machine.Isolate".into())
    );
    // The token works on the API.
    let (status, _) = sim
        .get(tok.access_token().secret(), "/api/alerts?$top=1")
        .await;
    assert_eq!(status, 200);

    // A wrong secret is a server error response the library parses (invalid_client).
    let bad = BasicClient::new(ClientId::new(ANALYST_CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new("wrong".into()))
        .set_token_uri(ep.token);
    let err = bad
        .exchange_client_credentials()
        .add_scope(Scope::new(API_SCOPE.into()))
        .request_async(&http())
        .await
        .unwrap_err();
    match err {
        oauth2::RequestTokenError::ServerResponse(e) => {
            assert_eq!(e.error().as_ref(), "invalid_client");
        }
        other => panic!("expected invalid_client, got {other:?}"),
    }
}

#[tokio::test]
async fn authorization_code_with_pkce_and_refresh() {
    let sim = start(config(Scenario::Empty)).await;
    let ep = discover(&sim).await;
    let redirect = "http://127.0.0.1:53682/callback";
    let client = BasicClient::new(ClientId::new(PUBLIC_CLIENT_ID.into()))
        .set_auth_uri(ep.auth)
        .set_token_uri(ep.token)
        .set_redirect_uri(RedirectUrl::new(redirect.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(API_SCOPE.into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser: the authorize endpoint redirects at once to the loopback address.
    let r = http().get(url.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let location = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let param = |k: &str| {
        location
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(csrf.secret().as_str()));
    let code = param("code").unwrap();

    let tok = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let c = claims(tok.access_token().secret());
    assert_eq!(c["upn"], DEMO_USER);
    assert!(c["scp"].as_str().unwrap().contains("Machine.Isolate"));
    let refresh = tok.refresh_token().unwrap();
    let again = client
        .exchange_refresh_token(refresh)
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(claims(again.access_token().secret())["upn"], DEMO_USER);

    // A wrong verifier is refused (invalid_grant).
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(API_SCOPE.into()))
        .set_pkce_challenge(challenge)
        .url();
    let r = http().get(url.as_str()).send().await.unwrap();
    let location = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(n, _)| n == "code")
        .unwrap()
        .1
        .into_owned();
    let (_, other_verifier) = PkceCodeChallenge::new_random_sha256();
    let err = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(other_verifier)
        .request_async(&http())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, oauth2::RequestTokenError::ServerResponse(e) if e.error().as_ref() == "invalid_grant"),
        "{err:?}"
    );
}

#[tokio::test]
async fn device_code_approved_at_the_login_page_or_after_ten_seconds() {
    let sim = start(config(Scenario::Empty)).await;
    let ep = discover(&sim).await;
    let client = BasicClient::new(ClientId::new(PUBLIC_CLIENT_ID.into()))
        .set_device_authorization_url(ep.device)
        .set_token_uri(ep.token);

    // 1. The user enters the code at the verification page, then the library polls.
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new(API_SCOPE.into()))
        .request_async(&http())
        .await
        .unwrap();
    let page = details.verification_uri().to_string();
    let r = sim
        .http
        .get(format!("{page}?code={}", details.user_code().secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tok = client
        .exchange_device_access_token(&details)
        .request_async(&http(), |_| async {}, None)
        .await
        .unwrap();
    assert_eq!(claims(tok.access_token().secret())["upn"], DEMO_USER);

    // 2. Nobody visits the page: the library sees `authorization_pending` and keeps
    //    polling; its "sleep" advances the simulation clock by the interval (5 s), and
    //    the demo user approves 10 simulated seconds after issue.
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new(API_SCOPE.into()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(details.interval(), Duration::from_secs(5));
    let polls_before = sim.ctl().requests().await.expect("log").len();
    let sleep = |d: Duration| {
        let ctl = sim.ctl();
        async move {
            ctl.advance(d.as_secs_f64()).await.unwrap();
        }
    };
    let tok = client
        .exchange_device_access_token(&details)
        .request_async(&http(), sleep, None)
        .await
        .unwrap();
    assert_eq!(claims(tok.access_token().secret())["upn"], DEMO_USER);
    let polls = sim.ctl().requests().await.expect("log").len() - polls_before;
    assert!(
        polls >= 3,
        "pending, pending, then approved ({polls} polls)"
    );
}
