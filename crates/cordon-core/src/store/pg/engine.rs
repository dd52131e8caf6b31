//! What the contract asks of every engine about the store itself, answered for a
//! server: PostgreSQL keeps its own integrity (checksums, WAL, crash recovery) and its
//! own backups (`pg_dump`, base backups and WAL archiving, the provider's snapshots),
//! so there is no file to check or copy here. `docs/team-store.md` says so.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::PgStore;
use crate::error::Result;
use crate::store::health::Health;

impl PgStore {
    /// No file: the store is on a server.
    pub fn path(&self) -> Option<&Path> {
        None
    }

    /// `ok`: the server keeps its own integrity.
    pub fn integrity_check(&self) -> Result<String> {
        Ok("ok".to_owned())
    }

    /// Always sound (see the module doc).
    pub fn health(&self) -> Health {
        Health::Sound
    }

    pub fn check_health(&self) -> Health {
        Health::Sound
    }

    pub fn ensure_sound(&self) -> Result<()> {
        Ok(())
    }

    /// None: the server's own backups serve the team store.
    pub fn backup_dir(&self) -> Option<PathBuf> {
        None
    }

    pub fn backups(&self) -> Result<Vec<(NaiveDate, PathBuf)>> {
        Ok(Vec::new())
    }

    /// Nothing to do: the server's own backups serve the team store.
    pub fn daily_backup(&self, _today: NaiveDate, _keep: usize) -> Result<Option<PathBuf>> {
        Ok(None)
    }

    /// Nothing to fold: the server manages its own log.
    pub fn checkpoint(&self) -> Result<bool> {
        Ok(true)
    }
}
