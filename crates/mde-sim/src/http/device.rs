//! The device-code flow of the public client (§1.2), apart from `oauth.rs` so that each
//! flow stays readable: the device-code endpoint (with an optional `login_hint` naming
//! the person who will approve), the `/devicelogin` page that approves a code, and the
//! token grant that answers `authorization_pending` until then.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::errors::EntraError;
use super::oauth::{Grant, delegated_tokens, random_token, tenant_ok};
use super::token::{TokenRequest, unknown_app};
use super::{Shared, lock};
use crate::identities::{API_SCOPE, PUBLIC_CLIENT_ID};
use crate::urlenc;

/// Sim seconds after which a pending device code is approved by its person.
pub const DEVICE_AUTO_APPROVE_SECS: i64 = 10;

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub grant: Grant,
    pub user_code: String,
    pub issued: DateTime<Utc>,
    pub approved: bool,
}

fn invalid_grant(req: &TokenRequest, code: u32, msg: &str) -> EntraError {
    req.err(StatusCode::BAD_REQUEST, "invalid_grant", code, msg)
}

pub fn redeem_device(s: &Shared, req: &TokenRequest) -> Result<serde_json::Value, EntraError> {
    let code = req
        .get("device_code")
        .or_else(|| req.get("code"))
        .map_or_else(|| req.require("device_code"), Ok)?;
    let mut flows = lock(&s.flows);
    let Some(entry) = flows.devices.get(code).cloned() else {
        return Err(invalid_grant(req, 70019, "Verification code expired."));
    };
    if req.now > entry.issued + Duration::seconds(900) {
        flows.devices.remove(code);
        return Err(req.err(StatusCode::BAD_REQUEST, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."));
    }
    let approved =
        entry.approved || req.now >= entry.issued + Duration::seconds(DEVICE_AUTO_APPROVE_SECS);
    if !approved {
        return Err(req.err(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ));
    }
    flows.devices.remove(code);
    drop(flows);
    delegated_tokens(s, req, entry.grant)
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`: `client_id`, `scope`, optional `login_hint`.
pub async fn devicecode(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    let now = s.now();
    let form: std::collections::HashMap<String, String> =
        urlenc::parse(&String::from_utf8_lossy(&body))
            .into_iter()
            .collect();
    let req = TokenRequest {
        tenant: tenant.clone(),
        form,
        basic: None,
        now,
        v1: false,
    };
    if !tenant_ok(&tenant) {
        return req
            .err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                format!("Tenant '{tenant}' not found."),
            )
            .into_response();
    }
    let client_id = match req.client_id() {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) {
        return unknown_app(&req, &client_id).into_response();
    }
    let person = match super::people::signing_in(req.get("login_hint"), now) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let scope = req.get("scope").unwrap_or(API_SCOPE).to_string();
    let device_code = random_token(48);
    let user_code: String = random_token(6)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_uppercase();
    let grant = Grant {
        client_id,
        scope,
        person,
    };
    lock(&s.flows).devices.insert(
        device_code.clone(),
        DeviceCode {
            grant,
            user_code: user_code.clone(),
            issued: now,
            approved: false,
        },
    );
    let uri = format!("{}/devicelogin", s.base_url);
    Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": 900,
        "interval": 5,
        "message": format!("To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate."),
    }))
    .into_response()
}

/// The page a user would visit: `?code=USERCODE` approves that device code at once.
pub async fn device_login(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let code = urlenc::parse(q.as_deref().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v);
    let mut flows = lock(&s.flows);
    let hit = flows.devices.values_mut().find(|d| {
        code.as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(&d.user_code))
    });
    match hit {
        Some(d) => {
            d.approved = true;
            let upn = d.grant.person.upn;
            (
                StatusCode::OK,
                format!("Signed in as {upn}. You may close this window."),
            )
                .into_response()
        }
        None => (StatusCode::BAD_REQUEST, "Unknown or expired code.").into_response(),
    }
}
