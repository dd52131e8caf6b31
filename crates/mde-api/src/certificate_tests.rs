//! Keys are generated here (never committed): one RSA key per test binary,
//! cached, because generating it is slow in a debug build.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};

use super::*;

struct TestKey {
    pkcs8_pem: String,
    pkcs1_pem: String,
    pkcs8_der: Vec<u8>,
    cert_pem: String,
    cert_der: Vec<u8>,
}

fn make_key() -> TestKey {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let pkcs8_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let pair =
        rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&pkcs8_pem, &rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["cordon-test".into()])
        .unwrap()
        .self_signed(&pair)
        .unwrap();
    TestKey {
        pkcs1_pem: key.to_pkcs1_pem(LineEnding::LF).unwrap().to_string(),
        pkcs8_der: key.to_pkcs8_der().unwrap().as_bytes().to_vec(),
        pkcs8_pem,
        cert_pem: cert.pem(),
        cert_der: cert.der().to_vec(),
    }
}

/// Two independent keys, generated in parallel once.
fn keys() -> &'static (TestKey, TestKey) {
    static KEYS: OnceLock<(TestKey, TestKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let other = std::thread::spawn(make_key);
        let first = make_key();
        (first, other.join().unwrap())
    })
}

fn decode(segment: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

const TOKEN_URL: &str = "https://login.microsoftonline.com/tenant/oauth2/v2.0/token";

#[test]
fn assertion_header_claims_and_signature() {
    let k = &keys().0;
    let cred = CertificateCredential::from_pem(&k.pkcs8_pem, Some(&k.cert_pem)).unwrap();
    let jwt = cred.assertion("app-id", TOKEN_URL).unwrap();
    let parts: Vec<&str> = jwt.expose().split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let s256 = URL_SAFE_NO_PAD.encode(sha256(&k.cert_der));
    assert_eq!(header["x5t#S256"], s256.as_str());
    assert_eq!(cred.thumbprint_sha256(), Some(s256.as_str()));
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &k.cert_der);
    assert_eq!(
        header["x5t"],
        URL_SAFE_NO_PAD.encode(sha1.as_ref()).as_str()
    );
    assert!(header.get("kid").is_none());

    let claims = decode(parts[1]);
    assert_eq!(claims["aud"], TOKEN_URL);
    assert_eq!(claims["iss"], "app-id");
    assert_eq!(claims["sub"], "app-id");
    let now = chrono::Utc::now().timestamp();
    let nbf = claims["nbf"].as_i64().unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert!((now - 5..=now).contains(&nbf), "nbf {nbf} now {now}");
    assert_eq!(exp - nbf, ASSERTION_LIFETIME_SECS);
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 36);
    let again = cred.assertion("app-id", TOKEN_URL).unwrap();
    assert_ne!(
        decode(again.expose().split('.').nth(1).unwrap())["jti"],
        jti
    );

    // RS256 over "header.claims", checked with the public key.
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        cred.key.public_key().as_ref().to_vec(),
    );
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    let input = format!("{}.{}", parts[0], parts[1]);
    public.verify(input.as_bytes(), &signature).unwrap();
}

#[test]
fn pkcs1_and_combined_pem_and_key_only() {
    let k = &keys().0;
    let pkcs8 = CertificateCredential::from_pem(&k.pkcs8_pem, Some(&k.cert_pem)).unwrap();
    let pkcs1 = CertificateCredential::from_pem(&k.pkcs1_pem, Some(&k.cert_pem)).unwrap();
    assert_eq!(pkcs8, pkcs1, "same key and certificate");
    let combined = format!("{}\n{}", k.cert_pem, k.pkcs8_pem);
    assert_eq!(
        CertificateCredential::from_pem(&combined, None).unwrap(),
        pkcs8
    );
    // Key only: no thumbprint, a kid instead.
    let bare = CertificateCredential::from_pem(&k.pkcs8_pem, None).unwrap();
    assert_eq!(bare.thumbprint_sha256(), None);
    let jwt = bare.assertion("app", TOKEN_URL).unwrap();
    let header = decode(jwt.expose().split('.').next().unwrap());
    assert!(header.get("x5t").is_none());
    assert!(header["kid"].as_str().is_some_and(|k| k.len() == 43));
}

#[test]
fn refuses_bad_input() {
    let (k, other) = keys();
    let mismatch = CertificateCredential::from_pem(&k.pkcs8_pem, Some(&other.cert_pem));
    assert!(
        matches!(&mismatch, Err(Error::InvalidArgument { detail }) if detail.contains("does not belong")),
        "{mismatch:?}"
    );
    for (key, cert) in [
        ("not a pem", None),
        (
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
            None,
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            None,
        ),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
            None,
        ),
        (k.pkcs8_pem.as_str(), Some("no certificate here")),
        (
            k.pkcs8_pem.as_str(),
            Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
        ),
    ] {
        let err = CertificateCredential::from_pem(key, cert).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(
            !format!("{err}").contains("MII"),
            "no key material in errors"
        );
    }
}

#[test]
fn debug_redacts_the_key() {
    let k = &keys().0;
    let cred = CertificateCredential::from_pem(&k.pkcs8_pem, Some(&k.cert_pem)).unwrap();
    let creds = crate::Credentials::ClientCertificate {
        tenant_id: "t".into(),
        client_id: "c".into(),
        certificate: cred.clone(),
    };
    let printed = format!("{creds:?}");
    assert!(printed.contains("***"), "{printed}");
    let body: String = k
        .pkcs8_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!printed.contains(&body[..40]), "{printed}");
    assert!(printed.contains(cred.thumbprint_sha256().unwrap()));
}

#[test]
fn pfx_round_trip() {
    let k = &keys().0;
    let mut store = p12_keystore::KeyStore::new();
    let chain = p12_keystore::PrivateKeyChain::new(
        vec![1u8, 2, 3],
        p12_keystore::PrivateKey::from_der(&k.pkcs8_der).unwrap(),
        [p12_keystore::Certificate::from_der(&k.cert_der).unwrap()],
    );
    store.add_entry(
        "cordon",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    let pfx = store.writer("pfx-password").write().unwrap();
    let from_pfx = CertificateCredential::from_pfx(&pfx, "pfx-password").unwrap();
    let from_pem = CertificateCredential::from_pem(&k.pkcs8_pem, Some(&k.cert_pem)).unwrap();
    assert_eq!(from_pfx, from_pem);
    let wrong = CertificateCredential::from_pfx(&pfx, "wrong").unwrap_err();
    assert!(matches!(wrong, Error::InvalidArgument { .. }), "{wrong:?}");
    assert!(CertificateCredential::from_pfx(b"garbage", "").is_err());
}

/// A scratch directory of this test process, removed by the caller.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mde-api-cert-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn refusal(path: &str) -> String {
    match CertificateCredential::read_file(path) {
        Err(Error::InvalidArgument { detail }) => detail,
        other => panic!("{path}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn read_file_takes_a_local_pem() {
    let (a, _) = keys();
    let dir = scratch("pem");
    let path = dir.join("app.pem");
    std::fs::write(&path, format!("{}{}", a.pkcs8_pem, a.cert_pem)).unwrap();
    let bytes = CertificateCredential::read_file(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let cred = CertificateCredential::from_pem(&text, None).unwrap();
    assert!(cred.thumbprint_sha256().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn read_file_refuses_a_device_quickly() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(CertificateCredential::read_file("/dev/zero").map(|b| b.len()));
    });
    let answer = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("reading /dev/zero must not hang");
    let Err(Error::InvalidArgument { detail }) = answer else {
        panic!("/dev/zero accepted: {answer:?}");
    };
    assert!(detail.contains("not a regular file"), "{detail}");
    // A FIFO would block the open itself until a writer comes.
    let dir = scratch("fifo");
    let fifo = dir.join("app.pfx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let detail = refusal(fifo.to_str().unwrap());
        assert!(detail.contains("not a regular file"), "{detail}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn read_file_refuses_a_directory_a_network_path_and_a_big_file() {
    let dir = scratch("refusals");
    let detail = refusal(dir.to_str().unwrap());
    assert!(detail.contains("not a regular file"), "{detail}");
    for unc in [
        r"\\attacker\share\app.pfx",
        "//attacker/share/app.pfx",
        r"\\?\UNC\h\s\x.pfx",
    ] {
        let detail = refusal(unc);
        assert!(detail.contains("network path"), "{unc}: {detail}");
    }
    let big = dir.join("big.pem");
    std::fs::write(&big, vec![b'A'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
    let detail = refusal(big.to_str().unwrap());
    assert!(detail.contains("larger than"), "{detail}");
    let missing = refusal(dir.join("absent.pfx").to_str().unwrap());
    assert!(missing.contains("cannot read"), "{missing}");
    std::fs::remove_dir_all(dir).unwrap();
}
