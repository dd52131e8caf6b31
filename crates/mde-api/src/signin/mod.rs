//! Delegated sign-in: the analyst signs in as themselves, so Defender's RBAC
//! (device groups, "Active remediation actions") applies and actions are
//! credited to their UPN (reliability-security.md K-13, defender-api.md §1.2).
//!
//! Two flows, both through the `oauth2` crate over this crate's own `reqwest`
//! client ([`crate::net`]: the OS trust store, the system proxy, redirects never
//! followed, K-5):
//! - [`start_browser`]: authorization code + PKCE (S256) in the **system**
//!   browser, redirected to a one-shot listener on `127.0.0.1` (RFC 8252;
//!   K-6, K-7, K-8).
//! - [`start_device_code`]: for headless machines; polls as RFC 8628 says (K-11).
//!
//! Both end with a [`SignedIn`]: the refresh token (to keep in the OS
//! credential store and pass to [`crate::Credentials::Delegated`]), the user's
//! UPN and the delegated permissions (`scp`). The PKCE verifier, the codes and
//! the tokens are never logged; every `Debug` here redacts them.

mod browser;
mod device;

use std::sync::atomic::{AtomicU16, Ordering};

use base64::Engine as _;
use oauth2::basic::{BasicErrorResponse, BasicTokenResponse};
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse, RequestTokenError, TokenResponse as _};

pub use browser::{BrowserSignIn, start_browser};
pub(crate) use browser::{callback_params, printable, request_target, state_matches};
pub use device::{DeviceCode, start_device_code};

use crate::net::http_client;
use crate::{ClientOptions, Error, Secret};

/// The outcome of a delegated sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Keep it in the OS credential store; hand it to [`crate::Credentials::Delegated`].
    pub refresh_token: Secret,
    /// The user's UPN, from the access token (`upn`, `unique_name` or `preferred_username`).
    pub account: Option<String>,
    /// The delegated permissions granted (`scp`), e.g. `Machine.Isolate`.
    pub permissions: Vec<String>,
}

/// A tenant id (GUID or domain) and client id that can go in a URL path.
fn check_ids(tenant_id: &str, client_id: &str) -> Result<(), Error> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
    };
    if !ok(tenant_id) {
        return Err(Error::InvalidArgument {
            detail: format!("tenant id {tenant_id:?}"),
        });
    }
    if !ok(client_id) {
        return Err(Error::InvalidArgument {
            detail: format!("client id {client_id:?}"),
        });
    }
    Ok(())
}

/// The HTTP client of the sign-in flows (same rules as the API client's), for the
/// authority's host.
fn http(endpoints: &crate::Endpoints) -> Result<reqwest::Client, Error> {
    http_client(&ClientOptions::default(), &[&endpoints.authority])
}

/// An `oauth2` HTTP client over `reqwest` that remembers the last status, so
/// that token errors keep it.
struct Recording<'h> {
    http: &'h reqwest::Client,
    status: AtomicU16,
}

impl<'h> Recording<'h> {
    fn new(http: &'h reqwest::Client) -> Self {
        Self {
            http,
            status: AtomicU16::new(0),
        }
    }

    fn status(&self) -> u16 {
        self.status.load(Ordering::Relaxed)
    }
}

impl<'c> AsyncHttpClient<'c> for Recording<'_> {
    type Error = <reqwest::Client as AsyncHttpClient<'c>>::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        let sent = self.http.call(request);
        Box::pin(async move {
            let response = sent.await?;
            self.status
                .store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}

/// An `oauth2` error as this crate's error. Bodies are not kept: they may hold tokens.
fn oauth_error<RE: std::error::Error + 'static>(
    err: RequestTokenError<RE, BasicErrorResponse>,
    status: u16,
) -> Error {
    match err {
        RequestTokenError::ServerResponse(e) => Error::Auth {
            status,
            error: e.error().as_ref().to_owned(),
            description: e.error_description().cloned().unwrap_or_default(),
            correlation_id: None,
        },
        other => plain_error(other, status),
    }
}

/// The errors that are not the server's answer.
fn plain_error<RE: std::error::Error + 'static, TE: oauth2::ErrorResponse + 'static>(
    err: RequestTokenError<RE, TE>,
    status: u16,
) -> Error {
    match err {
        RequestTokenError::ServerResponse(e) => Error::Auth {
            status,
            error: format!("http_{status}"),
            description: format!("{e:?}"),
            correlation_id: None,
        },
        RequestTokenError::Request(e) => {
            if let Some(untrusted) = crate::tls::untrusted_certificate(&e, None) {
                return untrusted;
            }
            let mut detail = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                detail.push_str(": ");
                detail.push_str(&s.to_string());
                source = s.source();
            }
            Error::Transport {
                detail,
                timed_out: false,
            }
        }
        RequestTokenError::Parse(e, _body) => Error::Decode {
            status,
            raw_body: String::new(),
            detail: e.to_string(),
        },
        RequestTokenError::Other(detail) => Error::SignIn { reason: detail },
    }
}

/// The [`SignedIn`] of a token answer.
pub(crate) fn signed_in(token: &BasicTokenResponse) -> Result<SignedIn, Error> {
    let refresh = token.refresh_token().ok_or_else(|| Error::SignIn {
        reason: "no refresh token came back (is offline_access allowed for the app?)".into(),
    })?;
    let access = token.access_token().secret();
    Ok(SignedIn {
        refresh_token: Secret::new(refresh.secret().clone()),
        account: account_of(access),
        permissions: crate::auth::token_permissions(access)?,
    })
}

/// The user of an access token (payload read without checking the signature,
/// only to show who signed in).
fn account_of(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    ["upn", "unique_name", "preferred_username", "email"]
        .iter()
        .find_map(|k| claims.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned)
}
