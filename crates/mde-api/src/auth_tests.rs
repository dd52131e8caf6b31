#![allow(clippy::unwrap_used)]
use super::*;
use crate::{Credentials, Secret};
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn secret_debug_is_redacted() {
    let creds = Credentials::client_secret("t", "c", "hunter2-very-secret");
    let printed = format!("{creds:?} {:?}", Secret::new("x"));
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("Secret(***)"));
    assert_eq!(Secret::from("abc").expose(), "abc");
}

#[test]
fn refresh_schedule() {
    let now = Instant::now();
    let long = AccessToken::new("a".into(), Duration::from_secs(3599), now);
    assert_eq!(long.refresh_at, now + Duration::from_secs(3299));
    let short = AccessToken::new("a".into(), Duration::from_secs(120), now);
    assert_eq!(short.refresh_at, now + Duration::from_secs(60));
}

#[test]
fn lifetime_accepts_number_or_string() {
    let n: TokenResponse =
        serde_json::from_str(r#"{"access_token":"x","expires_in":3599}"#).unwrap();
    assert_eq!(n.lifetime(), Duration::from_secs(3599));
    let s: TokenResponse =
        serde_json::from_str(r#"{"access_token":"x","expires_in":"120"}"#).unwrap();
    assert_eq!(s.lifetime(), Duration::from_secs(120));
}

#[test]
fn lifetime_is_capped_so_the_expiry_cannot_overflow() {
    for body in [
        r#"{"access_token":"x","expires_in":18446744073709551615}"#,
        r#"{"access_token":"x","expires_in":"18446744073709551615"}"#,
    ] {
        let t: TokenResponse = serde_json::from_str(body).unwrap();
        assert_eq!(t.lifetime(), MAX_TOKEN_LIFETIME);
        let token = AccessToken::new("x".into(), t.lifetime(), Instant::now());
        assert!(token.refresh_at < token.expires_at);
    }
}

fn jwt(claims: &serde_json::Value) -> String {
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        enc.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        enc.encode(claims.to_string())
    )
}

#[test]
fn permissions_from_roles_and_scp() {
    let app = jwt(&serde_json::json!({"roles":["Machine.Isolate","Machine.Read.All"],"tid":"t"}));
    assert_eq!(
        token_permissions(&app).unwrap(),
        ["Machine.Isolate", "Machine.Read.All"]
    );
    let user = jwt(&serde_json::json!({"scp":"Machine.Read Machine.Isolate"}));
    assert_eq!(
        token_permissions(&user).unwrap(),
        ["Machine.Read", "Machine.Isolate"]
    );
    assert!(token_permissions("garbage").is_err());
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_fetch_once_and_refresh_early() {
    let cache = Arc::new(TokenCache::default());
    let fetches = Arc::new(AtomicUsize::new(0));
    let fetch = |fetches: Arc<AtomicUsize>| async move {
        let n = fetches.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(AccessToken::new(
            format!("token-{n}"),
            Duration::from_secs(3599),
            Instant::now(),
        ))
    };
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let cache = cache.clone();
        let fetches = fetches.clone();
        tasks.push(tokio::spawn(async move {
            cache.get(|| fetch(fetches)).await.map(|t| t.value.clone())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().expose(), "token-0");
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch for 100 callers"
    );

    // Inside the 5-minute window: a failed refresh keeps the old token.
    tokio::time::advance(Duration::from_secs(3400)).await;
    let kept = cache
        .get(|| async {
            Err(Error::Transport {
                detail: "down".into(),
                timed_out: false,
            })
        })
        .await
        .unwrap();
    assert_eq!(kept.value.expose(), "token-0");
    // Within 30 s of that failure no new fetch is tried.
    let again = cache
        .get(|| async { panic!("must not refetch within the pause") })
        .await
        .unwrap();
    assert_eq!(again.value.expose(), "token-0");
    // After the pause a fetch succeeds and replaces it.
    tokio::time::advance(Duration::from_secs(31)).await;
    let fresh = cache.get(|| fetch(fetches.clone())).await.unwrap();
    assert_eq!(fresh.value.expose(), "token-1");

    // Invalidation forgets the token; the next call fetches.
    cache.invalidate(&fresh);
    let next = cache.get(|| fetch(fetches.clone())).await.unwrap();
    assert_eq!(next.value.expose(), "token-2");
    // Invalidating a stale token does not drop the newer one.
    cache.invalidate(&fresh);
    let same = cache
        .get(|| async { panic!("the current token is still good") })
        .await
        .unwrap();
    assert_eq!(same.value.expose(), "token-2");
}

#[tokio::test(start_paused = true)]
async fn expired_token_and_failed_fetch_is_an_error() {
    let cache = TokenCache::default();
    cache
        .get(|| async {
            Ok(AccessToken::new(
                "a".into(),
                Duration::from_secs(60),
                Instant::now(),
            ))
        })
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(61)).await;
    let err = cache
        .get(|| async {
            Err(Error::Transport {
                detail: "down".into(),
                timed_out: false,
            })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }));
}
