//! OpenID discovery (so standard OAuth/OIDC libraries accept the simulator as an
//! authority) and certificate credentials (client assertions, E1).
//!
//! Client assertions are checked for shape, issuer, audience and lifetime, not for their
//! RSA signature (the simulator has no certificate store); lifetime is checked against
//! real time because the client signs them with its own clock.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::errors::EntraError;
use super::token::TokenRequest;
use super::{Shared, jwt};
use crate::identities::TENANT_ID;

/// Checks a certificate credential's JWT (E1).
pub fn check_client_assertion(
    req: &TokenRequest,
    client_id: &str,
    assertion: &str,
) -> Result<(), EntraError> {
    let fail =
        |code: u32, msg: &str| req.err(StatusCode::UNAUTHORIZED, "invalid_client", code, msg);
    if req.get("client_assertion_type")
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Err(req.err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            700025,
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        ));
    }
    let (head, body) = jwt::peek(assertion)
        .ok_or_else(|| fail(700027, "Client assertion failed signature validation."))?;
    if head.get("x5t").is_none() && head.get("x5t#S256").is_none() && head.get("kid").is_none() {
        return Err(fail(
            700027,
            "Client assertion contains an invalid signature: no key identifier (x5t).",
        ));
    }
    let (iss, sub) = (
        body["iss"].as_str().unwrap_or_default(),
        body["sub"].as_str().unwrap_or_default(),
    );
    if !iss.eq_ignore_ascii_case(client_id) || !sub.eq_ignore_ascii_case(client_id) {
        return Err(fail(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    let aud = body["aud"].as_str().unwrap_or_default();
    if !aud.contains("/oauth2/v2.0/token") && !aud.contains("/oauth2/token") {
        return Err(fail(
            700019,
            "Client assertion audience claim does not match Realm issuer.",
        ));
    }
    let real = Utc::now().timestamp();
    let exp_ok = body["exp"].as_i64().is_some_and(|e| e > real - 300);
    let nbf_ok = body["nbf"].as_i64().is_none_or(|n| n <= real + 300);
    if !exp_ok || !nbf_ok {
        return Err(fail(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

pub async fn discovery(State(s): State<Arc<Shared>>, Path(tenant): Path<String>) -> Response {
    let b = &s.base_url;
    Json(json!({
        "token_endpoint": format!("{b}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{b}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{b}/{TENANT_ID}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{b}/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{b}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "name", "preferred_username", "oid", "tid", "ver"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }))
    .into_response()
}

pub async fn keys() -> Json<Value> {
    // HS256 keys are secret: nothing to publish. Clients must not validate access tokens.
    Json(json!({"keys": []}))
}
