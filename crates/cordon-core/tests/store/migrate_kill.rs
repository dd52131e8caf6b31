//! D-7, crash-safe migrations: a process SIGKILLed while it migrates a store leaves
//! the old schema or the new one, never a mix; reopening migrates cleanly to the
//! latest version with `integrity_check = ok`. Part of the `store` test binary.
//!
//! The test binary re-runs itself as the child (as the CLI's kill -9 harness runs
//! `cordon`), selected by `CORDON_D7_CHILD`:
//! - `real`: migrates fresh stores, each first brought to an older version with only
//!   its first migrations, with the store's own migrations, one after another until
//!   killed; every store it left is then checked, the one it was migrating included.
//! - `long`: the store's migrations plus one long test migration (a table filled with
//!   [`FILLER_ROWS`] rows and indexed), so that the kill, at a random moment of a
//!   calibrated run, lands inside the transaction.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cordon_core::store::{SCHEMA_VERSION, Store, migrate_to, migrate_with};
use rusqlite::Connection;

const CHILD: &str = "CORDON_D7_CHILD";
const DIR: &str = "CORDON_D7_DIR";
const FILLER_ROWS: u32 = 40_000;
const MIGRATING: &str = "D7 migrating";

/// The long test migration appended to the store's own.
const LONG: &str = "CREATE TABLE filler (n INTEGER PRIMARY KEY, v TEXT NOT NULL);
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 40000)
    INSERT INTO filler SELECT n, printf('%040d', n * 7919) FROM c;
    CREATE INDEX filler_v ON filler(v);";

/// A small random generator (no dependency): xorshift seeded from the clock.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        eprintln!("D-7 seed {seed}");
        Rng(seed | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn raw(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA synchronous=FULL").unwrap();
    conn
}

/// The store's migrations (already applied by `migrate_to`, skipped by version: only
/// the count matters) and then the long one.
fn migrations_long() -> Vec<&'static str> {
    let mut all = vec![""; SCHEMA_VERSION as usize];
    all.push(LONG);
    all
}

/// The child's work; never returns normally in `real` mode (killed).
#[test]
fn d7_child() {
    let (Ok(mode), Ok(dir)) = (std::env::var(CHILD), std::env::var(DIR)) else {
        return;
    };
    let dir = PathBuf::from(dir);
    match mode.as_str() {
        "real" => {
            let mut rng = Rng::new();
            for i in 0.. {
                let path = dir.join(format!("s-{i:05}.sqlite3"));
                let from = rng.below(u64::from(SCHEMA_VERSION)) as u32;
                migrate_to(&mut raw(&path), from).unwrap();
                drop(Store::open(&path).unwrap());
            }
        }
        "long" => {
            let path = dir.join("long.sqlite3");
            let mut conn = raw(&path);
            println!("{MIGRATING}");
            migrate_with(&mut conn, &migrations_long()).unwrap();
            println!("D7 done");
        }
        other => panic!("unknown child mode {other}"),
    }
}

fn child(mode: &str, dir: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "store_migrate_kill::d7_child", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD, mode)
        .env(DIR, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits for the child's "migrating" line; the moment it was read.
fn wait_migrating(c: &mut std::process::Child) -> (Instant, BufReader<std::process::ChildStdout>) {
    let mut out = BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child died first"
        );
        if line.trim().ends_with(MIGRATING) {
            return (Instant::now(), out);
        }
    }
}

/// The schema objects (type, name) of a store migrated to exactly `version`.
fn schema_of_version(version: u32) -> Vec<(String, String)> {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_to(&mut conn, version).unwrap();
    schema(&conn)
}

fn schema(conn: &Connection) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn version(conn: &Connection) -> u32 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The store's own migrations, killed at random moments: every store left behind is
/// at a whole version (its schema exactly that version's), and reopens to the latest.
#[test]
fn a_kill_while_migrating_leaves_a_whole_version_then_reopens_to_the_latest() {
    let mut rng = Rng::new();
    let expected: Vec<_> = (0..=SCHEMA_VERSION).map(schema_of_version).collect();
    let mut stores = 0;
    for _run in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let mut c = child("real", dir.path());
        std::thread::sleep(Duration::from_millis(60 + rng.below(140)));
        c.kill().unwrap();
        let _ = c.wait();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "the child made stores before the kill");
        for path in &paths {
            let conn = Connection::open(path).unwrap();
            let v = version(&conn);
            assert!(v <= SCHEMA_VERSION, "{}: version {v}", path.display());
            assert_eq!(
                schema(&conn),
                expected[v as usize],
                "{}: the schema is exactly version {v}'s",
                path.display()
            );
            assert_eq!(integrity(&conn), "ok");
            drop(conn);
            let store = Store::open(path).expect("reopens and migrates");
            assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
            assert_eq!(store.integrity_check().unwrap(), "ok");
            stores += 1;
        }
    }
    eprintln!("D-7: {stores} stores checked after 4 kills");
}

/// A long migration killed at random moments of its run: the store holds the old
/// version without the new table, or the new version with every row of it; never the
/// table without the version, nor part of the rows. Migrating again finishes it.
#[test]
fn a_kill_inside_a_long_migration_leaves_old_or_new_never_half() {
    let mut rng = Rng::new();
    // Calibrate: how long the long migration takes here, unkilled.
    let calibration = tempfile::tempdir().unwrap();
    let path = calibration.path().join("long.sqlite3");
    migrate_to(&mut raw(&path), SCHEMA_VERSION).unwrap();
    let mut c = child("long", calibration.path());
    let (t0, _out) = wait_migrating(&mut c);
    assert!(c.wait().unwrap().success());
    let took = t0.elapsed();
    assert_eq!(
        version(&Connection::open(&path).unwrap()),
        SCHEMA_VERSION + 1
    );
    eprintln!("D-7: the long migration takes {took:?}");

    let (mut old, mut new) = (0, 0);
    for _run in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.sqlite3");
        migrate_to(&mut raw(&path), SCHEMA_VERSION).unwrap();
        let mut c = child("long", dir.path());
        let (t0, _out) = wait_migrating(&mut c);
        let at = took.mul_f64(rng.below(1000) as f64 / 1000.0 * 1.1);
        std::thread::sleep(at.saturating_sub(t0.elapsed()));
        c.kill().unwrap();
        let _ = c.wait();

        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(integrity(&conn), "ok");
        let has_filler = schema(&conn).iter().any(|(_, n)| n == "filler");
        match version(&conn) {
            v if v == SCHEMA_VERSION => {
                assert!(!has_filler, "old version, yet the new table exists");
                assert_eq!(schema(&conn), schema_of_version(SCHEMA_VERSION));
                old += 1;
            }
            v if v == SCHEMA_VERSION + 1 => {
                assert!(has_filler);
                new += 1;
            }
            v => panic!("version {v} is neither the old nor the new"),
        }
        migrate_with(&mut conn, &migrations_long()).expect("migrates again");
        assert_eq!(version(&conn), SCHEMA_VERSION + 1);
        let rows: u32 = conn
            .query_row("SELECT COUNT(*) FROM filler", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, FILLER_ROWS, "every row, once");
        assert_eq!(integrity(&conn), "ok");
    }
    eprintln!("D-7: killed long migrations left {old} old and {new} new");
    assert!(old > 0, "at least one kill landed inside the migration");
}
