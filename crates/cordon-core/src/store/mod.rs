//! Cordon's local store: one SQLite file per tenant profile holding the caches
//! (machines, isolation actions, alerts), the journal of bulk jobs and their items,
//! the append-only audit log and the settings.
//!
//! Why it is built this way (`reliability-security.md` §5):
//! - **One writer.** Every read and write goes through one connection behind one
//!   `std::sync::Mutex` (never held across an `.await`): no lock storms, no
//!   `SQLITE_BUSY`, and none of the multi-connection WAL races.
//! - **Durable intents.** WAL with `synchronous=FULL`: a committed transaction
//!   survives a crash *and* a power loss, so an item committed as `sending` before its
//!   POST is never forgotten.
//! - **Checked at open.** The pragmas (`journal_mode=wal`, `synchronous=FULL`,
//!   `foreign_keys=ON`, `busy_timeout ≥ 5000`) and the SQLite version (≥ 3.51.3, the
//!   WAL-reset fix) are read back after they are set; anything else refuses to open
//!   ([`CoreError::Storage`]). So is a network path (UNC share, NFS/SMB mount): SQLite's
//!   locking is not reliable there.
//! - **Versioned migrations** ([`schema`]), each in one transaction with its
//!   `user_version`, so a crash leaves the old or the new schema, never a mix.
//! - **Checked before sending** ([`health`]: `quick_check`) and **backed up daily**
//!   ([`backup`]: `VACUUM INTO`).
//!
//! [`pg`] is the team store beside it: the same tables in a shared PostgreSQL
//! database, for many processes and people at once, behind the same contract
//! ([`Engine`], [`Store::open_url`]).

pub(crate) mod action_reads;
mod audit;
mod automation;
mod automation_rows;
mod backup;
mod cache;
mod contract;
mod grid;
mod grid_codes;
pub mod grid_sql;
mod health;
pub(crate) mod jobs;
pub mod journal_entry;
pub mod pg;
mod proposals;
mod queries;
pub(crate) mod rows;
mod schema;
pub(crate) mod team;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use audit::NewAudit;
pub use automation::{DecisionRow, RULE_SOURCE, Round};
pub use backup::BACKUPS_KEPT;
pub use contract::{ActionVisit, AuditVisit, Engine, Store};
pub use health::Health;
pub use proposals::{Decider, Verdict};
pub use rows::{ItemRow, JobCounts, JobRow, NewItem, NewJob, Transition};
pub use schema::SCHEMA_VERSION;
#[doc(hidden)]
pub use schema::{migrate_to, migrate_with};

use crate::error::{CoreError, Result};

/// The oldest SQLite Cordon accepts: 3.51.3 fixed a WAL-reset corruption race.
pub const MIN_SQLITE: (u32, u32, u32) = (3, 51, 3);
/// The smallest `busy_timeout` accepted (milliseconds).
pub const MIN_BUSY_TIMEOUT_MS: i64 = 5000;

/// The pragmas in force, read back from the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragmas {
    /// `wal` for a file (`memory` for the in-memory store of tests).
    pub journal_mode: String,
    /// 2 = FULL.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
    pub sqlite_version: String,
}

/// The store. All access is serialised by one mutex around one connection.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    gate: health::Gate,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates, with its parent folders) the store at `path`, migrates it
    /// and checks its pragmas.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        refuse_network_path(path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::owner_only::create_dir_all(dir).map_err(|e| {
                CoreError::Storage(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path)
            .map_err(|e| CoreError::Storage(format!("cannot open {}: {e}", path.display())))?;
        // SQLite gives its -wal and -shm files the database file's mode.
        crate::owner_only::restrict(path).map_err(|e| {
            CoreError::Storage(format!("cannot make {} private: {e}", path.display()))
        })?;
        Self::init(conn, Some(path.to_owned()))
    }

    /// A store in memory (tests, and a core built without a data folder). Same schema
    /// and checks, except that the journal mode is `memory`.
    pub fn open_in_memory() -> Result<SqliteStore> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<SqliteStore> {
        if path.is_some() {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(CoreError::Storage(format!(
                    "the journal mode is {mode}, not WAL (is the folder on a local disk?)"
                )));
            }
        }
        // A 32 MB page cache (SQLite's default is 2 MB): the grid's indexes at 100,000
        // machines (~10 MB each) stay in memory between questions, so a search reads no
        // page from the OS.
        conn.execute_batch(
            "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;",
        )?;
        conn.busy_timeout(std::time::Duration::from_millis(MIN_BUSY_TIMEOUT_MS as u64))?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            path,
            gate: health::Gate::new(),
        };
        store.check_pragmas()?;
        {
            let mut conn = store.conn();
            schema::migrate(&mut conn)?;
        }
        Ok(store)
    }

    /// Where the store lives (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The pragmas in force.
    pub fn pragmas(&self) -> Result<Pragmas> {
        let conn = self.conn();
        let journal_mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let foreign_keys: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        let busy_timeout_ms: i64 = conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
        let sqlite_version: String = conn.query_row("SELECT sqlite_version()", [], |r| r.get(0))?;
        Ok(Pragmas {
            journal_mode: journal_mode.to_ascii_lowercase(),
            synchronous,
            foreign_keys: foreign_keys == 1,
            busy_timeout_ms,
            sqlite_version,
        })
    }

    fn check_pragmas(&self) -> Result<()> {
        let p = self.pragmas()?;
        let want_mode = if self.path.is_some() { "wal" } else { "memory" };
        let mut wrong = Vec::new();
        if p.journal_mode != want_mode {
            wrong.push(format!(
                "journal_mode={} (want {want_mode})",
                p.journal_mode
            ));
        }
        if p.synchronous != 2 {
            wrong.push(format!("synchronous={} (want 2 = FULL)", p.synchronous));
        }
        if !p.foreign_keys {
            wrong.push("foreign_keys=OFF".to_owned());
        }
        if p.busy_timeout_ms < MIN_BUSY_TIMEOUT_MS {
            wrong.push(format!("busy_timeout={} ms", p.busy_timeout_ms));
        }
        if !version_at_least(&p.sqlite_version, MIN_SQLITE) {
            wrong.push(format!(
                "SQLite {} is older than {}.{}.{}",
                p.sqlite_version, MIN_SQLITE.0, MIN_SQLITE.1, MIN_SQLITE.2
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Storage(format!(
                "the store failed its checks at open: {}",
                wrong.join(", ")
            )))
        }
    }

    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Caps the file at `pages` pages (`PRAGMA max_page_count`), so that writes past it
    /// fail with `SQLITE_FULL` as on a full disk. For fail-closed tests (D-8).
    pub fn limit_pages(&self, pages: u32) -> Result<u32> {
        Ok(self
            .conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?)
    }

    /// The connection. A poisoned lock only means a panic elsewhere: every write is
    /// one transaction, so the data is consistent.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` in one `IMMEDIATE` transaction, committed when it returns `Ok`.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// `true` when `version` ("3.54.1") is at least `min`.
pub fn version_at_least(version: &str, min: (u32, u32, u32)) -> bool {
    let mut parts = version
        .split('.')
        .map(|p| p.trim().parse::<u32>().unwrap_or(0));
    let v = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    v >= min
}

/// Refuses paths SQLite cannot lock reliably: UNC shares (`\\server\share`, also as
/// `//server/share` or `\\?\UNC\…`) and, on Linux, network file systems.
pub fn refuse_network_path(path: &Path) -> Result<()> {
    let s = path.to_string_lossy();
    let upper = s.to_ascii_uppercase();
    let local_verbatim =
        (upper.starts_with(r"\\?\") && !upper.starts_with(r"\\?\UNC\")) || s.starts_with(r"\\.\");
    let unc = (s.starts_with(r"\\") || s.starts_with("//")) && !local_verbatim;
    if unc {
        return Err(CoreError::Storage(format!(
            "{s} is a network path; keep Cordon's data folder on a local disk"
        )));
    }
    #[cfg(target_os = "linux")]
    if let Some(fs) = linux_fs_type(path) {
        const NETWORK: &[&str] = &[
            "nfs",
            "nfs4",
            "cifs",
            "smb3",
            "smbfs",
            "ncpfs",
            "afs",
            "ceph",
            "9p",
            "fuse.sshfs",
            "fuse.glusterfs",
            "glusterfs",
            "davfs",
            "fuse.davfs2",
        ];
        if NETWORK.contains(&fs.as_str()) {
            return Err(CoreError::Storage(format!(
                "{s} is on a network file system ({fs}); keep Cordon's data folder on a local disk"
            )));
        }
    }
    Ok(())
}

/// The file-system type of the mount holding `path` (its deepest existing ancestor).
#[cfg(target_os = "linux")]
fn linux_fs_type(path: &Path) -> Option<String> {
    let abs = std::path::absolute(path).ok()?;
    let existing = abs.ancestors().find(|p| p.exists())?;
    let real = std::fs::canonicalize(existing).ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let _dev = f.next()?;
            let dir = f.next()?.replace("\\040", " ");
            let fs = f.next()?;
            real.starts_with(&dir).then(|| (dir.len(), fs.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

/// Runs store work on the blocking pool, so fsyncs and waits for the store's lock never
/// stall the runtime's workers (the UI's IPC, the sync and the runner's items run
/// there). `None` when the task could not finish (runtime shutting down).
pub(crate) async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

/// A time as stored: RFC 3339 UTC with milliseconds (sorts as text).
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    crate::time::rfc3339_millis(t)
}

/// A stored time back (a malformed one reads as the epoch: the store writes them all).
pub(crate) fn parse_ts(s: &str) -> DateTime<Utc> {
    crate::time::parse_rfc3339(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store knows its tenant: another tenant's core is refused it, whatever the
    /// file is called, and the same tenant written differently is the same tenant.
    #[test]
    fn a_store_for_another_tenant_is_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("stores").join("t.sqlite3");
        let auth = "https://login.microsoftonline.com/";
        let t1 = "11111111-1111-1111-1111-111111111111";
        let store = SqliteStore::open(&path).expect("open");
        store
            .bind_tenant(auth, t1, "Prod EU")
            .expect("first open binds");
        drop(store);
        let again = SqliteStore::open(&path).expect("open");
        again
            .bind_tenant(auth, &format!(" {} ", t1.to_uppercase()), "Prod (renamed)")
            .expect("same tenant");
        assert_eq!(
            again.meta("tenant.label").expect("meta").as_deref(),
            Some("Prod (renamed)")
        );
        let other = again.bind_tenant(auth, "22222222-2222-2222-2222-222222222222", "Other");
        assert!(
            matches!(&other, Err(CoreError::Storage(m)) if m.contains("not of 22222222")),
            "{other:?}"
        );
        let elsewhere = again.bind_tenant("https://login.microsoftonline.us/", t1, "Gov");
        assert!(
            matches!(elsewhere, Err(CoreError::Storage(_))),
            "another cloud"
        );
        assert_eq!(again.meta("tenant.id").expect("meta").as_deref(), Some(t1));
    }

    /// The store and its folder are the user's alone, whatever the umask.
    #[cfg(unix)]
    #[test]
    fn the_store_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("stores").join("t.sqlite3");
        let store = SqliteStore::open(&path).expect("open");
        store.set_meta("k", "v").expect("write");
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("stores")), 0o700);
        let wal = tmp.path().join("stores").join("t.sqlite3-wal");
        assert_eq!(
            mode(&wal),
            0o600,
            "SQLite's side files follow the database's mode"
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("3.51.3", MIN_SQLITE));
        assert!(version_at_least("3.54.1", MIN_SQLITE));
        assert!(version_at_least("4.0.0", MIN_SQLITE));
        assert!(!version_at_least("3.51.2", MIN_SQLITE));
        assert!(!version_at_least("3.9.99", MIN_SQLITE));
    }

    #[test]
    fn network_paths_are_refused() {
        for p in [
            r"\\server\share\cordon.sqlite3",
            "//server/share/c.sqlite3",
            r"\\?\UNC\srv\s\c",
        ] {
            assert!(
                matches!(
                    refuse_network_path(Path::new(p)),
                    Err(CoreError::Storage(_))
                ),
                "{p}"
            );
        }
        assert!(refuse_network_path(Path::new(r"\\?\C:\Users\a\c.sqlite3")).is_ok());
        assert!(refuse_network_path(&std::env::temp_dir().join("c.sqlite3")).is_ok());
    }
}
