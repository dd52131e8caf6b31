//! Delegated sign-in for the public client (§1.2): authorization code with PKCE (the
//! authorize endpoint completes at once for the demo user and redirects to the loopback
//! `redirect_uri`), refresh tokens, the device-code flow with `authorization_pending`,
//! with discovery and client assertions in `discovery.rs`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::errors::EntraError;
use super::token::{TokenRequest, audience_of_scope, issue, stable_guid, unknown_app};
use super::{Shared, jwt, lock};
use crate::crypto::{b64url, sha256};
use crate::identities::{
    self, API_SCOPE, DEMO_USER, DEMO_USER_NAME, DEMO_USER_SCOPES, PUBLIC_CLIENT_ID, TENANT_ID,
};
use crate::urlenc;

/// Sim seconds after which a pending device code is approved by the demo user.
pub const DEVICE_AUTO_APPROVE_SECS: i64 = 10;

#[derive(Debug, Clone)]
pub struct Grant {
    pub client_id: String,
    pub scope: String,
    pub user: String,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub grant: Grant,
    pub user_code: String,
    pub issued: DateTime<Utc>,
    pub approved: bool,
}

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(super::discovery::discovery),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(super::discovery::discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(super::discovery::keys))
        .route("/devicelogin", get(device_login))
}

fn random_token(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    b64url(&b)
}

fn tenant_ok(t: &str) -> bool {
    identities::is_tenant(t)
        || t.eq_ignore_ascii_case("organizations")
        || t.eq_ignore_ascii_case("common")
}

/// Loopback redirect URIs only (`http://localhost[:port]…`, `http://127.0.0.1…`), as for a
/// "Mobile and desktop" registration (P1).
fn loopback(uri: &str) -> bool {
    ["http://localhost", "http://127.0.0.1", "http://[::1]"]
        .iter()
        .any(|p| {
            uri.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/', '?']))
        })
}

async fn authorize(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let now = s.now();
    let p: std::collections::HashMap<String, String> = urlenc::parse(q.as_deref().unwrap_or(""))
        .into_iter()
        .collect();
    let bad = |code: u32, msg: String| {
        EntraError::new(StatusCode::BAD_REQUEST, "invalid_request", code, msg, now).into_response()
    };
    if !tenant_ok(&tenant) {
        return bad(90002, format!("Tenant '{tenant}' not found."));
    }
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    if !client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) && identities::app(&client_id).is_none() {
        return bad(
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            ),
        );
    }
    let redirect = p.get("redirect_uri").cloned().unwrap_or_default();
    if !loopback(&redirect) {
        return bad(
            50011,
            format!(
                "The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
            ),
        );
    }
    let state = p.get("state").cloned();
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let code = random_token(32);
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let challenge = match (
        p.get("code_challenge"),
        p.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(c), Some("S256") | None) => Some((c.clone(), "S256".to_string())),
        (Some(c), Some("plain")) => Some((c.clone(), "plain".to_string())),
        (Some(_), Some(_)) => return bad(501491, "Invalid code_challenge_method.".into()),
        (None, _) => None,
    };
    if p.get("response_type").map(String::as_str) != Some("code") {
        pairs.push(("error", "unsupported_response_type"));
        pairs.push((
            "error_description",
            "AADSTS700054: response_type must be 'code'.",
        ));
    } else {
        let grant = Grant {
            client_id,
            scope: p.get("scope").cloned().unwrap_or_else(|| API_SCOPE.into()),
            user: DEMO_USER.into(),
        };
        lock(&s.flows).codes.insert(
            code.clone(),
            AuthCode {
                grant,
                redirect_uri: redirect.clone(),
                challenge,
                expires: now + Duration::minutes(10),
            },
        );
        pairs.push(("code", &code));
    }
    if let Some(st) = &state {
        pairs.push(("state", st));
    }
    let location = format!("{redirect}{sep}{}", urlenc::build(&pairs));
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn invalid_grant(req: &TokenRequest, code: u32, msg: &str) -> EntraError {
    req.err(StatusCode::BAD_REQUEST, "invalid_grant", code, msg)
}

pub fn redeem_code(s: &Shared, req: &TokenRequest) -> Result<Value, EntraError> {
    let code = req.require("code")?;
    let client_id = req.client_id()?;
    let entry = lock(&s.flows).codes.remove(code);
    let Some(entry) = entry.filter(|e| e.expires > req.now) else {
        return Err(invalid_grant(
            req,
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    };
    if !entry.grant.client_id.eq_ignore_ascii_case(&client_id) {
        return Err(invalid_grant(
            req,
            70000,
            "The provided authorization code was issued to a different client.",
        ));
    }
    if req.get("redirect_uri") != Some(entry.redirect_uri.as_str()) {
        return Err(invalid_grant(
            req,
            50148,
            "The redirect_uri does not match the one used in the authorization request.",
        ));
    }
    if let Some((challenge, method)) = &entry.challenge {
        let verifier = req.require("code_verifier")?;
        let computed = if method == "S256" {
            b64url(&sha256(verifier.as_bytes()))
        } else {
            verifier.to_string()
        };
        if &computed != challenge {
            return Err(invalid_grant(
                req,
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    delegated_tokens(s, req, entry.grant)
}

pub fn redeem_refresh(s: &Shared, req: &TokenRequest) -> Result<Value, EntraError> {
    let token = req.require("refresh_token")?;
    let client_id = req.client_id()?;
    let grant = lock(&s.flows).refresh.get(token).cloned();
    match grant {
        Some(g) if g.client_id.eq_ignore_ascii_case(&client_id) => delegated_tokens(s, req, g),
        _ => Err(invalid_grant(
            req,
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )),
    }
}

pub fn redeem_device(s: &Shared, req: &TokenRequest) -> Result<Value, EntraError> {
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

fn delegated_tokens(s: &Shared, req: &TokenRequest, grant: Grant) -> Result<Value, EntraError> {
    let aud = audience_of_scope(req, &grant.scope, false)?;
    let app_name = if grant.client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) {
        identities::PUBLIC_APP_NAME
    } else {
        identities::app(&grant.client_id).map_or("Unknown App", |a| a.display_name)
    };
    let scp = if super::token::is_defender(&aud) {
        DEMO_USER_SCOPES.join(" ")
    } else {
        "User.Read".into()
    };
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "appid": grant.client_id,
        "app_displayname": app_name,
        "scp": scp,
        "upn": grant.user,
        "unique_name": grant.user,
        "name": DEMO_USER_NAME,
        "oid": stable_guid(&grant.user),
        "sub": stable_guid(&grant.user),
        "amr": ["pwd", "mfa"],
        "ver": "1.0",
    });
    let refresh = random_token(48);
    lock(&s.flows)
        .refresh
        .insert(refresh.clone(), grant.clone());
    let mut resp = issue(s, req, claims, Some(refresh));
    if grant.scope.split(' ').any(|x| x == "openid") {
        let now = req.now.timestamp();
        let id = json!({
            "aud": grant.client_id,
            "iss": format!("{}/{TENANT_ID}/v2.0", s.base_url),
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": DEMO_USER_NAME, "preferred_username": grant.user,
            "oid": stable_guid(&grant.user), "sub": stable_guid(&grant.user), "tid": TENANT_ID, "ver": "2.0",
        });
        if let Some(o) = resp.as_object_mut() {
            o.insert("id_token".into(), json!(jwt::sign(&s.signing_key, &id)));
        }
    }
    Ok(resp)
}

async fn devicecode(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _ = headers;
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
        user: DEMO_USER.into(),
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
async fn device_login(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
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
            (
                StatusCode::OK,
                "Signed in as analyst@contoso.example. You may close this window.",
            )
                .into_response()
        }
        None => (StatusCode::BAD_REQUEST, "Unknown or expired code.").into_response(),
    }
}
