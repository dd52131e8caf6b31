//! Behind a corporate proxy that inspects TLS (issue 14), with real sockets: a loopback
//! CONNECT proxy re-signs every tunnel with its own private CA and forwards it to the
//! simulator. The client sees only `https://login.test` and `https://api.test`, names
//! that resolve nowhere: only the proxy (`HTTPS_PROXY`) can reach them.
//! - With the proxy's CA in the trust store, sign-in and an isolation go through it.
//! - Without it, the error names the host and the issuer ("not trusted by this
//!   computer"), never "could not be reached", and nothing is retried or sent.
//! - `mde-sim --tls`: refused by name until its CA is in the store, then trusted.
//!
//! The trust store (`SSL_CERT_FILE`, which the platform verifier reads on Linux) and the
//! proxy (`HTTPS_PROXY`) come from the environment, which a test must not change in its
//! own process (tests run in parallel threads). So each test starts the simulator and
//! the proxy, then runs *itself* again in a child process with that environment
//! ([`child`]); the child's half of the test does the client's work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mde_api::signin;
use mde_api::{
    Client, ClientOptions, Credentials, Endpoints, Error, IsolationType, MachineId, Query,
};
use mde_sim::identities as ids;
use support::proxy::{Ca, INSPECTION_CA, InspectingProxy};
use support::{Saved, Sim};

/// Set in the child process: run the client's half.
const CHILD: &str = "CORDON_TEST_TLS_CHILD";

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent test"))
}

/// Runs the test `name` of this binary in a child process with `env` only (no proxy or
/// trust-store variable of the caller's), and returns its output; fails with it.
async fn child(name: &str, env: Vec<(&'static str, String)>) -> String {
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
        cmd.args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"]);
        for k in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        ] {
            cmd.env_remove(k);
        }
        cmd.env(CHILD, "1").envs(env);
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "the child half of {name} failed:\n{text}"
        );
        assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
        text
    })
    .await
    .unwrap()
}

/// A folder of this test's own, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(tag: &str) -> Folder {
        let dir = std::env::temp_dir().join(format!(
            "cordon-{tag}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn upstream(sim: &Sim) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], sim.handle.port()))
}

/// The endpoints as the analyst's profile has them: only the proxy can reach them.
fn behind_the_proxy() -> Endpoints {
    Endpoints::custom("https://login.test", "https://api.test").unwrap()
}

fn options() -> ClientOptions {
    ClientOptions {
        requests_per_minute: None,
        requests_per_hour: None,
        base_backoff: Duration::from_millis(50),
        ..Default::default()
    }
}

fn app(endpoints: Endpoints) -> Client {
    Client::new(
        endpoints,
        Credentials::client_secret(ids::TENANT_ID, ids::ANALYST_CLIENT_ID, ids::ANALYST_SECRET),
        options(),
    )
    .unwrap()
}

#[tokio::test]
async fn sign_in_and_isolate_through_a_proxy_that_inspects_tls_with_a_ca_the_system_trusts() {
    const NAME: &str =
        "sign_in_and_isolate_through_a_proxy_that_inspects_tls_with_a_ca_the_system_trusts";
    if is_child() {
        return trusted_child().await;
    }
    let sim = Sim::demo().await;
    let proxy = InspectingProxy::start(upstream(&sim)).await;
    let folder = Folder::new("proxy");
    let ca = proxy.ca.write_pem(folder.path(), "inspection-ca.pem");
    let state = sim.ctl().state().await.expect("control state");
    let target = state
        .machines
        .iter()
        .find(|m| !m.isolated && !m.full_tunnel_vpn)
        .expect("a machine to isolate")
        .id
        .clone();

    let out = child(
        NAME,
        vec![
            ("SSL_CERT_FILE", ca.display().to_string()),
            ("HTTPS_PROXY", proxy.url.clone()),
            // Plain-HTTP requests would go to the proxy too (which answers 502): the
            // loopback simulator must be reached directly all the same.
            ("HTTP_PROXY", proxy.url.clone()),
            ("CORDON_TEST_SIM", sim.base.clone()),
            ("CORDON_TEST_MACHINE", target.clone()),
        ],
    )
    .await;

    let seen = proxy.seen();
    for host in ["CONNECT login.test:443", "CONNECT api.test:443"] {
        assert!(seen.iter().any(|l| l == host), "{host} in {seen:?}\n{out}");
    }
    assert!(
        seen.iter()
            .all(|l| l.starts_with("CONNECT ") && l.ends_with(".test:443")),
        "only the tunnels to the two hosts went through the proxy: {seen:?}"
    );
    assert!(proxy.refused().is_empty(), "{:?}", proxy.refused());
    let isolations: Vec<_> = sim
        .ledger()
        .await
        .into_iter()
        .filter(|a| a["type"] == "Isolate" && a["machineId"] == target.as_str())
        .collect();
    assert_eq!(isolations.len(), 1, "{isolations:?}");
    assert_eq!(isolations[0]["requestor"], ids::DEMO_USER);
}

async fn trusted_child() {
    let sim = var("CORDON_TEST_SIM");
    let direct = reqwest::Client::builder().no_proxy().build().unwrap();
    // The device-code sign-in: its token requests go through the proxy.
    let code =
        signin::start_device_code(&behind_the_proxy(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
            .await
            .unwrap();
    // The analyst approves in a browser (on the simulator's own page).
    let approve = direct
        .get(format!(
            "{}?code={}",
            code.verification_uri(),
            code.user_code()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), 200);
    let signed = code.finish().await.unwrap();
    assert_eq!(signed.account.as_deref(), Some(ids::DEMO_USER));

    let client = Client::new(
        behind_the_proxy(),
        Credentials::Delegated {
            tenant_id: ids::TENANT_ID.into(),
            client_id: ids::PUBLIC_CLIENT_ID.into(),
            refresh_token: signed.refresh_token.clone(),
            store: Arc::new(Saved::default()),
        },
        options(),
    )
    .unwrap();
    assert!(
        !client
            .list_machines(&Query::new())
            .await
            .unwrap()
            .is_empty()
    );
    let id = MachineId::parse(&var("CORDON_TEST_MACHINE")).unwrap();
    let action = client
        .isolate(&id, IsolationType::Full, "through the company proxy")
        .await
        .unwrap();
    assert_eq!(action.requestor.as_deref(), Some(ids::DEMO_USER));

    // An application's sign-in through the proxy too.
    assert!(
        !app(behind_the_proxy())
            .list_machines(&Query::new().top(1))
            .await
            .unwrap()
            .is_empty()
    );

    // The simulator on loopback is reached directly, although both proxy variables
    // name the proxy.
    let local = Endpoints::custom(&sim, &sim).unwrap();
    assert_eq!(
        app(local)
            .list_machines(&Query::new().top(1))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_proxy_whose_ca_this_computer_does_not_trust_is_named_not_blamed_on_the_network() {
    const NAME: &str =
        "a_proxy_whose_ca_this_computer_does_not_trust_is_named_not_blamed_on_the_network";
    if is_child() {
        return untrusted_child().await;
    }
    let sim = Sim::demo().await;
    let proxy = InspectingProxy::start(upstream(&sim)).await;
    let folder = Folder::new("proxy");
    // The trust store holds a CA, just not the proxy's.
    let other = Ca::new("Some Other Root").write_pem(folder.path(), "other-ca.pem");

    let out = child(
        NAME,
        vec![
            ("SSL_CERT_FILE", other.display().to_string()),
            ("HTTPS_PROXY", proxy.url.clone()),
        ],
    )
    .await;

    let seen = proxy.seen();
    assert!(
        seen.iter().all(|l| l == "CONNECT login.test:443"),
        "{seen:?}\n{out}"
    );
    // Two refused handshakes: the device-code request, the application's token
    // request (not retried).
    assert_eq!(proxy.refused(), ["login.test", "login.test"], "{out}");
    assert_eq!(
        sim.token_requests().await,
        0,
        "nothing reached the token service"
    );
}

async fn untrusted_child() {
    let refused = Error::UntrustedCertificate {
        host: "login.test".into(),
        issuer: Some(INSPECTION_CA.into()),
        reason: "unknown issuer".into(),
    };
    let err = signin::start_device_code(&behind_the_proxy(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap_err();
    assert_eq!(err, refused);
    assert_eq!(
        err.to_string(),
        format!(
            "the certificate of login.test (issued by {INSPECTION_CA}) is not trusted by this computer: unknown issuer"
        )
    );

    // The API path: its token request is refused the same way, at once.
    let started = Instant::now();
    let err = app(behind_the_proxy())
        .list_machines(&Query::new())
        .await
        .unwrap_err();
    assert_eq!(err, refused);
    assert!(!err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not retried: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_simulators_https_is_refused_by_name_until_its_ca_is_in_the_trust_store() {
    const NAME: &str = "the_simulators_https_is_refused_by_name_until_its_ca_is_in_the_trust_store";
    if is_child() {
        let base = var("CORDON_TEST_SIM");
        let machines = app(Endpoints::custom(&base, &base).unwrap())
            .list_machines(&Query::new().top(2))
            .await
            .unwrap();
        assert_eq!(machines.len(), 2);
        return;
    }
    let sim = Sim::start(mde_sim::SimConfig {
        tls: true,
        ..Default::default()
    })
    .await;
    assert!(sim.base.starts_with("https://127.0.0.1:"), "{}", sim.base);
    // Here the simulator's CA is in no store: the error says so.
    let err = app(sim.endpoints())
        .list_machines(&Query::new().top(2))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::UntrustedCertificate {
            host: "127.0.0.1".into(),
            issuer: Some("mde-sim local CA".into()),
            reason: "unknown issuer".into(),
        }
    );
    // With its CA in the trust store (what `update-ca-certificates` does for the
    // system's store), the same client works.
    let ca = sim.handle.ca_pem_path().expect("a CA file with --tls");
    child(
        NAME,
        vec![
            ("SSL_CERT_FILE", ca.display().to_string()),
            ("CORDON_TEST_SIM", sim.base.clone()),
        ],
    )
    .await;
}
