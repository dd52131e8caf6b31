//! K-4, no secret at rest outside the secret store: a profile signs in with the
//! simulator's app secret as the canary, the core isolates and releases a machine,
//! and then neither the secret nor any token the client was given (captured on the
//! wire by a pass-through proxy in front of the simulator), nor any JWT (`eyJ`), is
//! found in any file of the data folder (the store, its `-wal`/`-shm`, its backups,
//! `profiles.json`) or in the log (every event at TRACE, written to a buffer).
//! Its own test binary, as it owns the process's global `tracing` subscriber.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cordon_core::dto::{IsolateRequest, IsolationKind, IsolationState, ReleaseRequest};
use cordon_core::profiles::{self, AuthMode, Cloud, Profile, ProfileStore};
use cordon_core::secrets::{MemoryStore, Secret, SecretKind};
use cordon_core::{App, tenant};
use mde_sim::identities;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Buf = Arc<Mutex<Vec<u8>>>;

/// The log: everything any crate records, at every level.
#[derive(Clone)]
struct LogBuf(Buf);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Copies `from` to `to`, keeping a copy of every byte in `seen`.
async fn tee(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    seen: Buf,
) {
    let mut chunk = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut chunk).await {
        if n == 0 || to.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        seen.lock().unwrap().extend_from_slice(&chunk[..n]);
    }
    let _ = to.shutdown().await;
}

/// A pass-through TCP proxy to `upstream` ("127.0.0.1:port"): its base URL, and
/// everything that crossed it (requests and answers).
async fn wire_tap(upstream: String) -> (String, Buf) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Buf = Arc::default();
    let tap = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(&upstream).await.unwrap();
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(tee(cr, sw, Arc::clone(&tap)));
            tokio::spawn(tee(sr, cw, Arc::clone(&tap)));
        }
    });
    (base, seen)
}

/// Every value of `"key":"…"` in `text`.
fn json_values(text: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\":\"");
    text.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &text[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Asserts that no file under `dir` holds a needle; the files scanned.
fn check_files(dir: &Path, needles: &[String], when: &str) -> Vec<String> {
    let files = files_under(dir);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("profiles.json")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.ends_with(".sqlite3")), "{names:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for n in needles {
            assert!(
                !contains(&bytes, n),
                "{when}: {} holds {n:.12}…",
                f.display()
            );
        }
    }
    names
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_is_left_in_the_files_or_the_log() {
    let log: Buf = Arc::default();
    let writer = LogBuf(Arc::clone(&log));
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let env = support::demo().await;
    let upstream = env.sim.base_url().trim_start_matches("http://").to_owned();
    let (base, wire) = wire_tap(upstream).await;
    let data = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let profiles = ProfileStore::open(data.path(), secrets.clone()).unwrap();
    let profile = Profile {
        name: "canary".into(),
        tenant_id: identities::TENANT_ID.into(),
        client_id: identities::ANALYST_CLIENT_ID.into(),
        cloud: Cloud::Custom,
        auth_mode: AuthMode::ClientSecret,
        authority: Some(base.clone()),
        api_base: Some(base),
        certificate_path: None,
        team_store: None,
    };
    profiles.upsert(profile.clone()).unwrap();
    profiles.set_active(Some("canary")).unwrap();
    let canary = identities::ANALYST_SECRET;
    profiles
        .set_secret("canary", SecretKind::ClientSecret, &Secret::new(canary))
        .unwrap();
    let cfg = profiles::app_config(&profile, profiles.secrets()).unwrap();
    let app = App::start(tenant::with_store(cfg, data.path())).unwrap();

    let snap = app.refresh().await.unwrap();
    let machine = snap
        .machines
        .iter()
        .find(|m| m.state == IsolationState::NotIsolated && m.health == "Active")
        .map(|m| m.id.clone())
        .expect("an active machine that is not isolated");
    let out = app
        .isolate(IsolateRequest {
            machine_ids: vec![machine.clone()],
            isolation_type: IsolationKind::Full,
            comment: "K-4 canary isolate".into(),
        })
        .await
        .unwrap();
    assert!(
        out[0].error.is_none() && out[0].action_id.is_some(),
        "{out:?}"
    );
    env.advance(600).await;
    app.refresh().await.unwrap();
    let out = app
        .release(ReleaseRequest {
            machine_ids: vec![machine],
            comment: "K-4 canary release".into(),
        })
        .await
        .unwrap();
    assert!(
        out[0].error.is_none() && out[0].action_id.is_some(),
        "{out:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await; // the background check and backup

    // What the client was given and sent, as seen on the wire.
    let wire = String::from_utf8_lossy(&wire.lock().unwrap()).into_owned();
    let access = json_values(&wire, "access_token");
    let refresh = json_values(&wire, "refresh_token");
    assert!(!access.is_empty(), "the sign-in was seen on the wire");
    assert!(access.iter().all(|t| t.starts_with("eyJ")), "JWTs");
    assert!(wire.contains(&format!("Bearer {}", access[0])), "and used");
    assert!(
        contains(wire.as_bytes(), canary),
        "the tap sees the secret sent"
    );
    let mut needles: Vec<String> = vec![canary.to_owned(), "eyJ".to_owned()];
    needles.extend(access);
    needles.extend(refresh);

    // Every file of the data folder, with the core still running (its -wal present)…
    let scanned = check_files(data.path(), &needles, "running");
    assert!(scanned.iter().any(|n| n.ends_with("-wal")), "{scanned:?}");
    assert!(scanned.iter().any(|n| n.contains("backups")), "{scanned:?}");
    drop(app);
    check_files(data.path(), &needles, "after the core");

    // …and the log.
    let log = log.lock().unwrap().clone();
    assert!(contains(&log, "store migrated"), "the log was captured");
    assert!(log.len() > 10_000, "every level: {} bytes", log.len());
    for n in &needles {
        assert!(!contains(&log, n), "the log holds {n:.12}…");
    }
}
