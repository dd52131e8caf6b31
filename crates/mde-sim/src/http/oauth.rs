//! Delegated sign-in for the public client (§1.2): authorization code with PKCE (the
//! authorize endpoint completes at once for the demo user, or the person `login_hint`
//! names, and redirects to the loopback `redirect_uri`) and refresh tokens; the
//! device-code flow is in `device.rs`, discovery in `discovery.rs`, the people in
//! `people.rs`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub use super::device::{DEVICE_AUTO_APPROVE_SECS, DeviceCode};
use super::errors::EntraError;
use super::token::{TokenRequest, audience_of_scope, issue, stable_guid};
use super::{Shared, jwt, lock};
use crate::crypto::{b64url, sha256};
use crate::identities::{self, API_SCOPE, PUBLIC_CLIENT_ID, Person, TENANT_ID};
use crate::urlenc;

/// What a person consented to: the client, the scope asked for, and who they are.
#[derive(Debug, Clone)]
pub struct Grant {
    pub client_id: String,
    pub scope: String,
    pub person: &'static Person,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub challenge: Option<(String, String)>,
    pub expires: DateTime<Utc>,
}

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(super::device::devicecode),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(super::discovery::discovery),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(super::discovery::discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(super::discovery::keys))
        .route("/devicelogin", get(super::device::device_login))
}

/// A random URL-safe token of `n` bytes (codes, refresh tokens).
pub(crate) fn random_token(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    b64url(&b)
}

pub(crate) fn tenant_ok(t: &str) -> bool {
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
    let person = match super::people::signing_in(p.get("login_hint").map(String::as_str), now) {
        Ok(person) => person,
        Err(e) => return e.into_response(),
    };
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
            person,
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

/// Remembers a refresh token for `grant` (a finished sign-in) and returns it.
pub(crate) fn new_refresh_token(s: &Shared, grant: Grant) -> String {
    let refresh = random_token(48);
    lock(&s.flows).refresh.insert(refresh.clone(), grant);
    refresh
}

/// The access token (and refresh token, and `id_token` when `openid` was asked for) of a
/// delegated grant: the person's own `upn`, `unique_name`, `name` and `oid`.
pub(crate) fn delegated_tokens(
    s: &Shared,
    req: &TokenRequest,
    grant: Grant,
) -> Result<Value, EntraError> {
    let aud = audience_of_scope(req, &grant.scope, false)?;
    let app_name = if grant.client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) {
        identities::PUBLIC_APP_NAME
    } else {
        identities::app(&grant.client_id).map_or("Unknown App", |a| a.display_name)
    };
    let who = grant.person;
    let oid = stable_guid(who.upn);
    let scp = if super::token::is_defender(&aud) {
        who.scopes.join(" ")
    } else {
        "User.Read".into()
    };
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "appid": grant.client_id,
        "app_displayname": app_name,
        "scp": scp,
        "upn": who.upn,
        "unique_name": who.upn,
        "name": who.name,
        "oid": oid,
        "sub": oid,
        "amr": ["pwd", "mfa"],
        "ver": "1.0",
    });
    let refresh = new_refresh_token(s, grant.clone());
    let mut resp = issue(s, req, claims, Some(refresh));
    if grant.scope.split(' ').any(|x| x == "openid") {
        let now = req.now.timestamp();
        let id = json!({
            "aud": grant.client_id,
            "iss": format!("{}/{TENANT_ID}/v2.0", s.base_url),
            "iat": now, "nbf": now, "exp": now + 3600,
            "name": who.name, "preferred_username": who.upn,
            "oid": oid, "sub": oid, "tid": TENANT_ID, "ver": "2.0",
        });
        if let Some(o) = resp.as_object_mut() {
            o.insert("id_token".into(), json!(jwt::sign(&s.signing_key, &id)));
        }
    }
    Ok(resp)
}
