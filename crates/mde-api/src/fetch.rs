//! The token request of a running client: client credentials (secret or
//! certificate) or a delegated refresh, on the v2.0 endpoint.
//!
//! Why it is separate from the API send path: token requests are safe to
//! repeat, so they are retried like reads, and a delegated refresh rotates the
//! refresh token: the new one is handed to the [`RefreshTokenStore`] *before*
//! the access token that came with it is returned (and so before it is used),
//! so the store never keeps a superseded token once a new one is in use (K-10).
//! This runs under the token cache's refresh lock: one refresh at a time.
//!
//! [`RefreshTokenStore`]: crate::RefreshTokenStore

use chrono::Utc;
use reqwest::header;
use url::Url;

use crate::auth::{AccessToken, TokenError, TokenResponse};
use crate::client::Inner;
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, is_transient_status, truncate_body};
use crate::retry::{backoff, parse_retry_after};
use crate::transport::{Answer, Kind, classify};

/// `{authority}/{tenant}/oauth2/v2.0/{leaf}`.
pub(crate) fn oauth_url(authority: &Url, tenant: &str, leaf: &str) -> Result<Url, Error> {
    let mut url = authority.clone();
    url.path_segments_mut()
        .map_err(|()| Error::InvalidEndpoint {
            url: authority.to_string(),
            reason: "not a base URL".into(),
        })?
        .pop_if_empty()
        .extend([tenant, "oauth2", "v2.0", leaf]);
    Ok(url)
}

impl Inner {
    /// The newest refresh token of a delegated client.
    fn current_refresh_token(&self) -> Option<Secret> {
        self.refresh_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Keeps and saves a rotated refresh token (before its access token is used).
    fn rotate(&self, new: Option<String>) {
        let Credentials::Delegated { store, .. } = &self.credentials else {
            return;
        };
        let Some(new) = new.filter(|t| !t.is_empty()).map(Secret::new) else {
            return;
        };
        if self.current_refresh_token().as_ref() == Some(&new) {
            return;
        }
        store.save(&new);
        *self
            .refresh_token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(new);
        tracing::debug!("refresh token rotated and saved");
    }

    /// Ask Entra ID for a token (v2.0 endpoint). Token requests are safe to
    /// repeat and are retried like reads.
    pub(crate) async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let url = oauth_url(
            &self.endpoints.authority,
            self.credentials.tenant_id(),
            "token",
        )?;
        let opts = &self.options;
        let mut retries = 0u32;
        loop {
            // Built per attempt: a certificate assertion is signed fresh (new jti).
            let form = self.credentials.form(
                &url,
                &self.endpoints.scope,
                self.current_refresh_token().as_ref(),
            )?;
            let started = tokio::time::Instant::now();
            let result = self.http.post(url.clone()).form(&form).send().await;
            drop(form);
            let outcome = match result {
                Err(e) => Err(classify(&e, Kind::Read)),
                Ok(response) => {
                    self.note_date(response.headers());
                    let status = response.status().as_u16();
                    let retry_after = parse_retry_after(response.headers(), Utc::now());
                    let location = response
                        .headers()
                        .get(header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    match response.bytes().await {
                        Err(e) => Err(classify(&e, Kind::Read)),
                        Ok(body) => Ok((status, retry_after, location, body.to_vec())),
                    }
                }
            };
            let err = match outcome {
                Ok((status, _, location, _)) if (300..400).contains(&status) => {
                    return Err(Error::Redirect { status, location });
                }
                Ok((status, _, _, body)) if (200..300).contains(&status) => {
                    let answer = Answer { status, body };
                    let token: TokenResponse = answer.decode().map_err(|e| match e {
                        // Never keep a body that may hold a token.
                        Error::Decode { status, detail, .. } => Error::Decode {
                            status,
                            raw_body: String::new(),
                            detail,
                        },
                        other => other,
                    })?;
                    let lifetime = token.lifetime();
                    self.rotate(token.refresh_token);
                    return Ok(AccessToken::new(token.access_token, lifetime, started));
                }
                Ok((status, retry_after, _, body)) => {
                    let e: TokenError = serde_json::from_slice(&body).unwrap_or_default();
                    let err = Error::Auth {
                        status,
                        error: if e.error.is_empty() {
                            format!("http_{status}")
                        } else {
                            e.error
                        },
                        description: if e.error_description.is_empty() {
                            truncate_body(&body)
                        } else {
                            e.error_description
                        },
                        correlation_id: e.correlation_id,
                    };
                    if !is_transient_status(status) {
                        return Err(err);
                    }
                    (err, retry_after)
                }
                // A refused certificate stays refused: no retry.
                Err(err) if !err.is_retryable() => return Err(err),
                Err(err) => (err, None),
            };
            let (err, retry_after) = err;
            if retries >= opts.max_get_retries {
                return Err(err);
            }
            retries += 1;
            let wait = retry_after
                .unwrap_or_else(|| backoff(retries, opts.base_backoff, opts.max_backoff));
            if wait > opts.max_backoff {
                return Err(err);
            }
            tracing::warn!(error = %err, retries, "token request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}
