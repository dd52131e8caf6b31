//! Where Cordon keeps its files, shared by the desktop app and the CLI so both see the
//! same profiles: `--data-dir`, else `CORDON_DATA_DIR`, else the platform data folder
//! joined with the app identifier (what Tauri's `app_data_dir` gives for
//! `com.cordon.desktop` on Windows, macOS and Linux). No OS path is hard-coded.
//!
//! In it, one store per tenant, named by a hash of the tenant (not of a profile name
//! or of how the tenant was reached), so the app and the CLI, through a profile or the
//! `CORDON_*` variables, always keep one journal per tenant; and the demo's store
//! apart, where its reset cannot reach a real journal.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mde_api::Endpoints;
use sha2::{Digest, Sha256};

/// The app identifier (tauri.conf.json), which names the data folder.
pub const APP_IDENTIFIER: &str = "com.cordon.desktop";

/// Cordon's data folder (not created here).
pub fn data_dir(override_dir: Option<PathBuf>) -> PathBuf {
    resolve(
        override_dir,
        std::env::var_os("CORDON_DATA_DIR").map(PathBuf::from),
    )
}

/// Same as [`data_dir`] with `CORDON_DATA_DIR` read through any lookup.
pub fn data_dir_from(
    override_dir: Option<PathBuf>,
    get: &dyn Fn(&str) -> Option<String>,
) -> PathBuf {
    resolve(override_dir, get("CORDON_DATA_DIR").map(PathBuf::from))
}

fn resolve(override_dir: Option<PathBuf>, from_env: Option<PathBuf>) -> PathBuf {
    override_dir
        .or(from_env.filter(|p| !p.as_os_str().is_empty()))
        .unwrap_or_else(|| platform_dir(dirs::data_dir(), dirs::home_dir()))
}

/// The platform data folder joined with the app identifier; without one, the home
/// folder's; without a home, the working folder's. Never the shared temp folder,
/// where others could read or plant a journal.
fn platform_dir(data: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    data.or_else(|| home.map(|h| h.join(".local").join("share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_IDENTIFIER)
}

/// Hex characters of the store key: 128 bits of SHA-256, far from any collision
/// between the tenants one person reaches, short enough for any file system.
pub const STORE_KEY_HEX: usize = 32;

/// The store key of a tenant: the first [`STORE_KEY_HEX`] hex characters of
/// SHA-256(`authority` + `\n` + `tenant id`), both normalised (the authority as
/// [`Endpoints`] parses it, e.g. `https://login.microsoftonline.com/`; the tenant id
/// trimmed and lower-case). A function of the tenant only: every profile on a tenant
/// and the `CORDON_*` variables naming it share one journal, two tenants never do,
/// and renaming a profile keeps its journal.
pub fn store_key(endpoints: &Endpoints, tenant_id: &str) -> String {
    let digest = Sha256::new()
        .chain_update(endpoints.authority.as_str().as_bytes())
        .chain_update(b"\n")
        .chain_update(tenant_id.trim().to_ascii_lowercase().as_bytes())
        .finalize();
    let mut key = String::with_capacity(STORE_KEY_HEX);
    for byte in digest.iter().take(STORE_KEY_HEX / 2) {
        // Writing to a String cannot fail.
        let _ = write!(key, "{byte:02x}");
    }
    key
}

/// The store file (journal, audit log, caches, settings) of a tenant:
/// `<data_dir>/stores/<store key>.sqlite3`, shared by the desktop app and the CLI.
pub fn store_path(data_dir: &Path, endpoints: &Endpoints, tenant_id: &str) -> PathBuf {
    data_dir
        .join("stores")
        .join(format!("{}.sqlite3", store_key(endpoints, tenant_id)))
}

/// The demo tenant's store: `<data_dir>/demo/store.sqlite3`, outside `stores/`, so
/// that deleting it at each launch ([`reset_demo_store`]) can never touch the journal
/// of a real tenant.
pub fn demo_store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("demo").join("store.sqlite3")
}

/// Deletes the demo store (and its SQLite side files): the simulator is new at each
/// launch, so a journal of its previous life would point at machines and actions that
/// no longer exist. Only ever the files of [`demo_store_path`].
pub fn reset_demo_store(data_dir: &Path) {
    let db = demo_store_path(data_dir);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(file = ?name, error = %e, "could not delete the old demo store")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_folder_never_falls_back_to_the_temp_folder() {
        let temp = std::env::temp_dir();
        for (data, home) in [
            (None, Some(PathBuf::from("/home/a"))),
            (None, None),
            (Some(PathBuf::from("/data")), None),
        ] {
            let dir = platform_dir(data, home);
            assert!(!dir.starts_with(&temp), "{}", dir.display());
            assert!(dir.ends_with(APP_IDENTIFIER));
        }
        assert_eq!(
            platform_dir(None, Some(PathBuf::from("/home/a"))),
            Path::new("/home/a/.local/share").join(APP_IDENTIFIER)
        );
    }

    #[test]
    fn override_then_env_then_platform() {
        let o = PathBuf::from("/o");
        let e = PathBuf::from("/e");
        assert_eq!(resolve(Some(o.clone()), Some(e.clone())), o);
        assert_eq!(resolve(None, Some(e.clone())), e);
        let platform = resolve(None, Some(PathBuf::new()));
        assert!(platform.ends_with(APP_IDENTIFIER));
        assert_eq!(platform, resolve(None, None));
    }

    fn endpoints(authority: &str) -> Endpoints {
        Endpoints::custom(authority, "https://api.example").expect("valid")
    }

    const TENANT: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn the_store_key_is_a_stable_hash_of_authority_and_tenant() {
        let global = Endpoints::global();
        let key = store_key(&global, TENANT);
        assert_eq!(key.len(), STORE_KEY_HEX);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // Pinned: a change here would orphan every journal on every machine.
        // sha256("https://login.microsoftonline.com/\n11111111-2222-3333-4444-555555555555")
        assert_eq!(key, "9a4446b7da955a5fa95264249a23302d");
        assert_eq!(
            store_path(Path::new("/data"), &global, TENANT),
            Path::new("/data/stores/9a4446b7da955a5fa95264249a23302d.sqlite3")
        );
    }

    #[test]
    fn one_tenant_one_key_however_it_is_written() {
        let a = store_key(&endpoints("https://login.example"), TENANT);
        assert_eq!(a, store_key(&endpoints("https://LOGIN.example/"), TENANT));
        assert_eq!(
            a,
            store_key(
                &endpoints(" https://login.example "),
                &format!("  {}\n", TENANT.to_uppercase())
            )
        );
        // The API base is not part of the tenant.
        let other_api =
            Endpoints::custom("https://login.example", "https://eu.api.example").expect("valid");
        assert_eq!(a, store_key(&other_api, TENANT));
    }

    #[test]
    fn another_tenant_or_authority_is_another_store() {
        let login = endpoints("https://login.example");
        let a = store_key(&login, TENANT);
        assert_ne!(a, store_key(&login, "11111111-2222-3333-4444-555555555556"));
        assert_ne!(a, store_key(&endpoints("https://login.example.us"), TENANT));
        // No ambiguity from joining the two parts.
        assert_ne!(
            store_key(&endpoints("https://a.example/x"), "y"),
            store_key(&endpoints("https://a.example/"), "x\ny")
        );
    }

    #[test]
    fn the_demo_store_lives_apart_and_its_reset_touches_only_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let demo = demo_store_path(dir.path());
        assert_eq!(demo, dir.path().join("demo").join("store.sqlite3"));
        assert!(!demo.starts_with(dir.path().join("stores")));
        let tenant = store_path(dir.path(), &Endpoints::global(), TENANT);
        for file in [&demo, &tenant] {
            std::fs::create_dir_all(file.parent().expect("parent")).expect("dir");
            std::fs::write(file, b"x").expect("write");
        }
        std::fs::write(dir.path().join("demo").join("store.sqlite3-wal"), b"x").expect("wal");
        reset_demo_store(dir.path());
        assert!(!demo.exists());
        assert!(!dir.path().join("demo").join("store.sqlite3-wal").exists());
        assert!(
            tenant.exists(),
            "a tenant's journal survives the demo's reset"
        );
    }
}
