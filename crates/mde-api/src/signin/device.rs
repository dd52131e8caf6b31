//! Device-code sign-in (RFC 8628), for machines without a usable browser.
//!
//! Why the polling is what it is (reliability-security.md K-11): the token
//! endpoint is polled every `interval` while it answers
//! `authorization_pending`, the interval grows by 5 s on each `slow_down`, and
//! polling stops at `expires_in` (counted from when the code was issued), at
//! `expired_token` and at `access_denied`. The `oauth2` crate's loop does this;
//! its clock is tied to tokio's so the policy is testable with a paused clock.
//! Device-code sign-in is a phishing vector (Storm-2372): the app keeps it off
//! by default and shows the exact verification URL and code.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, ClientId, DeviceAuthorizationResponse, DeviceAuthorizationUrl,
    DeviceCodeErrorResponseType, EndpointNotSet, EndpointSet, ExtraDeviceAuthorizationFields,
    RequestTokenError, Scope, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::{Recording, SignedIn, check_ids, http, oauth_error, plain_error, signed_in};
use crate::credentials::delegated_scope;
use crate::fetch::oauth_url;
use crate::{Endpoints, Error};

/// Microsoft's extra field of the device authorization answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MsDeviceFields {
    #[serde(default)]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for MsDeviceFields {}

type Details = DeviceAuthorizationResponse<MsDeviceFields>;
type TokenClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A device code waiting for the user: show [`message`](Self::message) (or the
/// code and URL), then [`finish`](Self::finish).
pub struct DeviceCode {
    details: Details,
    issued: Instant,
    message: String,
    client: TokenClient,
    http: reqwest::Client,
}

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCode")
            .field("user_code", &self.user_code())
            .field("verification_uri", &self.verification_uri())
            .field("expires_in", &self.expires_in())
            .finish_non_exhaustive()
    }
}

/// Asks the token service for a device code.
pub async fn start_device_code(
    endpoints: &Endpoints,
    tenant_id: &str,
    client_id: &str,
) -> Result<DeviceCode, Error> {
    check_ids(tenant_id, client_id)?;
    let device_url = oauth_url(&endpoints.authority, tenant_id, "devicecode")?;
    let token_url = oauth_url(&endpoints.authority, tenant_id, "token")?;
    let http = http(endpoints)?;
    let recording = Recording::new(&http);
    let details: Details = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(device_url))
        .exchange_device_code()
        .add_scope(Scope::new(delegated_scope(&endpoints.scope)))
        .request_async(&recording)
        .await
        .map_err(|e| oauth_error(e, recording.status()))?;
    let issued = Instant::now();
    let message = details.extra_fields().message.clone().unwrap_or_else(|| {
        format!(
            "To sign in, open {} and enter the code {}.",
            details.verification_uri().as_str(),
            details.user_code().secret()
        )
    });
    let client = BasicClient::new(ClientId::new(client_id.to_owned()))
        .set_token_uri(TokenUrl::from_url(token_url));
    Ok(DeviceCode {
        details,
        issued,
        message,
        client,
        http,
    })
}

impl DeviceCode {
    /// The code the user types at [`verification_uri`](Self::verification_uri).
    pub fn user_code(&self) -> &str {
        self.details.user_code().secret()
    }

    pub fn verification_uri(&self) -> &str {
        self.details.verification_uri().as_str()
    }

    /// The token service's own instructions (or one made of the code and URL).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How long the code is valid, from when it was issued.
    pub fn expires_in(&self) -> Duration {
        self.details.expires_in()
    }

    /// Polls until the user signs in, declines, or the code expires.
    pub async fn finish(self) -> Result<SignedIn, Error> {
        let remaining = self.expires_in().saturating_sub(self.issued.elapsed());
        let recording = Recording::new(&self.http);
        let token = poll(&self.client, &self.details, &recording, remaining)
            .await
            .map_err(|e| device_error(e, recording.status()))?;
        signed_in(&token)
    }
}

/// The `oauth2` polling loop with tokio's sleep and a clock that follows tokio's.
async fn poll<'c, C>(
    client: &'c TokenClient,
    details: &'c Details,
    http: &'c C,
    remaining: Duration,
) -> Result<BasicTokenResponse, RequestTokenError<C::Error, oauth2::DeviceCodeErrorResponse>>
where
    C: AsyncHttpClient<'c>,
{
    let (wall, mono) = (Utc::now(), Instant::now());
    let clock = move || -> DateTime<Utc> {
        wall + chrono::TimeDelta::from_std(mono.elapsed()).unwrap_or(chrono::TimeDelta::MAX)
    };
    client
        .exchange_device_access_token(details)
        .set_time_fn(clock)
        .request_async(http, tokio::time::sleep, Some(remaining))
        .await
}

fn device_error<RE: std::error::Error + 'static>(
    err: RequestTokenError<RE, oauth2::DeviceCodeErrorResponse>,
    status: u16,
) -> Error {
    match err {
        RequestTokenError::ServerResponse(e) => match e.error() {
            DeviceCodeErrorResponseType::AccessDenied => Error::SignIn {
                reason: "the user declined the sign-in".into(),
            },
            DeviceCodeErrorResponseType::ExpiredToken => Error::SignIn {
                reason: "the device code expired before the sign-in completed".into(),
            },
            other => Error::Auth {
                status,
                error: other.as_ref().to_owned(),
                description: e.error_description().cloned().unwrap_or_default(),
                correlation_id: None,
            },
        },
        other => plain_error(other, status),
    }
}

#[cfg(test)]
#[path = "device_tests.rs"]
mod tests;
