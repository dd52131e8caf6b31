//! TLS to the team store's server (issue 12), against the real server of
//! `scripts/pg.sh`, which runs with TLS on and a certificate from a private CA
//! (`CORDON_TEST_PG_CA`):
//! - with that CA in the trust store, `sslmode=require` (and libpq's `verify-full`, and
//!   the default `prefer`) connect over TLS, the certificate checked; `disable` does not;
//! - without it, the connection is refused and the error names the server and the CA,
//!   whichever mode asked for TLS (`prefer` does not fall back to plain text);
//! - against a server that has no TLS, `require` sends nothing (not even the login
//!   name) in clear, while `prefer` goes on in plain text.
//!
//! The trust store is the process's (`SSL_CERT_FILE`, read by the platform verifier on
//! Linux), which a test must not change in its own process: the server tests run
//! themselves again in a child process with it set ([`child`]).
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "pg/harness.rs"]
mod harness;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use cordon_core::CoreError;
use cordon_core::dto::IpcError;
use cordon_core::store::pg::PgStore;
use harness::TestDb;

/// Set in the child process: run the half that connects.
const CHILD: &str = "CORDON_TEST_PG_TLS_CHILD";
/// The test database's superuser URL, handed to the child.
const DB_URL: &str = "CORDON_TEST_PG_TLS_DB";

/// `url` with its `sslmode` set to `mode`.
fn with_sslmode(url: &str, mode: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("sslmode="))
        .collect();
    let option = format!("sslmode={mode}");
    pairs.push(&option);
    format!("{base}?{}", pairs.join("&"))
}

/// Runs the test `name` of this binary in a child process with `SSL_CERT_FILE` =
/// `trust` and the test database's URL; fails with the child's output if it failed.
fn child(name: &str, trust: &str, db_url: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env_remove("SSL_CERT_DIR")
        .env("SSL_CERT_FILE", trust)
        .env(CHILD, "1")
        .env(DB_URL, db_url)
        .output()
        .unwrap();
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
}

/// The private CA of the test server (`scripts/pg.sh` prints it).
fn server_ca() -> String {
    match std::env::var("CORDON_TEST_PG_CA") {
        Ok(path) if std::path::Path::new(&path).is_file() => path,
        _ => panic!(
            "CORDON_TEST_PG_CA is not set or names no file: the test server runs without TLS. \
             Restart it: `bash scripts/pg.sh stop; eval \"$(bash scripts/pg.sh start)\"`"
        ),
    }
}

/// Whether the store's connection is encrypted, as the server sees it.
fn encrypted(store: &PgStore) -> bool {
    store
        .run(|c| {
            Box::pin(async move {
                let row = c
                    .query_one(
                        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                        &[],
                    )
                    .await?;
                Ok(row.get::<_, bool>(0))
            })
        })
        .unwrap()
}

#[test]
fn with_the_servers_ca_trusted_tls_connects_and_is_checked() {
    const NAME: &str = "with_the_servers_ca_trusted_tls_connects_and_is_checked";
    if std::env::var_os(CHILD).is_some() {
        let url = std::env::var(DB_URL).unwrap();
        for mode in ["require", "verify-full", "prefer"] {
            let store = PgStore::open(&with_sslmode(&url, mode))
                .unwrap_or_else(|e| panic!("sslmode={mode}: {e}"));
            assert!(encrypted(&store), "sslmode={mode} is TLS");
            assert!(store.schema_version().unwrap() > 0);
        }
        // The certificate names localhost too.
        let local = with_sslmode(&url, "require").replace("@127.0.0.1:", "@localhost:");
        assert!(encrypted(&PgStore::open(&local).unwrap()));
        let plain = PgStore::open(&with_sslmode(&url, "disable")).unwrap();
        assert!(!encrypted(&plain), "sslmode=disable is plain");
        return;
    }
    let Some(db) = TestDb::new() else { return };
    child(NAME, &server_ca(), &db.url);
}

#[test]
fn a_server_certificate_from_an_untrusted_ca_is_refused_by_name() {
    const NAME: &str = "a_server_certificate_from_an_untrusted_ca_is_refused_by_name";
    if std::env::var_os(CHILD).is_some() {
        let url = std::env::var(DB_URL).unwrap();
        for mode in ["require", "prefer"] {
            let err = PgStore::open(&with_sslmode(&url, mode)).unwrap_err();
            let CoreError::UntrustedCertificate {
                host,
                issuer,
                reason,
            } = &err
            else {
                panic!("sslmode={mode}: not a refused certificate: {err:?}");
            };
            assert_eq!(host, "127.0.0.1");
            assert_eq!(issuer.as_deref(), Some("Cordon test PostgreSQL CA"));
            assert_eq!(reason, "unknown issuer");
            let ipc = IpcError::from(err);
            assert!(
                matches!(&ipc, IpcError::UntrustedCertificate { .. })
                    && ipc.to_string().starts_with(
                        "The certificate of 127.0.0.1 (issued by Cordon test PostgreSQL CA) is not trusted by this computer (unknown issuer)."
                    ),
                "{ipc:?}"
            );
        }
        return;
    }
    let Some(db) = TestDb::new() else { return };
    // A trust store without the server's CA (the bundled web roots only).
    child(NAME, "/dev/null", &db.url);
}

/// A "server" that answers the TLS request with `N` (no TLS), then records what the
/// client sends next.
fn server_without_tls() -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut request = [0u8; 8];
        conn.read_exact(&mut request).unwrap();
        assert_eq!(request, [0, 0, 0, 8, 4, 210, 22, 47], "the TLS request");
        conn.write_all(b"N").unwrap();
        let mut after = Vec::new();
        let mut buf = [0u8; 512];
        while let Ok(n) = conn.read(&mut buf) {
            if n == 0 {
                break;
            }
            after.extend_from_slice(&buf[..n]);
            if after.len() > 8 {
                break; // the startup message came: enough
            }
        }
        after
    });
    (port, seen)
}

#[test]
fn require_sends_nothing_in_clear_to_a_server_without_tls_and_prefer_goes_on() {
    let (port, seen) = server_without_tls();
    let url = format!("postgres://ana:pw@127.0.0.1:{port}/team?sslmode=require&connect_timeout=5");
    let err = PgStore::open(&url).unwrap_err();
    assert!(
        matches!(&err, CoreError::TeamStore(m) if m.contains("does not support TLS")),
        "{err:?}"
    );
    let after = seen.join().unwrap();
    assert!(after.is_empty(), "nothing after the refusal: {after:?}");

    let (port, seen) = server_without_tls();
    let url = format!("postgres://ana:pw@127.0.0.1:{port}/team?sslmode=prefer&connect_timeout=5");
    assert!(PgStore::open(&url).is_err(), "the fake server says no more");
    let after = seen.join().unwrap();
    assert!(
        after.windows(3).any(|w| w == b"ana"),
        "prefer sent the startup message in plain text: {after:?}"
    );
}
