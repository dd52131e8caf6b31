//! D-5, daily backups: `VACUUM INTO <store folder>/backups/<stem>-YYYY-MM-DD.sqlite3`.
//!
//! Why this way: `VACUUM INTO` writes a consistent snapshot through SQLite itself, so
//! a backup taken while the core writes is whole (copying the file, or its `-wal`,
//! could catch a torn state; nothing here touches `-wal`/`-shm` files). The snapshot
//! is read through a read-only connection of its own, so the views keep working.
//! At most one backup a day: [`crate::App::start`] makes today's when it is missing,
//! on the blocking pool and only after the store passed its quick check (a damaged
//! store must not push the good backups out). The newest `keep` are kept. A backup is
//! written under a `.partial` name, created owner-only, and renamed when complete,
//! so a crash never leaves a half backup under a day's name.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags};

use super::SqliteStore;
use crate::error::{CoreError, Result};

/// How many daily backups are kept by default.
pub const BACKUPS_KEPT: usize = 7;

const EXT: &str = ".sqlite3";
const PARTIAL: &str = ".partial";

impl SqliteStore {
    /// The folder of this store's backups (`None` in memory).
    pub fn backup_dir(&self) -> Option<PathBuf> {
        let parent = self.path.as_deref()?.parent()?;
        Some(parent.join("backups"))
    }

    /// This store's backups, newest first.
    pub fn backups(&self) -> Result<Vec<(NaiveDate, PathBuf)>> {
        let (Some(dir), Some(stem)) = (self.backup_dir(), self.stem()) else {
            return Ok(Vec::new());
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&dir, &e)),
        };
        let mut found: Vec<(NaiveDate, PathBuf)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let date = name.strip_prefix(&format!("{stem}-"))?.strip_suffix(EXT)?;
                let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
                Some((date, e.path()))
            })
            .collect();
        found.sort_by_key(|b| std::cmp::Reverse(b.0));
        Ok(found)
    }

    /// Makes the backup of `today` unless it exists, then keeps the newest `keep`
    /// backups (at least one) and deletes the older ones. The new backup's path, or
    /// `None` when today's existed (or the store is in memory). Blocking.
    pub fn daily_backup(&self, today: NaiveDate, keep: usize) -> Result<Option<PathBuf>> {
        let (Some(path), Some(dir), Some(stem)) = (&self.path, self.backup_dir(), self.stem())
        else {
            return Ok(None);
        };
        let name = format!("{stem}-{}{EXT}", today.format("%Y-%m-%d"));
        let target = dir.join(&name);
        let made = if target.exists() {
            None
        } else {
            crate::owner_only::create_dir_all(&dir).map_err(|e| io_error(&dir, &e))?;
            let partial = dir.join(format!("{name}{PARTIAL}"));
            let written = vacuum_into(path, &partial).and_then(|()| {
                std::fs::rename(&partial, &target).map_err(|e| io_error(&target, &e))
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
            tracing::info!(backup = %target.display(), "store backed up");
            Some(target)
        };
        for (_, old) in self.backups()?.iter().skip(keep.max(1)) {
            std::fs::remove_file(old).map_err(|e| io_error(old, &e))?;
            tracing::info!(backup = %old.display(), "old store backup deleted");
        }
        Ok(made)
    }

    fn stem(&self) -> Option<String> {
        let stem = self.path.as_deref()?.file_stem()?;
        Some(stem.to_string_lossy().into_owned())
    }
}

/// A consistent snapshot of `store` into `to` (created empty and owner-only first:
/// SQLite writes into an empty file and keeps its mode).
fn vacuum_into(store: &Path, to: &Path) -> Result<()> {
    drop(crate::owner_only::create(to).map_err(|e| io_error(to, &e))?);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(store, flags)?;
    conn.busy_timeout(std::time::Duration::from_millis(
        super::MIN_BUSY_TIMEOUT_MS as u64,
    ))?;
    let to_text = to
        .to_str()
        .ok_or_else(|| CoreError::Storage(format!("{} is not UTF-8", to.display())))?;
    conn.execute("VACUUM INTO ?1", [to_text])?;
    Ok(())
}

fn io_error(path: &Path, e: &std::io::Error) -> CoreError {
    CoreError::Storage(format!("backup {}: {e}", path.display()))
}
