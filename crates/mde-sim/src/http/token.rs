//! The Entra ID token endpoint (v2.0 `scope` style and v1 `resource` style, §1.1):
//! client credentials with a secret (form or HTTP Basic) or a client assertion, and the
//! delegated grants of `oauth.rs`. Errors come in Entra's shape with the AADSTS codes a
//! client will meet for real.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::errors::EntraError;
use super::{Shared, jwt};
use crate::crypto::sha256;
use crate::identities::{self, API_RESOURCE, TENANT_ID};
use crate::urlenc;

/// Resources the demo tenant knows (scope = resource + `/.default`).
const KNOWN_RESOURCES: &[&str] = &[
    API_RESOURCE,
    "https://securitycenter.onmicrosoft.com/windowsatpservice",
    "https://api.security.microsoft.com",
    "https://api.securitycenter.windows.com",
    "https://graph.microsoft.com",
];

/// State of the interactive flows (codes, refresh tokens, device codes).
#[derive(Default)]
pub struct Flows {
    pub codes: HashMap<String, super::oauth::AuthCode>,
    pub refresh: HashMap<String, super::oauth::Grant>,
    pub devices: HashMap<String, super::device::DeviceCode>,
}

/// A parsed token request.
pub struct TokenRequest {
    pub tenant: String,
    pub form: HashMap<String, String>,
    pub basic: Option<(String, String)>,
    pub now: DateTime<Utc>,
    /// v1 endpoint (`resource=`), v2 otherwise (`scope=`).
    pub v1: bool,
}

impl TokenRequest {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.form
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn require(&self, key: &str) -> Result<&str, EntraError> {
        self.get(key).ok_or_else(|| {
            self.err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                format!("The request body must contain the following parameter: '{key}'."),
            )
        })
    }

    pub fn err(
        &self,
        status: StatusCode,
        error: &'static str,
        code: u32,
        msg: impl Into<String>,
    ) -> EntraError {
        EntraError::new(status, error, code, msg, self.now)
    }

    pub fn client_id(&self) -> Result<String, EntraError> {
        match (&self.basic, self.get("client_id")) {
            (Some((id, _)), _) => Ok(id.clone()),
            (None, Some(id)) => Ok(id.to_string()),
            (None, None) => Err(self.err(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )),
        }
    }
}

pub async fn token_v2(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(&s, tenant, &headers, &body, false)
}

pub async fn token_v1(
    State(s): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(&s, tenant, &headers, &body, true)
}

fn token(s: &Shared, tenant: String, headers: &HeaderMap, body: &[u8], v1: bool) -> Response {
    let form: HashMap<String, String> = urlenc::parse(&String::from_utf8_lossy(body))
        .into_iter()
        .collect();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|b| {
            b.split_once(':')
                .map(|(u, p)| (urlenc::decode(u), urlenc::decode(p)))
        });
    let req = TokenRequest {
        tenant,
        form,
        basic,
        now: s.now(),
        v1,
    };
    match grant(s, &req) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

fn grant(s: &Shared, req: &TokenRequest) -> Result<Value, EntraError> {
    if !identities::is_tenant(&req.tenant) {
        return Err(req.err(StatusCode::BAD_REQUEST, "invalid_request", 90002, format!(
            "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
            req.tenant
        )));
    }
    match req.require("grant_type")? {
        "client_credentials" => client_credentials(s, req),
        "authorization_code" => super::oauth::redeem_code(s, req),
        "refresh_token" => super::oauth::redeem_refresh(s, req),
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            super::device::redeem_device(s, req)
        }
        other => Err(req.err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// Resolves `scope` (v2) or `resource` (v1) to the token audience.
pub fn audience(req: &TokenRequest, client_credentials: bool) -> Result<String, EntraError> {
    if req.v1 {
        let resource = req.require("resource")?.trim_end_matches('/').to_string();
        return known_resource(req, resource);
    }
    audience_of_scope(req, req.require("scope")?, client_credentials)
}

/// Resolves a v2 scope string (`<resource>/.default` or `<resource>/<permission>`).
pub fn audience_of_scope(
    req: &TokenRequest,
    scope: &str,
    client_credentials: bool,
) -> Result<String, EntraError> {
    let resource = {
        let main = scope
            .split(' ')
            .find(|s| !matches!(*s, "openid" | "profile" | "offline_access" | "email" | ""))
            .unwrap_or(scope);
        match main.strip_suffix("/.default") {
            Some(r) => r.to_string(),
            None if client_credentials => {
                return Err(req.err(StatusCode::BAD_REQUEST, "invalid_scope", 1002012, format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                )));
            }
            None => match main.rsplit_once('/') {
                Some((r, _)) if r.starts_with("https://") => r.to_string(),
                _ => return Err(req.err(StatusCode::BAD_REQUEST, "invalid_scope", 70011, format!(
                    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid: '{scope}'."
                ))),
            },
        }
    };
    known_resource(req, resource)
}

fn known_resource(req: &TokenRequest, resource: String) -> Result<String, EntraError> {
    if !resource.starts_with("https://") && !resource.contains('-') {
        return Err(req.err(StatusCode::BAD_REQUEST, "invalid_scope", 70011, format!(
            "The provided value for the input parameter 'scope' is not valid. The scope {resource} is not valid."
        )));
    }
    if !KNOWN_RESOURCES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(&resource))
    {
        return Err(req.err(StatusCode::BAD_REQUEST, "invalid_resource", 500011, format!(
            "The resource principal named {resource} was not found in the tenant named {TENANT_ID}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
        )));
    }
    Ok(resource)
}

fn client_credentials(s: &Shared, req: &TokenRequest) -> Result<Value, EntraError> {
    let client_id = req.client_id()?;
    if client_id.eq_ignore_ascii_case(identities::PUBLIC_CLIENT_ID) {
        return Err(req.err(StatusCode::UNAUTHORIZED, "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
    }
    let app = identities::app(&client_id).ok_or_else(|| unknown_app(req, &client_id))?;
    let secret = req
        .basic
        .as_ref()
        .map(|(_, p)| p.as_str())
        .or_else(|| req.get("client_secret"));
    match (secret, req.get("client_assertion")) {
        (Some(secret), _) => {
            if secret != app.secret {
                return Err(req.err(StatusCode::UNAUTHORIZED, "invalid_client", 7000215, format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.client_id
                )));
            }
        }
        (None, Some(assertion)) => {
            super::certs::check_client_assertion(s, req, app.client_id, assertion)?
        }
        (None, None) => {
            return Err(req.err(StatusCode::UNAUTHORIZED, "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
        }
    }
    let aud = audience(req, true)?;
    let roles: Vec<&str> = if is_defender(&aud) {
        app.roles.to_vec()
    } else {
        Vec::new()
    };
    let claims = json!({
        "aud": aud,
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "idp": format!("https://sts.windows.net/{TENANT_ID}/"),
        "appid": app.client_id,
        "appidacr": "1",
        "app_displayname": app.display_name,
        "oid": stable_guid(app.client_id),
        "sub": stable_guid(app.client_id),
        "roles": roles,
        // Entra's optional claim telling app-only tokens from user tokens.
        "idtyp": "app",
        "ver": "1.0",
    });
    Ok(issue(s, req, claims, None))
}

/// Whether an audience is the Defender API.
pub fn is_defender(aud: &str) -> bool {
    super::auth::ACCEPTED_AUDIENCES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(aud))
}

pub fn unknown_app(req: &TokenRequest, client_id: &str) -> EntraError {
    req.err(StatusCode::BAD_REQUEST, "unauthorized_client", 700016, format!(
        "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
        req.tenant
    ))
}

/// Signs an access token with the standard time claims and builds the token response.
pub fn issue(s: &Shared, req: &TokenRequest, mut claims: Value, refresh: Option<String>) -> Value {
    let now = req.now.timestamp();
    let life = i64::from(s.token_lifetime.load(std::sync::atomic::Ordering::Relaxed));
    if let Some(o) = claims.as_object_mut() {
        o.insert("tid".into(), json!(TENANT_ID));
        o.insert("iat".into(), json!(now));
        o.insert("nbf".into(), json!(now));
        o.insert("exp".into(), json!(now + life));
        o.insert("uti".into(), json!(crate::crypto::b64url(&rand_bytes())));
    }
    let access_token = jwt::sign(&s.signing_key, &claims);
    let mut resp = json!({
        "token_type": "Bearer",
        "expires_in": life,
        "ext_expires_in": life,
        "access_token": access_token,
    });
    if let Some(o) = resp.as_object_mut() {
        if req.v1 {
            o.insert("expires_on".into(), json!((now + life).to_string()));
            o.insert("not_before".into(), json!(now.to_string()));
            o.insert("resource".into(), claims["aud"].clone());
            o.insert("expires_in".into(), json!(life.to_string()));
            o.insert("ext_expires_in".into(), json!(life.to_string()));
        }
        if let Some(r) = refresh {
            o.insert("refresh_token".into(), json!(r));
        }
        if claims.get("scp").is_some() {
            o.insert("scope".into(), json!(format!("{API_RESOURCE}/.default")));
        }
    }
    resp
}

fn rand_bytes() -> [u8; 16] {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b
}

/// A GUID derived from a name, stable across runs (object ids of apps and users).
pub fn stable_guid(name: &str) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&sha256(name.as_bytes())[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Routes of the interactive flows and discovery.
pub fn extra_routes() -> Router<Arc<Shared>> {
    super::oauth::routes()
}
