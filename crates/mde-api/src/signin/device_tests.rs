//! The device-code polling policy (K-11) on a paused tokio clock, against a
//! scripted token endpoint (no network): `authorization_pending` keeps the
//! interval, `slow_down` adds 5 s, and polling stops at `expires_in`,
//! `expired_token` and `access_denied`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use base64::Engine as _;
use oauth2::{HttpRequest, HttpResponse, TokenUrl};
use serde_json::json;

use super::*;

const PENDING: &str =
    r#"{"error":"authorization_pending","error_description":"AADSTS70016: pending"}"#;
const SLOW_DOWN: &str = r#"{"error":"slow_down"}"#;

struct Script {
    answers: Mutex<VecDeque<(u16, String)>>,
    /// When each poll arrived, from the start.
    calls: Mutex<Vec<Duration>>,
    start: Instant,
}

impl Script {
    fn new(answers: Vec<(u16, String)>) -> Self {
        Self {
            answers: Mutex::new(answers.into()),
            calls: Mutex::new(Vec::new()),
            start: Instant::now(),
        }
    }

    fn calls(&self) -> Vec<u64> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(Duration::as_secs)
            .collect()
    }
}

impl<'c> AsyncHttpClient<'c> for Script {
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        let form = String::from_utf8(request.body().clone()).unwrap();
        assert!(form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"));
        assert!(form.contains("device_code=the-device-code"));
        self.calls.lock().unwrap().push(self.start.elapsed());
        let (status, body) = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or((400, PENDING.to_owned()));
        Box::pin(async move {
            Ok(oauth2::http::Response::builder()
                .status(status)
                .header("content-type", "application/json; charset=utf-8")
                .body(body.into_bytes())
                .unwrap())
        })
    }
}

fn details(expires_in: u64) -> Details {
    serde_json::from_value(json!({
        "device_code": "the-device-code",
        "user_code": "ABCD1234",
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": expires_in,
        "interval": 5,
        "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate.",
    }))
    .unwrap()
}

fn client() -> TokenClient {
    BasicClient::new(ClientId::new("44444444-4444-4444-4444-444444444444".into()))
        .set_token_uri(TokenUrl::new("https://login.example/t/oauth2/v2.0/token".into()).unwrap())
}

fn success() -> (u16, String) {
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = json!({"upn": "analyst@contoso.example", "scp": "Machine.Isolate Machine.Read"});
    let jwt = format!(
        "{}.{}.sig",
        enc.encode(br#"{"alg":"RS256"}"#),
        enc.encode(claims.to_string())
    );
    let body = json!({
        "token_type": "Bearer", "expires_in": 3599, "access_token": jwt,
        "refresh_token": "refresh-1", "scope": "https://api.securitycenter.microsoft.com/.default",
    });
    (200, body.to_string())
}

async fn run(script: &Script, expires_in: u64) -> Result<SignedIn, Error> {
    let (client, details) = (client(), details(expires_in));
    let remaining = details.expires_in();
    let token = poll(&client, &details, script, remaining)
        .await
        .map_err(|e| device_error(e, 400))?;
    signed_in(&token)
}

#[tokio::test(start_paused = true)]
async fn pending_keeps_the_interval_and_slow_down_adds_five_seconds() {
    let script = Script::new(vec![
        (400, PENDING.into()),
        (400, PENDING.into()),
        (400, SLOW_DOWN.into()),
        (400, SLOW_DOWN.into()),
        (400, PENDING.into()),
        success(),
    ]);
    let signed = run(&script, 900).await.unwrap();
    assert_eq!(script.calls(), [0, 5, 10, 20, 35, 50]);
    assert_eq!(signed.refresh_token.expose(), "refresh-1");
    assert_eq!(signed.account.as_deref(), Some("analyst@contoso.example"));
    assert_eq!(signed.permissions, ["Machine.Isolate", "Machine.Read"]);
}

#[tokio::test(start_paused = true)]
async fn polling_stops_at_expires_in() {
    let script = Script::new(Vec::new()); // pending forever
    let err = run(&script, 60).await.unwrap_err();
    assert!(
        matches!(&err, Error::SignIn { reason } if reason.contains("expired")),
        "{err:?}"
    );
    let polls = script.calls().len() as u64;
    assert!(polls <= 60 / 5 + 1, "{polls} polls");
    assert!(polls >= 60 / 5, "{polls} polls");
    assert!(script.calls().iter().all(|t| *t <= 60));

    // slow_down all the way: fewer polls, still within the lifetime.
    let slow = Script::new(vec![(400, SLOW_DOWN.to_owned()); 20]);
    let _ = run(&slow, 60).await.unwrap_err();
    assert_eq!(slow.calls(), [0, 10, 25, 45]);
}

#[tokio::test(start_paused = true)]
async fn expired_token_and_access_denied_stop_at_once() {
    for (body, words) in [
        (r#"{"error":"expired_token"}"#, "expired"),
        (r#"{"error":"access_denied"}"#, "declined"),
    ] {
        let script = Script::new(vec![(400, PENDING.into()), (400, body.into())]);
        let err = run(&script, 900).await.unwrap_err();
        assert!(
            matches!(&err, Error::SignIn { reason } if reason.contains(words)),
            "{err:?}"
        );
        assert_eq!(script.calls(), [0, 5]);
    }
    let script = Script::new(vec![(
        400,
        r#"{"error":"invalid_grant","error_description":"AADSTS70000: bad"}"#.into(),
    )]);
    let err = run(&script, 900).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_grant"), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_missing_refresh_token_is_an_error() {
    let (_, body) = success();
    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v.as_object_mut().unwrap().remove("refresh_token");
    let script = Script::new(vec![(200, v.to_string())]);
    let err = run(&script, 900).await.unwrap_err();
    assert!(matches!(err, Error::SignIn { .. }), "{err:?}");
}

#[test]
fn debug_shows_no_device_code() {
    let d = details(900);
    assert!(!format!("{d:?}").contains("the-device-code"));
}
