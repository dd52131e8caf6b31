//! Certificate credentials: client assertions are RS256-verified against the keys
//! registered for the app (control route or `SimConfig::app_keys`), with `x5t` /
//! `x5t#S256` matched when a certificate was registered, and their claims checked.
//! Keys are generated here (1024-bit for speed in debug builds: the simulator checks the
//! signature, not the key size); no private key is committed anywhere.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::OnceLock;

use mde_sim::crypto::b64url;
use mde_sim::identities::*;
use mde_sim::{Scenario, SimConfig, Simulator};
use reqwest::StatusCode;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::*;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Two keys per test binary (generation dominates the run time in debug builds).
fn keys() -> &'static (RsaPrivateKey, RsaPrivateKey) {
    static KEYS: OnceLock<(RsaPrivateKey, RsaPrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        (
            RsaPrivateKey::new(&mut rng, 1024).unwrap(),
            RsaPrivateKey::new(&mut rng, 1024).unwrap(),
        )
    })
}

fn public_pem(k: &RsaPrivateKey) -> String {
    RsaPublicKey::from(k)
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// The RSA public key as rcgen's subject key (the certificate itself is signed by a
/// throwaway ECDSA issuer: the simulator reads the subject key and the thumbprints).
struct RsaSubject(Vec<u8>);

impl rcgen::PublicKeyData for RsaSubject {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// A certificate for `k`: (PEM, DER).
fn certificate(k: &RsaPrivateKey) -> (String, Vec<u8>) {
    let subject = RsaSubject(
        RsaPublicKey::from(k)
            .to_pkcs1_der()
            .unwrap()
            .as_bytes()
            .to_vec(),
    );
    let issuer_key = rcgen::KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::new(
        rcgen::CertificateParams::new(vec!["issuer".to_string()]).unwrap(),
        issuer_key,
    );
    let cert = rcgen::CertificateParams::new(vec!["cordon-test".to_string()])
        .unwrap()
        .signed_by(&subject, &issuer)
        .unwrap();
    (cert.pem(), cert.der().to_vec())
}

fn sign(k: &RsaPrivateKey, header: Value, claims: Value) -> String {
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = SigningKey::<Sha256>::new(k.clone()).sign(input.as_bytes());
    format!("{input}.{}", b64url(&sig.to_bytes()))
}

fn claims(sim: &Sim) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": ANALYST_CLIENT_ID, "sub": ANALYST_CLIENT_ID, "aud": sim.handle.token_url(),
           "exp": now + 600, "nbf": now - 5, "iat": now - 5, "jti": uuid::Uuid::new_v4().to_string()})
}

async fn redeem(sim: &Sim, assertion: &str) -> (StatusCode, Value) {
    let r = sim
        .http
        .post(sim.handle.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ANALYST_CLIENT_ID),
            ("scope", API_SCOPE),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

/// A raw registration: the refusals of bad bodies are about the wire (400s), so this
/// stays a plain HTTP request rather than the typed `SimControl::register_app_key`.
async fn register(sim: &Sim, client_id: &str, body: Value) -> (StatusCode, Value) {
    let r = sim
        .http
        .post(sim.url(&format!("/_sim/apps/{client_id}/certificates")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

fn assert_invalid_client(got: &(StatusCode, Value), aadsts: u64) {
    assert_eq!(got.0, StatusCode::UNAUTHORIZED, "{}", got.1);
    assert_eq!(got.1["error"], "invalid_client", "{}", got.1);
    assert_eq!(got.1["error_codes"][0], aadsts, "{}", got.1);
}

#[tokio::test]
async fn a_public_key_registered_through_the_control_api_verifies_assertions() {
    let (good, other) = keys();
    let sim = start(config(Scenario::Empty)).await;
    let head = json!({"alg": "RS256", "typ": "JWT"});
    let signed = sign(good, head.clone(), claims(&sim));
    assert_invalid_client(&redeem(&sim, &signed).await, 700027);

    let (s, v) = register(
        &sim,
        ANALYST_CLIENT_ID,
        json!({"publicKeyPem": public_pem(good)}),
    )
    .await;
    assert_eq!((s, v["keys"].as_u64()), (StatusCode::CREATED, Some(1)));
    let (s, tok) = redeem(&sim, &signed).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    let token = tok["access_token"].as_str().unwrap();
    let (s, _) = sim.get(token, "/api/machines?$top=1").await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "authorised; the empty tenant's 404 quirk"
    );

    // Signed by another key, tampered, or not RS256: refused.
    assert_invalid_client(
        &redeem(&sim, &sign(other, head.clone(), claims(&sim))).await,
        700027,
    );
    let mut parts: Vec<String> = signed.split('.').map(str::to_string).collect();
    let mut forged = claims(&sim);
    forged["exp"] = json!(chrono::Utc::now().timestamp() + 86_400 * 365);
    parts[1] = b64url(forged.to_string().as_bytes());
    assert_invalid_client(&redeem(&sim, &parts.join(".")).await, 700027);
    assert_invalid_client(
        &redeem(
            &sim,
            &sign(good, json!({"alg": "HS256", "typ": "JWT"}), claims(&sim)),
        )
        .await,
        5002738,
    );
    assert_invalid_client(&redeem(&sim, "not-a-jwt").await, 50027);
}

#[tokio::test]
async fn claims_are_checked_after_the_signature() {
    let (good, _) = keys();
    let sim = start(config(Scenario::Empty)).await;
    register(
        &sim,
        ANALYST_CLIENT_ID,
        json!({"publicKeyPem": public_pem(good)}),
    )
    .await;
    let head = json!({"alg": "RS256", "typ": "JWT"});
    let now = chrono::Utc::now().timestamp();
    let with = |k: &str, v: Value| {
        let mut c = claims(&sim);
        c[k] = v;
        sign(good, head.clone(), c)
    };
    assert_invalid_client(
        &redeem(&sim, &with("aud", json!("https://elsewhere/token"))).await,
        700016,
    );
    assert_invalid_client(
        &redeem(&sim, &with("iss", json!(READER_CLIENT_ID))).await,
        700021,
    );
    assert_invalid_client(&redeem(&sim, &with("sub", json!("someone"))).await, 700021);
    assert_invalid_client(&redeem(&sim, &with("exp", json!(now - 10))).await, 700024);
    assert_invalid_client(&redeem(&sim, &with("nbf", json!(now + 3600))).await, 700024);
    // The v1 token endpoint and the tenant's domain name are accepted audiences.
    let v1 = sim.url(&format!("/{TENANT_DOMAIN}/oauth2/token"));
    let (s, body) = redeem(&sim, &with("aud", json!(v1))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // A wrong assertion type is a 400 invalid_request.
    let r = sim
        .http
        .post(sim.handle.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ANALYST_CLIENT_ID),
            ("scope", API_SCOPE),
            ("client_assertion_type", "jwt"),
            ("client_assertion", with("jti", json!("x")).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn certificates_are_matched_by_thumbprint() {
    let (good, other) = keys();
    let (pem, der) = certificate(good);
    let x5t = b64url(&sha1::Sha1::digest(&der));
    let x5t_s256 = b64url(&Sha256::digest(&der));
    let sim = start(SimConfig {
        app_keys: vec![(ANALYST_CLIENT_ID.to_string(), pem.clone())],
        ..config(Scenario::Empty)
    })
    .await;
    let listed = sim
        .ctl()
        .app_keys(ANALYST_CLIENT_ID)
        .await
        .expect("app keys");
    assert_eq!(listed["keys"][0]["x5t"], x5t.as_str());
    assert_eq!(listed["keys"][0]["x5t#S256"], x5t_s256.as_str());

    let ok1 = sign(
        good,
        json!({"alg": "RS256", "typ": "JWT", "x5t": x5t}),
        claims(&sim),
    );
    let (s, b) = redeem(&sim, &ok1).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let ok2 = sign(
        good,
        json!({"alg": "RS256", "typ": "JWT", "x5t#S256": x5t_s256, "kid": "k"}),
        claims(&sim),
    );
    assert_eq!(redeem(&sim, &ok2).await.0, StatusCode::OK);
    let unknown_thumb = sign(
        good,
        json!({"alg": "RS256", "x5t": b64url(b"not the certificate")}),
        claims(&sim),
    );
    assert_invalid_client(&redeem(&sim, &unknown_thumb).await, 700027);
    let wrong_key = sign(other, json!({"alg": "RS256", "x5t": x5t}), claims(&sim));
    assert_invalid_client(&redeem(&sim, &wrong_key).await, 700027);

    // Registered through the control API as well; DELETE forgets every key.
    let (s, v) = register(&sim, ANALYST_CLIENT_ID, json!({"certificatePem": pem})).await;
    assert_eq!(
        (s, v["registered"]["kind"].as_str()),
        (StatusCode::CREATED, Some("certificate"))
    );
    sim.ctl()
        .clear_app_keys(ANALYST_CLIENT_ID)
        .await
        .expect("keys forgotten");
    assert_invalid_client(&redeem(&sim, &ok1).await, 700027);
}

#[tokio::test]
async fn bad_registrations_are_refused() {
    let (good, _) = keys();
    let sim = start(config(Scenario::Empty)).await;
    let pem = public_pem(good);
    assert_eq!(
        register(&sim, PUBLIC_CLIENT_ID, json!({"publicKeyPem": pem}))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "only confidential apps hold credentials"
    );
    assert_eq!(
        register(
            &sim,
            ANALYST_CLIENT_ID,
            json!({"publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"})
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        register(&sim, ANALYST_CLIENT_ID, json!({})).await.0,
        StatusCode::BAD_REQUEST
    );
    let err = Simulator::start(SimConfig {
        app_keys: vec![(ANALYST_CLIENT_ID.to_string(), "junk".to_string())],
        ..config(Scenario::Empty)
    })
    .await;
    assert!(err.is_err());
}
