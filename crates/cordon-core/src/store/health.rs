//! The store's health, checked once per core: `PRAGMA quick_check`.
//!
//! Why: a damaged store file (a bad disk, a copy taken mid-write by another program)
//! can open and read fine for the views while a page the journal needs is garbage.
//! Sending an isolate or release from such a journal could lose or repeat an action,
//! so nothing is sent until the check has passed: the job's commit and each item's
//! `sending` commit wait for it ([`Store::ensure_sound`]). [`crate::App::start`] runs
//! the check on the blocking pool after the cache is loaded, so the first view is
//! not delayed; a core built without starting (the CLI) runs it at its first send.
//! The check reads through its own read-only connection (WAL lets it read beside the
//! writer), so the views keep working while it runs. A damaged store is refused with
//! a sentence naming the file and its backups, never replaced by the demo.

use std::sync::{Condvar, Mutex};

use rusqlite::{Connection, OpenFlags};

use super::SqliteStore;
use crate::error::{CoreError, Result};

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Not checked yet.
    Unchecked,
    /// The check is running.
    Checking,
    /// `quick_check` answered `ok`.
    Sound,
    /// `quick_check` found damage (its first finding), or could not run.
    Damaged(String),
}

/// The check's state and the waiters for its result.
pub(crate) struct Gate {
    state: Mutex<Health>,
    done: Condvar,
}

impl Gate {
    pub(crate) fn new() -> Gate {
        Gate {
            state: Mutex::new(Health::Unchecked),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Health> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SqliteStore {
    /// `PRAGMA wal_checkpoint(TRUNCATE)`: every frame of the WAL copied into the file
    /// and the WAL cut to zero bytes, unless a reader holds it (busy: false). SQLite's
    /// automatic checkpoints copy frames back but never shrink the file, so after a
    /// first sync of 100,000 machines the WAL would stay at its peak size.
    pub fn checkpoint(&self) -> Result<bool> {
        let conn = self.conn();
        let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// `PRAGMA integrity_check`: `ok` when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let lines = rows.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }

    /// The check's state now, without waiting or running it.
    pub fn health(&self) -> Health {
        self.gate.lock().clone()
    }

    /// Runs `PRAGMA quick_check` unless it ran already (then its result), or waits for
    /// the run under way. Blocking: call it off the async runtime.
    pub fn check_health(&self) -> Health {
        {
            let mut state = self.gate.lock();
            while *state == Health::Checking {
                state = self
                    .gate
                    .done
                    .wait(state)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if *state != Health::Unchecked {
                return state.clone();
            }
            *state = Health::Checking;
        }
        let found = match self.quick_check() {
            Ok(lines) if lines == ["ok"] => Health::Sound,
            Ok(lines) => Health::Damaged(lines.into_iter().next().unwrap_or_default()),
            Err(e) => Health::Damaged(e.to_string()),
        };
        if let Health::Damaged(finding) = &found {
            tracing::error!(store = ?self.path, %finding, "the store failed its quick check");
        }
        *self.gate.lock() = found.clone();
        self.gate.done.notify_all();
        found
    }

    /// `Ok` when the store passed its check (running it, or waiting for it, first);
    /// else the storage error that refuses to send, naming the file and its backups.
    pub fn ensure_sound(&self) -> Result<()> {
        match self.check_health() {
            Health::Damaged(finding) => Err(CoreError::Storage(self.damaged_sentence(&finding))),
            _ => Ok(()),
        }
    }

    fn damaged_sentence(&self, finding: &str) -> String {
        let finding = finding.lines().next().unwrap_or_default();
        match (&self.path, self.backup_dir()) {
            (Some(path), Some(backups)) => format!(
                "the store {} is damaged (PRAGMA quick_check: {finding}), so Cordon sends no isolate or release from it; quit Cordon and restore the newest backup from {} in its place",
                path.display(),
                backups.display()
            ),
            _ => format!("the in-memory store is damaged (PRAGMA quick_check: {finding})"),
        }
    }

    /// The lines of `PRAGMA quick_check`, read through a connection of its own for a
    /// file (the writer's lock is not held meanwhile).
    fn quick_check(&self) -> Result<Vec<String>> {
        let run = |conn: &Connection| -> rusqlite::Result<Vec<String>> {
            let mut stmt = conn.prepare("PRAGMA quick_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        };
        Ok(match &self.path {
            Some(path) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = Connection::open_with_flags(path, flags)?;
                conn.busy_timeout(std::time::Duration::from_millis(
                    super::MIN_BUSY_TIMEOUT_MS as u64,
                ))?;
                run(&conn)?
            }
            None => run(&self.conn())?,
        })
    }
}
