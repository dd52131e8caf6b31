//! Certificate credentials (E1): the keys registered for each confidential app and the
//! RS256 check of a `client_assertion` against them. Entra verifies the assertion's
//! signature with the certificate uploaded to the app registration; a simulator that
//! skipped it would let a client with a broken signer pass every test and fail against
//! the real tenant. Keys come from `SimConfig::app_keys` or from
//! `POST /_sim/apps/{client_id}/certificates`; they survive `POST /_sim/reset` because
//! they belong to the app registrations, not to the scenario.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rsa::RsaPublicKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde::Deserialize;
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{DecodePem, Encode};

use super::control::{bad, parse};
use super::errors::EntraError;
use super::token::TokenRequest;
use super::{Shared, lock};
use crate::crypto::{b64url, b64url_decode};
use crate::identities;

/// The assertion type Entra requires next to `client_assertion`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Clock skew allowed on `nbf` (the assertion is stamped with the client's real clock).
const NBF_SKEW_SECS: i64 = 300;

/// One registered credential of an app.
#[derive(Debug, Clone)]
pub struct AppKey {
    pub key: RsaPublicKey,
    /// base64url SHA-1 / SHA-256 of the certificate's DER (absent for a bare key).
    pub x5t: Option<String>,
    pub x5t_s256: Option<String>,
}

impl AppKey {
    /// Parses a PEM `CERTIFICATE`, `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1).
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let pem = pem.trim();
        if pem.contains("-----BEGIN CERTIFICATE-----") {
            let cert = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| format!("not a valid PEM certificate: {e}"))?;
            let der = cert
                .to_der()
                .map_err(|e| format!("cannot encode the certificate: {e}"))?;
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| format!("cannot encode the certificate's key: {e}"))?;
            let key = RsaPublicKey::from_public_key_der(&spki)
                .map_err(|e| format!("the certificate's key is not an RSA key: {e}"))?;
            Ok(Self {
                key,
                x5t: Some(b64url(&Sha1::digest(&der))),
                x5t_s256: Some(b64url(&Sha256::digest(&der))),
            })
        } else if pem.contains("-----BEGIN PUBLIC KEY-----") {
            let key = RsaPublicKey::from_public_key_pem(pem)
                .map_err(|e| format!("not a valid RSA public key: {e}"))?;
            Ok(Self {
                key,
                x5t: None,
                x5t_s256: None,
            })
        } else if pem.contains("-----BEGIN RSA PUBLIC KEY-----") {
            let key = RsaPublicKey::from_pkcs1_pem(pem)
                .map_err(|e| format!("not a valid RSA public key: {e}"))?;
            Ok(Self {
                key,
                x5t: None,
                x5t_s256: None,
            })
        } else {
            Err("expected a PEM CERTIFICATE or PUBLIC KEY".into())
        }
    }

    fn to_json(&self) -> Value {
        json!({"x5t": self.x5t, "x5t#S256": self.x5t_s256, "kind": if self.x5t.is_some() { "certificate" } else { "publicKey" }})
    }

    /// Whether this key may have signed an assertion with these header thumbprints: a
    /// certificate must match the thumbprint given; a bare key matches any.
    fn may_match(&self, x5t: Option<&str>, x5t_s256: Option<&str>) -> bool {
        match (x5t, x5t_s256) {
            (None, None) => true,
            _ if self.x5t.is_none() => true,
            _ => {
                x5t.is_some_and(|t| self.x5t.as_deref() == Some(t))
                    || x5t_s256.is_some_and(|t| self.x5t_s256.as_deref() == Some(t))
            }
        }
    }
}

/// Registered keys per app (client ids lower-cased).
#[derive(Debug, Default)]
pub struct KeyRing(HashMap<String, Vec<AppKey>>);

impl KeyRing {
    /// Builds the ring from `(client_id, pem)` pairs (the `SimConfig::app_keys` setting).
    pub fn from_config(pairs: &[(String, String)]) -> Result<Self, String> {
        let mut ring = Self::default();
        for (client_id, pem) in pairs {
            ring.add(client_id, AppKey::from_pem(pem)?)?;
        }
        Ok(ring)
    }

    /// Registers a key for a confidential app of the tenant.
    pub fn add(&mut self, client_id: &str, key: AppKey) -> Result<(), String> {
        if identities::app(client_id).is_none() {
            return Err(format!("no confidential app {client_id} in the tenant"));
        }
        self.0
            .entry(client_id.to_ascii_lowercase())
            .or_default()
            .push(key);
        Ok(())
    }

    pub fn keys(&self, client_id: &str) -> &[AppKey] {
        self.0
            .get(&client_id.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

/// Checks a certificate credential's JWT (E1): RS256 signature by a key registered for
/// the app (matched by `x5t`/`x5t#S256` when a certificate was registered), `iss` =
/// `sub` = client id, `aud` = this token endpoint, `exp` in the future, `nbf` not ahead.
pub fn check_client_assertion(
    s: &Shared,
    req: &TokenRequest,
    client_id: &str,
    assertion: &str,
) -> Result<(), EntraError> {
    let fail =
        |code: u32, msg: &str| req.err(StatusCode::UNAUTHORIZED, "invalid_client", code, msg);
    if req.get("client_assertion_type") != Some(JWT_BEARER) {
        return Err(req.err(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            700025,
            "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
        ));
    }
    let parts: Vec<&str> = assertion.split('.').collect();
    let decoded = match parts.as_slice() {
        [h, b, sig] => b64url_decode(h)
            .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
            .zip(b64url_decode(b).and_then(|b| serde_json::from_slice::<Value>(&b).ok()))
            .zip(b64url_decode(sig)),
        _ => None,
    };
    let Some(((head, body), sig)) = decoded else {
        return Err(fail(50027, "JWT token is invalid or malformed."));
    };
    if head["alg"].as_str() != Some("RS256") {
        return Err(fail(
            5002738,
            "Invalid JWT token. 'alg' must be RS256 for a client assertion.",
        ));
    }
    let (x5t, x5t_s256) = (head["x5t"].as_str(), head["x5t#S256"].as_str());
    let ring = lock(&s.keys);
    let keys = ring.keys(client_id);
    if keys.is_empty() {
        return Err(fail(
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found.]",
        ));
    }
    let candidates: Vec<&AppKey> = keys.iter().filter(|k| k.may_match(x5t, x5t_s256)).collect();
    if candidates.is_empty() {
        return Err(fail(
            700027,
            "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: see x5t]",
        ));
    }
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let verified = Signature::try_from(sig.as_slice()).is_ok_and(|sig| {
        candidates.iter().any(|k| {
            VerifyingKey::<Sha256>::new(k.key.clone())
                .verify(signing_input.as_bytes(), &sig)
                .is_ok()
        })
    });
    drop(ring);
    if !verified {
        return Err(fail(
            700027,
            "Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]",
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
    if !token_endpoints(s, &req.tenant)
        .iter()
        .any(|t| t.eq_ignore_ascii_case(aud.trim_end_matches('/')))
    {
        return Err(fail(
            700016,
            "Client assertion audience claim does not match the token endpoint.",
        ));
    }
    let real = Utc::now().timestamp();
    let exp_ok = body["exp"].as_i64().is_some_and(|e| e > real);
    let nbf_ok = body["nbf"]
        .as_i64()
        .is_none_or(|n| n <= real + NBF_SKEW_SECS);
    if !exp_ok || !nbf_ok {
        return Err(fail(
            700024,
            "Client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

/// The URLs an assertion's `aud` may name: the v2.0 and v1 token endpoints of the tenant
/// (by id or domain), on this server.
fn token_endpoints(s: &Shared, tenant: &str) -> Vec<String> {
    let mut bases = vec![s.base_url.clone()];
    if let Some((scheme, port)) = s.base_url.split_once("://127.0.0.1") {
        bases.push(format!("{scheme}://localhost{port}"));
    }
    let mut out = Vec::new();
    for b in &bases {
        for t in [tenant, identities::TENANT_ID, identities::TENANT_DOMAIN] {
            out.push(format!("{b}/{t}/oauth2/v2.0/token"));
            out.push(format!("{b}/{t}/oauth2/token"));
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeyBody {
    public_key_pem: Option<String>,
    certificate_pem: Option<String>,
}

/// `POST /_sim/apps/{client_id}/certificates` with `{"publicKeyPem"}` or `{"certificatePem"}`.
pub async fn register(
    State(s): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Response {
    let b: KeyBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let pem = match (b.public_key_pem, b.certificate_pem) {
        (Some(p), None) | (None, Some(p)) => p,
        _ => return bad("give exactly one of publicKeyPem or certificatePem"),
    };
    let key = match AppKey::from_pem(&pem) {
        Ok(k) => k,
        Err(e) => return bad(e),
    };
    let view = key.to_json();
    let mut ring = lock(&s.keys);
    if let Err(e) = ring.add(&client_id, key) {
        return (StatusCode::NOT_FOUND, Json(json!({"error": e}))).into_response();
    }
    let count = ring.keys(&client_id).len();
    (
        StatusCode::CREATED,
        Json(json!({"clientId": client_id, "keys": count, "registered": view})),
    )
        .into_response()
}

/// `GET /_sim/apps/{client_id}/certificates`: the thumbprints registered.
pub async fn list(State(s): State<Arc<Shared>>, Path(client_id): Path<String>) -> Response {
    let ring = lock(&s.keys);
    let keys: Vec<Value> = ring.keys(&client_id).iter().map(AppKey::to_json).collect();
    Json(json!({"clientId": client_id, "keys": keys})).into_response()
}

/// `DELETE /_sim/apps/{client_id}/certificates`: forget the app's keys.
pub async fn clear(State(s): State<Arc<Shared>>, Path(client_id): Path<String>) -> StatusCode {
    lock(&s.keys).0.remove(&client_id.to_ascii_lowercase());
    StatusCode::NO_CONTENT
}
