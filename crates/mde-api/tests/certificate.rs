//! Certificate credentials against the simulator, which verifies the RS256
//! signature of the `client_assertion` with the key registered for the app.
//! Keys are generated here (never committed), once per test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use std::time::Duration;

use mde_api::{CertificateCredential, Client, ClientOptions, Credentials, Endpoints, Error, Query};
use mde_sim::control_client::AppKeyPem;
use mde_sim::identities as ids;
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};

struct TestKey {
    private_pem: String,
    public_pem: String,
    cert_pem: String,
}

fn make_key() -> TestKey {
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&private_pem, &rcgen::PKCS_RSA_SHA256)
        .unwrap();
    let cert = rcgen::CertificateParams::new(vec!["cordon-app".into()])
        .unwrap()
        .self_signed(&pair)
        .unwrap();
    TestKey {
        public_pem: key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
        private_pem,
        cert_pem: cert.pem(),
    }
}

fn keys() -> &'static (TestKey, TestKey) {
    static KEYS: OnceLock<(TestKey, TestKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let other = std::thread::spawn(make_key);
        let first = make_key();
        (first, other.join().unwrap())
    })
}

async fn register(sim: &mde_sim::SimHandle, client_id: &str, key: AppKeyPem) {
    sim.control()
        .register_app_key(client_id, &key)
        .await
        .expect("key registered");
}

fn client(sim: &mde_sim::SimHandle, client_id: &str, certificate: CertificateCredential) -> Client {
    Client::new(
        Endpoints::custom(&sim.base_url(), &sim.base_url()).unwrap(),
        Credentials::ClientCertificate {
            tenant_id: ids::TENANT_ID.into(),
            client_id: client_id.into(),
            certificate,
        },
        ClientOptions {
            requests_per_minute: None,
            requests_per_hour: None,
            base_backoff: Duration::from_millis(50),
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn registered_public_key_signs_in_and_lists_machines() {
    let (key, other) = keys();
    let sim = mde_sim::Simulator::start(Default::default()).await.unwrap();
    register(
        &sim,
        ids::ANALYST_CLIENT_ID,
        AppKeyPem::PublicKeyPem(key.public_pem.clone()),
    )
    .await;

    let bare = CertificateCredential::from_pem(&key.private_pem, None).unwrap();
    let app = client(&sim, ids::ANALYST_CLIENT_ID, bare);
    assert!(!app.list_machines(&Query::new()).await.unwrap().is_empty());
    let mut perms = app.granted_permissions().await.unwrap();
    perms.sort();
    let mut want: Vec<String> = ids::ANALYST_ROLES.iter().map(|r| r.to_string()).collect();
    want.sort();
    assert_eq!(perms, want);

    // The same key with its certificate (x5t headers) also matches a bare key.
    let with_cert = CertificateCredential::from_pem(&key.private_pem, Some(&key.cert_pem)).unwrap();
    let app = client(&sim, ids::ANALYST_CLIENT_ID, with_cert);
    app.list_machines(&Query::new().top(1)).await.unwrap();

    // Another key is refused.
    let stranger = CertificateCredential::from_pem(&other.private_pem, None).unwrap();
    let err = client(&sim, ids::ANALYST_CLIENT_ID, stranger)
        .list_machines(&Query::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Auth { error, .. } if error == "invalid_client"),
        "{err:?}"
    );
}

#[tokio::test]
async fn registered_certificate_is_matched_by_thumbprint() {
    let (key, other) = keys();
    let sim = mde_sim::Simulator::start(Default::default()).await.unwrap();
    register(
        &sim,
        ids::READER_CLIENT_ID,
        AppKeyPem::CertificatePem(key.cert_pem.clone()),
    )
    .await;

    let cred = CertificateCredential::from_pem(&key.private_pem, Some(&key.cert_pem)).unwrap();
    let app = client(&sim, ids::READER_CLIENT_ID, cred);
    app.list_machines(&Query::new().top(1)).await.unwrap();

    // A different key with its own certificate: thumbprint unknown to the app.
    let stranger =
        CertificateCredential::from_pem(&other.private_pem, Some(&other.cert_pem)).unwrap();
    let err = client(&sim, ids::READER_CLIENT_ID, stranger)
        .list_machines(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_client"), "{err:?}");
    // And an app with no registered key refuses any assertion.
    let cred = CertificateCredential::from_pem(&key.private_pem, Some(&key.cert_pem)).unwrap();
    let err = client(&sim, ids::AUTOMATION_CLIENT_ID, cred)
        .list_machines(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_client"), "{err:?}");
}
