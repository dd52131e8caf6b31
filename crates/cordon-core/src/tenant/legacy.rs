//! Journals written before the store key was a hash of the tenant: adopted once, so
//! an upgrade loses no unfinished job.
//!
//! Earlier versions kept one store per *name*: `stores/<profile name>.sqlite3` (every
//! character outside `[A-Za-z0-9._-]` replaced by `_`), `stores/environment.sqlite3`
//! for the app's `CORDON_*` tenant and `stores/env-<tenant id>.sqlite3` for the CLI's.
//! When a tenant's hashed store does not exist yet and one of its old stores does,
//! the old file (with its `-wal` and `-shm`) is renamed to the new path: its jobs
//! resume at the next start as before. When both exist, the old one is left where it
//! is and a warning names it (two profiles of one tenant had two journals; the first
//! adopted wins, the other stays readable on disk). The demo's old store was deleted
//! at every demo launch and is never adopted.

use std::path::{Path, PathBuf};

/// What happened to a tenant's old stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adoption {
    /// No old store for this tenant.
    Nothing,
    /// This old store became the tenant's store.
    Adopted(PathBuf),
    /// The tenant's store exists already; this old store was left as it is.
    LeftAside(PathBuf),
}

/// The file an earlier version used for store key `key`.
pub fn legacy_store_path(data_dir: &Path, key: &str) -> Option<PathBuf> {
    let name: String = key
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') || name.eq_ignore_ascii_case("demo") {
        return None;
    }
    Some(data_dir.join("stores").join(format!("{name}.sqlite3")))
}

/// Adopts the first existing old store of `legacy_keys` as `store` (see the module
/// doc). Failures are logged and reported as `Nothing`: the tenant then starts on a
/// new store, and the old file stays untouched on disk.
pub fn adopt(data_dir: &Path, store: &Path, legacy_keys: &[String]) -> Adoption {
    for key in legacy_keys {
        let Some(old) = legacy_store_path(data_dir, key) else {
            continue;
        };
        if old == store || !old.is_file() {
            continue;
        }
        if store.exists() {
            tracing::warn!(old = %old.display(), store = %store.display(),
                "an earlier journal of this tenant is left aside: the tenant's store exists already");
            return Adoption::LeftAside(old);
        }
        match move_with_side_files(&old, store) {
            Ok(()) => {
                tracing::info!(old = %old.display(), store = %store.display(), "earlier journal adopted");
                return Adoption::Adopted(old);
            }
            Err(e) => {
                tracing::warn!(old = %old.display(), error = %e, "earlier journal not adopted");
                return Adoption::Nothing;
            }
        }
    }
    Adoption::Nothing
}

fn move_with_side_files(old: &Path, new: &Path) -> std::io::Result<()> {
    if let Some(dir) = new.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Side files first: the main file appearing last means a complete move.
    for suffix in ["-wal", "-shm"] {
        let (mut from, mut to) = (old.as_os_str().to_owned(), new.as_os_str().to_owned());
        from.push(suffix);
        to.push(suffix);
        if Path::new(&from).exists() {
            std::fs::rename(&from, &to)?;
        }
    }
    std::fs::rename(old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
        std::fs::write(p, text).expect("write");
    }

    #[test]
    fn the_old_name_rule_is_kept_for_reading() {
        let d = Path::new("/data");
        assert_eq!(
            legacy_store_path(d, "Prod EU"),
            Some(PathBuf::from("/data/stores/Prod_EU.sqlite3"))
        );
        assert_eq!(legacy_store_path(d, "demo"), None, "never the demo's");
        assert_eq!(legacy_store_path(d, ".."), None);
    }

    #[test]
    fn an_old_journal_is_adopted_once_with_its_side_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let new = d.join("stores").join("0123abcd.sqlite3");
        let old = d.join("stores").join("Prod_EU.sqlite3");
        touch(&old, "journal");
        touch(&d.join("stores").join("Prod_EU.sqlite3-wal"), "wal");
        let keys = ["Prod EU".to_owned()];
        assert_eq!(adopt(d, &new, &keys), Adoption::Adopted(old.clone()));
        assert_eq!(std::fs::read_to_string(&new).expect("moved"), "journal");
        assert_eq!(
            std::fs::read_to_string(d.join("stores").join("0123abcd.sqlite3-wal")).expect("wal"),
            "wal"
        );
        assert!(!old.exists());
        assert_eq!(adopt(d, &new, &keys), Adoption::Nothing, "once");
    }

    #[test]
    fn a_second_old_journal_of_the_tenant_is_left_aside() {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        let new = d.join("stores").join("0123abcd.sqlite3");
        touch(&new, "current");
        let old = d.join("stores").join("environment.sqlite3");
        touch(&old, "older");
        let keys = ["environment".to_owned(), "env-t".to_owned()];
        assert_eq!(adopt(d, &new, &keys), Adoption::LeftAside(old.clone()));
        assert_eq!(std::fs::read_to_string(&new).expect("kept"), "current");
        assert_eq!(std::fs::read_to_string(&old).expect("kept"), "older");
    }
}
