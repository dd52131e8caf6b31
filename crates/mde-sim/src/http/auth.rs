//! Bearer-token checks of the Defender API: 401 for a missing, invalid or expired token;
//! 403 for a wrong audience (M1) or a missing permission, naming the permission; then
//! the rate limit (429 with Retry-After).

use std::sync::Arc;
use std::time::Instant;

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};

use super::errors::ApiError;
use super::jwt::{self, Invalid};
use super::{Shared, lock};

/// Token audiences the API accepts: the WindowsDefenderATP resource under both names.
pub const ACCEPTED_AUDIENCES: &[&str] = &[
    "https://api.securitycenter.microsoft.com",
    "https://securitycenter.onmicrosoft.com/windowsatpservice",
    "fc780465-2017-40d4-a0c5-307022471b92",
];

/// Who is calling.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    /// Credited on actions: the app's display name, or the user's UPN (§1.2).
    pub requestor: Arc<str>,
    pub delegated: bool,
    pub permissions: Vec<String>,
}

impl Caller {
    /// Whether the caller holds any of `needed` (application names; the delegated form
    /// drops the `.All` suffix, §1.4).
    pub fn has_any(&self, needed: &[&str]) -> bool {
        needed.iter().any(|n| {
            let want = if self.delegated {
                n.strip_suffix(".All").unwrap_or(n)
            } else {
                n
            };
            self.permissions.iter().any(|p| p == want)
        })
    }
}

/// Checks the token, the permission (any of `needed`) and the rate limit for `api`.
pub fn authorize(
    shared: &Shared,
    headers: &HeaderMap,
    needed: &[&str],
    api: &'static str,
    now: DateTime<Utc>,
) -> Result<Caller, ApiError> {
    let caller = authenticate(shared, headers, now)?;
    if !caller.has_any(needed) {
        let list: Vec<String> = needed
            .iter()
            .map(|n| {
                if caller.delegated {
                    n.strip_suffix(".All").unwrap_or(n).to_string()
                } else {
                    (*n).to_string()
                }
            })
            .collect();
        let kind = if caller.delegated {
            "delegated"
        } else {
            "application"
        };
        return Err(ApiError::forbidden(format!(
            "The application does not have any of the required {kind} permissions ({}) to access the resource.",
            list.join(", ")
        )));
    }
    lock(&shared.limiter)
        .check(&caller.client_id, api, Instant::now())
        .map_err(ApiError::too_many)?;
    Ok(caller)
}

/// Reads and verifies the bearer token.
pub fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Caller, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("Authorization header is missing."))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("Authorization header must use the Bearer scheme.")
        })?;
    let claims = jwt::verify(&shared.signing_key, token, now).map_err(|e| {
        ApiError::unauthorized(match e {
            Invalid::Expired => "The access token has expired.",
            Invalid::NotYetValid => "The access token is not yet valid.",
            Invalid::Malformed | Invalid::BadSignature => "The access token is invalid.",
        })
    })?;
    let aud = claims["aud"].as_str().unwrap_or_default();
    if !ACCEPTED_AUDIENCES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(aud.trim_end_matches('/')))
    {
        return Err(ApiError::forbidden(format!(
            "The access token audience '{aud}' is not valid for this API; request a token for https://api.securitycenter.microsoft.com."
        )));
    }
    let delegated = claims.get("scp").is_some();
    let permissions: Vec<String> = if delegated {
        claims["scp"]
            .as_str()
            .unwrap_or_default()
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        claims["roles"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let requestor: Arc<str> = if delegated {
        Arc::from(claims["upn"].as_str().unwrap_or("unknown user"))
    } else {
        Arc::from(claims["app_displayname"].as_str().unwrap_or("Unknown App"))
    };
    Ok(Caller {
        client_id: claims["appid"].as_str().unwrap_or_default().to_string(),
        requestor,
        delegated,
        permissions,
    })
}
