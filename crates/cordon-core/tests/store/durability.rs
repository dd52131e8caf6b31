//! The store's own safety nets, part of the `store` test binary: the quick check that
//! refuses to send from a damaged store (garbage written into pages of a copy), and
//! D-5's daily `VACUUM INTO` backups (made once a day, whole, owner-only, pruned).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use cordon_core::dto::IsolationState;
use cordon_core::dto::jobs::{BulkRequest, Confirmation, JobKind};
use cordon_core::store::{Health, NewItem, NewJob, SCHEMA_VERSION, Store};
use cordon_core::{App, CoreError};
use mde_sim::identities;
use rusqlite::{Connection, OpenFlags};

use crate::support;

fn config_at(env: &support::Env, path: &Path) -> cordon_core::AppConfig {
    let mut cfg = support::config(
        &env.sim.base_url(),
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    );
    cfg.store_path = Some(path.to_owned());
    cfg
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !done() {
        assert!(t0.elapsed() < Duration::from_secs(20), "waited for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes garbage over every page of the audit table but its root (the views never
/// read it, so the store opens and shows its cache; `quick_check` walks it).
fn damage_audit_pages(path: &Path) -> usize {
    let conn = Connection::open(path).unwrap();
    let page_size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let root: i64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'audit'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT pageno FROM dbstat WHERE name = 'audit' AND pageno != ?1")
        .unwrap();
    let pages: Vec<i64> = stmt
        .query_map([root], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(stmt);
    drop(conn);
    assert!(pages.len() > 10, "the audit table spans pages: {pages:?}");
    let mut bytes = std::fs::read(path).unwrap();
    for p in &pages {
        let at = ((p - 1) * page_size) as usize;
        for (i, b) in bytes[at..at + page_size as usize].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31) ^ 0x5a;
        }
    }
    std::fs::write(path, bytes).unwrap();
    pages.len()
}

/// A store whose audit pages are garbage opens and shows its fleet, but a job is
/// refused with a sentence naming the file and its backups: nothing reaches the
/// simulator, and no backup of the damaged store is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_store_refuses_to_send_and_sends_nothing() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.sqlite3");
    {
        let app = App::new(config_at(&env, &good)).unwrap();
        app.refresh().await.expect("sync");
    }
    {
        // Enough audit rows to span pages of their own (appending is allowed).
        let conn = Connection::open(&good).unwrap();
        conn.execute_batch(
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 2000)
             INSERT INTO audit (at, actor, event, detail)
             SELECT '2026-01-01T00:00:00.000Z', 'filler', 'note', printf('%0200d', n) FROM c;",
        )
        .unwrap();
    } // The last connection closed: the WAL is checkpointed into the file.
    let bad_dir = dir.path().join("bad");
    std::fs::create_dir(&bad_dir).unwrap();
    let bad = bad_dir.join("bad.sqlite3");
    std::fs::copy(&good, &bad).unwrap();
    let damaged = damage_audit_pages(&bad);

    let ledger_before = env.ledger().await;
    let app = App::start(config_at(&env, &bad)).expect("a damaged store still opens");
    let ids: Vec<String> = app
        .snapshot()
        .machines
        .into_iter()
        .filter(|r| r.state == IsolationState::Isolated)
        .map(|r| r.id)
        .take(3)
        .collect();
    assert_eq!(
        ids.len(),
        3,
        "the cache was loaded: the first view shows the fleet"
    );
    let req = BulkRequest {
        kind: JobKind::Release,
        machine_ids: ids.clone(),
        comment: "Release from a damaged store".into(),
        isolation_type: None,
        source: Some("test".into()),
        include_foreign: true,
    };
    let preview = app
        .preview_bulk(&req)
        .await
        .expect("a preview sends nothing");
    assert_eq!(preview.will_send.len(), 3);
    let e = app
        .start_job(req, &Confirmation::of(&preview))
        .expect_err("a damaged store refuses to send");
    let CoreError::Storage(sentence) = &e else {
        panic!("expected a storage error, got {e:?}")
    };
    assert!(sentence.contains(&bad.display().to_string()), "{sentence}");
    assert!(
        sentence.contains("is damaged (PRAGMA quick_check:"),
        "{sentence}"
    );
    assert!(
        sentence.contains(&format!(
            "restore the newest backup from {}",
            bad_dir.join("backups").display()
        )),
        "{sentence}"
    );
    match cordon_core::dto::IpcError::from(e) {
        cordon_core::dto::IpcError::Storage { message } => {
            assert!(message.contains("nothing was sent"), "{message}");
            assert!(message.contains("restore the newest backup"), "{message}");
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
    // The direct verb (Machines view, `cordon release`) is refused the same way.
    let direct = app
        .release(cordon_core::dto::ReleaseRequest {
            machine_ids: ids,
            comment: "Release from a damaged store".into(),
        })
        .await;
    assert!(
        matches!(&direct, Err(CoreError::Storage(m)) if m.contains("is damaged")),
        "{direct:?}"
    );
    assert!(matches!(app.store().health(), Health::Damaged(_)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ledger_after = env.ledger().await;
    assert_eq!(ledger_after.len(), ledger_before.len(), "nothing was sent");
    assert_eq!(support::posts(&env.requests().await, "isolate"), 0);
    assert!(
        !bad_dir.join("backups").exists(),
        "a damaged store is not backed up ({damaged} pages damaged)"
    );
    assert!(app.jobs().unwrap().is_empty(), "no job was committed");

    // The good original passes its check and is backed up at start.
    let ok = App::start(config_at(&env, &good)).unwrap();
    wait_for("the quick check", || ok.store().health() == Health::Sound).await;
}

fn new_job(id: &str) -> (NewJob, Vec<NewItem>) {
    let job = NewJob {
        id: id.into(),
        kind: JobKind::Release,
        comment: "False positive".into(),
        isolation_type: None,
        requested_by: "ana@contoso.com".into(),
        source: None,
        sender: None,
    };
    let items = ["a", "b"]
        .iter()
        .map(|c| NewItem {
            machine_id: c.repeat(40),
            machine_name: None,
        })
        .collect();
    (job, items)
}

fn job_rows(conn: &Connection) -> Vec<(String, String, String, String)> {
    let mut stmt = conn
        .prepare("SELECT id, kind, state, comment FROM jobs ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn day(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

/// A backup is a whole, owner-only SQLite store with the same jobs, made even while
/// the writer commits; a second one the same day is not made; beyond `keep` the
/// oldest are deleted, and files that are not this store's backups are left alone.
#[test]
fn a_daily_backup_is_whole_made_once_a_day_and_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stores").join("t.sqlite3");
    let store = std::sync::Arc::new(Store::open(&path).unwrap());
    for id in ["job-1", "job-2"] {
        let (job, items) = new_job(id);
        store.create_job(&job, &items, Utc::now()).unwrap();
    }
    // The writer keeps committing while the backup is taken.
    let writer = {
        let store = std::sync::Arc::clone(&store);
        std::thread::spawn(move || {
            for i in 0..200 {
                store.set_meta("counter", &i.to_string()).unwrap();
            }
        })
    };
    let backup = store
        .daily_backup(day("2026-12-06"), 7)
        .unwrap()
        .expect("today's backup is made");
    writer.join().unwrap();
    let backups = dir.path().join("stores").join("backups");
    assert_eq!(backup, backups.join("t-2026-12-06.sqlite3"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&backup), 0o600, "owner-only");
        assert_eq!(mode(&backups), 0o700, "owner-only");
    }
    let copy = Connection::open_with_flags(&backup, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let version: u32 = copy
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let live = Connection::open(&path).unwrap();
    assert_eq!(job_rows(&copy), job_rows(&live));
    assert_eq!(job_rows(&copy).len(), 2);
    drop(copy);

    // The same day again: nothing new, the backup untouched.
    let before = std::fs::metadata(&backup).unwrap().modified().unwrap();
    assert_eq!(store.daily_backup(day("2026-12-06"), 7).unwrap(), None);
    assert_eq!(
        std::fs::metadata(&backup).unwrap().modified().unwrap(),
        before
    );
    assert_eq!(store.backups().unwrap().len(), 1);

    // Nine older days (and two files that are not backups of this store).
    for d in 1..=9 {
        std::fs::copy(
            &backup,
            backups.join(format!("t-2026-11-{:02}.sqlite3", 20 + d)),
        )
        .unwrap();
    }
    std::fs::write(backups.join("other-2026-01-01.sqlite3"), b"x").unwrap();
    std::fs::write(backups.join("t-notes.sqlite3"), b"x").unwrap();
    let made = store.daily_backup(day("2026-12-07"), 7).unwrap();
    assert_eq!(made, Some(backups.join("t-2026-12-07.sqlite3")));
    let kept: Vec<String> = store
        .backups()
        .unwrap()
        .iter()
        .map(|(d, _)| d.to_string())
        .collect();
    assert_eq!(
        kept,
        [
            "2026-12-07",
            "2026-12-06",
            "2026-11-29",
            "2026-11-28",
            "2026-11-27",
            "2026-11-26",
            "2026-11-25"
        ]
    );
    for gone in ["t-2026-11-21.sqlite3", "t-2026-11-24.sqlite3"] {
        assert!(!backups.join(gone).exists(), "{gone} pruned");
    }
    assert!(backups.join("other-2026-01-01.sqlite3").exists());
    assert!(backups.join("t-notes.sqlite3").exists());
}

fn today_backup(store: &Path) -> PathBuf {
    let stem = store.file_stem().unwrap().to_string_lossy().into_owned();
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d");
    store
        .parent()
        .unwrap()
        .join("backups")
        .join(format!("{stem}-{today}.sqlite3"))
}

/// `App::start` makes today's backup in the background; a second start the same day
/// makes none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_core_start_backs_up_once_a_day() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let first = App::start(config_at(&env, &path)).unwrap();
    let backup = today_backup(&path);
    wait_for("today's backup", || backup.exists()).await;
    assert_eq!(first.store().backups().unwrap().len(), 1);
    drop(first);
    let written = std::fs::metadata(&backup).unwrap().modified().unwrap();
    let again = App::start(config_at(&env, &path)).unwrap();
    wait_for("the quick check", || {
        again.store().health() == Health::Sound
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        again.store().backups().unwrap().len(),
        1,
        "no second backup"
    );
    assert_eq!(
        std::fs::metadata(&backup).unwrap().modified().unwrap(),
        written
    );
}
