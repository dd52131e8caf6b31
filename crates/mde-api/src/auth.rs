//! Entra ID client-credentials tokens: the secret, the request, and the cache.
//!
//! Why a hand-written form POST rather than an OAuth crate: for client
//! credentials it is one request, and owning it lets the token call share the
//! crate's HTTP client (no redirects, timeouts, rustls) and retry rules.
//!
//! The cache follows the Azure SDKs: refresh 5 minutes before expiry (at
//! half-life for short-lived tokens), one caller fetches while the others wait
//! (double-checked under a tokio mutex), and a failed *early* refresh is ignored
//! while the old token is still valid, retried at most every 30 seconds.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use tokio::time::Instant;

use crate::Error;
use crate::credentials::Secret;

/// A cached bearer token.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub(crate) value: Secret,
    pub(crate) expires_at: Instant,
    pub(crate) refresh_at: Instant,
}

impl AccessToken {
    /// A token that lives `lifetime` from `now`: refreshed 5 minutes early, or at
    /// half-life when it lives 10 minutes or less.
    pub(crate) fn new(value: String, lifetime: Duration, now: Instant) -> Self {
        let margin = if lifetime > Duration::from_secs(600) {
            Duration::from_secs(300)
        } else {
            lifetime / 2
        };
        Self {
            value: Secret::new(value),
            expires_at: now + lifetime,
            refresh_at: now + lifetime.saturating_sub(margin),
        }
    }
}

/// The longest lifetime a token answer is believed: a day (Entra's own tokens live
/// 60-90 minutes; a configurable lifetime is at most a day). A longer one is read as
/// this, and the token is simply refreshed sooner than the server said.
pub(crate) const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Entra's token answer. `expires_in` is a number on v2.0 and a string on v1.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) expires_in: Option<serde_json::Value>,
    /// A rotated refresh token (delegated grants).
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
}

impl TokenResponse {
    pub(crate) fn lifetime(&self) -> Duration {
        let secs = match &self.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        // Entra's default lifetime, if the field is missing or odd; at most a day, so
        // no answer (`"expires_in": 18446744073709551615`) can overflow the expiry
        // `Instant` (a panic in the task fetching the token; found by fuzzing).
        Duration::from_secs(secs.unwrap_or(3599)).min(MAX_TOKEN_LIFETIME)
    }
}

/// Entra's error answer.
#[derive(Deserialize, Default)]
pub(crate) struct TokenError {
    #[serde(default)]
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) error_description: String,
    #[serde(default)]
    pub(crate) correlation_id: Option<String>,
}

/// How long a failed early refresh is not retried while the old token is valid.
const FAILED_REFRESH_PAUSE: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(crate) struct TokenCache {
    /// Read without waiting on the fast path.
    current: StdMutex<Option<Arc<AccessToken>>>,
    /// Held by the one caller that fetches; holds the time of the last failure.
    refresh: tokio::sync::Mutex<Option<Instant>>,
}

impl TokenCache {
    fn snapshot(&self) -> Option<Arc<AccessToken>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn store(&self, token: Option<Arc<AccessToken>>) {
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = token;
    }

    /// A valid token, fetching one with `fetch` when needed.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<AccessToken>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<AccessToken, Error>>,
    {
        if let Some(token) = self.snapshot()
            && Instant::now() < token.refresh_at
        {
            return Ok(token);
        }
        let mut last_failure = self.refresh.lock().await;
        // Checked again: another caller may have refreshed while we waited.
        let now = Instant::now();
        let old = self.snapshot();
        if let Some(token) = &old {
            if now < token.refresh_at {
                return Ok(token.clone());
            }
            let recently_failed = last_failure.is_some_and(|t| now < t + FAILED_REFRESH_PAUSE);
            if recently_failed && now < token.expires_at {
                return Ok(token.clone());
            }
        }
        match fetch().await {
            Ok(token) => {
                let token = Arc::new(token);
                self.store(Some(token.clone()));
                *last_failure = None;
                Ok(token)
            }
            Err(err) => match old {
                Some(token) if Instant::now() < token.expires_at => {
                    tracing::warn!(error = %err, "early token refresh failed; using the current token");
                    *last_failure = Some(Instant::now());
                    Ok(token)
                }
                _ => Err(err),
            },
        }
    }

    /// Forget `used` (after a 401), unless a newer token already replaced it.
    pub(crate) fn invalidate(&self, used: &AccessToken) {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current
            .as_ref()
            .is_some_and(|t| t.value.expose() == used.value.expose())
        {
            *current = None;
        }
    }
}

/// The permissions granted in an access token: app `roles` and delegated `scp`.
/// The JWT payload is decoded without checking the signature; it is only read
/// to tell the user what the app registration may do.
pub(crate) fn token_permissions(jwt: &str) -> Result<Vec<String>, Error> {
    let fail = |detail: &str| Error::Decode {
        status: 200,
        raw_body: String::new(), // never the token itself
        detail: format!("access token: {detail}"),
    };
    let payload = jwt.split('.').nth(1).ok_or_else(|| fail("not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| fail(&e.to_string()))?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| fail(&e.to_string()))?;
    let mut out = Vec::new();
    if let Some(roles) = claims.get("roles").and_then(|r| r.as_array()) {
        out.extend(roles.iter().filter_map(|r| r.as_str()).map(str::to_owned));
    }
    if let Some(scp) = claims.get("scp").and_then(|s| s.as_str()) {
        out.extend(scp.split_whitespace().map(str::to_owned));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
