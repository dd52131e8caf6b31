//! The one path every request takes.
//!
//! Why it looks the way it does:
//! - Reads (GET) are safe to repeat, so they are retried on 408/429/5xx and on
//!   transport errors, honouring `Retry-After`, with capped, jittered backoff.
//! - Actions (isolate, release, cancel, …) are not idempotent: a blind resend may
//!   create a second action, and a resend after a wait may act on an intent that
//!   was cancelled meanwhile. Whether and when to send an action again is decided
//!   in one place, by the caller (Cordon's job runner, which checks the job's state
//!   before every send), never here. So a 429 is returned at once as
//!   `Error::Api { status: 429, retry_after, .. }`; it still holds the pacer, so
//!   every send to that API waits out the `Retry-After` (R-1). The one resend of
//!   an action is a 401, answered by re-acquiring the token once, at once (the
//!   server certainly did not act, and no time passes for a cancel to miss). A
//!   timeout or reset after the request left is `OutcomeUnknown`; a refused
//!   connection is `Transport` (nothing was sent); a 5xx is returned for the
//!   caller to decide.
//! - Redirects are never followed, and the bearer token only goes to the
//!   configured API origin.
//! - Every response's `Date` header updates the estimate of the server's clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode, header};
use serde::Deserialize;
use url::Url;

use crate::auth::AccessToken;
use crate::client::Inner;
use crate::error::{Error, is_transient_status, truncate_body};
use crate::retry::{backoff, parse_retry_after};

/// The longest a 429 holds every send to its API (R-1). A longer `Retry-After` (up to
/// [`crate::retry::MAX_RETRY_AFTER`]) still defers the throttled item itself that long.
pub(crate) const MAX_PACER_HOLD: Duration = Duration::from_secs(5 * 60);

/// Whether the server acting twice would matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An idempotent read.
    Read,
    /// A state-changing action.
    Action,
}

pub(crate) struct Request {
    /// Pacing bucket, e.g. "machines.isolate".
    pub(crate) api: &'static str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) kind: Kind,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            status: self.status,
            raw_body: truncate_body(&self.body),
            detail: e.to_string(),
        })
    }
}

/// Defender's error envelope `{"error":{"code","message","target"}}`.
#[derive(Deserialize, Debug)]
pub(crate) struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize, Debug)]
struct ErrorBody {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    target: Option<serde_json::Value>,
}

fn text(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The `Api` error for a non-success answer.
pub(crate) fn api_error(status: u16, body: &[u8], retry_after: Option<Duration>) -> Error {
    let reason = || {
        StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Unknown")
            .replace([' ', '-'], "")
    };
    match serde_json::from_slice::<ErrorEnvelope>(body) {
        Ok(env) => Error::Api {
            status,
            code: text(env.error.code).unwrap_or_else(reason),
            message: text(env.error.message).unwrap_or_default(),
            target: text(env.error.target),
            retry_after,
        },
        Err(_) => Error::Api {
            status,
            code: reason(),
            message: truncate_body(body),
            target: None,
            retry_after,
        },
    }
}

/// A reqwest error, seen from the caller's side. A refused certificate is named as
/// such (the handshake failed: nothing was sent), whatever the kind.
pub(crate) fn classify(err: &reqwest::Error, kind: Kind) -> Error {
    if let Some(untrusted) = crate::tls::untrusted_certificate(err, None) {
        return untrusted;
    }
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    if err.is_connect() || err.is_builder() || kind == Kind::Read {
        Error::Transport {
            detail,
            timed_out: err.is_timeout(),
        }
    } else {
        Error::OutcomeUnknown { detail }
    }
}

impl Inner {
    pub(crate) fn note_date(&self, headers: &header::HeaderMap) {
        let Some(date) = headers
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| DateTime::parse_from_rfc2822(s).ok())
        else {
            return;
        };
        let skew = date.with_timezone(&Utc) - Utc::now();
        *self
            .skew
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(skew);
    }

    async fn token(&self) -> Result<std::sync::Arc<AccessToken>, Error> {
        self.tokens.get(|| self.fetch_token()).await
    }

    /// Send `req`, retrying as the module docs say; a 2xx answer or an error.
    pub(crate) async fn send(&self, req: Request) -> Result<Answer, Error> {
        if req.url.origin() != self.endpoints.api_base.origin() {
            return Err(Error::InvalidEndpoint {
                url: req.url.to_string(),
                reason: "the bearer token is only sent to the configured API base".into(),
            });
        }
        let opts = &self.options;
        let (mut retries, mut throttled, mut reauthenticated) = (0u32, 0u32, false);
        loop {
            self.pacer.acquire(req.api).await;
            let token = self.token().await?;
            let mut builder = self
                .http
                .request(req.method.clone(), req.url.clone())
                .bearer_auth(token.value.expose())
                .header(header::ACCEPT, "application/json");
            if let Some(body) = &req.body {
                builder = builder.json(body);
            }
            tracing::debug!(method = %req.method, path = req.url.path(), "request");
            let response = match builder.send().await {
                Ok(r) => r,
                Err(e) => {
                    let err = classify(&e, req.kind);
                    if req.kind == Kind::Read
                        && err.is_retryable()
                        && retries < opts.max_get_retries
                    {
                        retries += 1;
                        tracing::warn!(error = %err, retries, "transport error; retrying");
                        tokio::time::sleep(backoff(retries, opts.base_backoff, opts.max_backoff))
                            .await;
                        continue;
                    }
                    return Err(err);
                }
            };
            self.note_date(response.headers());
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            tracing::debug!(method = %req.method, path = req.url.path(), status, "response");
            if (300..400).contains(&status) {
                return Err(Error::Redirect {
                    status,
                    location: headers
                        .get(header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                });
            }
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if (200..300).contains(&status) || req.kind == Kind::Read => {
                    let err = classify(&e, req.kind);
                    if req.kind == Kind::Read && retries < opts.max_get_retries {
                        retries += 1;
                        tokio::time::sleep(backoff(retries, opts.base_backoff, opts.max_backoff))
                            .await;
                        continue;
                    }
                    return Err(err);
                }
                Err(_) => Vec::new(), // an error status without its body
            };
            if (200..300).contains(&status) {
                return Ok(Answer { status, body });
            }
            let retry_after = parse_retry_after(&headers, Utc::now());
            let err = api_error(status, &body, retry_after);
            if status == 401 && !reauthenticated {
                tracing::info!("401 from the API; re-acquiring the token once");
                reauthenticated = true;
                self.tokens.invalidate(&token);
                continue;
            }
            let wait = if status == 429 {
                throttled += 1;
                self.throttled_total
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let wait = retry_after
                    .unwrap_or_else(|| backoff(throttled, opts.base_backoff, opts.max_backoff));
                // Every send to this API waits too, not only this one (R-1), for at
                // most a few minutes: a later send asks again and is told again.
                self.pacer.hold(
                    req.api,
                    tokio::time::Instant::now() + wait.min(MAX_PACER_HOLD),
                );
                // An action is never resent from here: the caller decides (module docs).
                (req.kind == Kind::Read
                    && throttled <= opts.max_throttle_retries
                    && wait <= opts.max_backoff)
                    .then_some(wait)
            } else if req.kind == Kind::Read
                && is_transient_status(status)
                && retries < opts.max_get_retries
            {
                retries += 1;
                let wait = retry_after
                    .unwrap_or_else(|| backoff(retries, opts.base_backoff, opts.max_backoff));
                (wait <= opts.max_backoff).then_some(wait)
            } else {
                None
            };
            match wait {
                Some(wait) => {
                    tracing::warn!(status, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn error_envelope() {
        let e = api_error(
            404,
            br#"{"error":{"code":"ResourceNotFound","message":"Machine 1 was not found","target":"|b1838e63-40a6640ddd2719ac."}}"#,
            None,
        );
        assert_eq!(e.code(), Some("ResourceNotFound"));
        assert_eq!(e.correlation_id(), Some("|b1838e63-40a6640ddd2719ac."));
        let empty = api_error(405, b"", None);
        assert_eq!(empty.code(), Some("MethodNotAllowed"));
        let html = api_error(
            502,
            b"<html>bad gateway</html>",
            Some(Duration::from_secs(2)),
        );
        match html {
            Error::Api {
                code,
                message,
                retry_after,
                ..
            } => {
                assert_eq!(code, "BadGateway");
                assert_eq!(message, "<html>bad gateway</html>");
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
    }
}
