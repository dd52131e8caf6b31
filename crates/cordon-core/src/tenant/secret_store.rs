//! Opening the secret store, once per front end, by one rule (K-1/K-2): the OS
//! credential store, or — only when explicitly asked for, and only with the demo —
//! process memory; when the OS store cannot be used, an [`UnavailableStore`] that
//! refuses every secret. Never a silent fallback to somewhere weaker.
//!
//! The desktop app probes the OS store at start (with a timeout: a locked keyring may
//! wait for a prompt forever) because Settings states where secrets go. The CLI opens
//! it on first use ([`LazyKeyring`]), so commands that need no secret work on a
//! machine without one, and fail closed (exit 4) when one is needed.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::settings::SecretStorage;
use crate::error::{CoreError, Result};
use crate::secrets::{KeyringStore, MemoryStore, Secret, SecretKey, SecretStore, UnavailableStore};

/// How long the OS credential store may take to answer the start-up probe before
/// Cordon says it is unavailable.
pub const KEYRING_PROBE_TIMEOUT: Duration = Duration::from_secs(8);

/// What the desktop app's command line asks for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LaunchArgs {
    /// `--demo`: the demo tenant, whatever else is configured.
    pub demo: bool,
    /// `--secret-store=memory`: secrets in process memory. Only with `--demo`.
    pub memory_secrets: bool,
}

impl LaunchArgs {
    /// Reads `--demo` and `--secret-store=memory|os`; other arguments are ignored.
    /// Memory secrets without the demo are refused.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self> {
        let mut out = LaunchArgs::default();
        for a in args {
            match a.as_str() {
                "--demo" => out.demo = true,
                "--secret-store=memory" => out.memory_secrets = true,
                "--secret-store=os" => out.memory_secrets = false,
                _ => {}
            }
        }
        if out.memory_secrets && !out.demo {
            return Err(CoreError::Invalid {
                field: "--secret-store".into(),
                message: "--secret-store=memory is only allowed together with --demo: outside the demo, secrets live in the OS credential store or nowhere.".into(),
            });
        }
        Ok(out)
    }
}

/// The desktop app's secret store, chosen at start: memory only when asked for
/// explicitly (with the demo), else the OS credential store (probed), else an
/// unavailable store that refuses every secret — with how Settings states it.
pub fn app_secret_store(args: &LaunchArgs) -> (Arc<dyn SecretStore>, SecretStorage) {
    if args.memory_secrets && args.demo {
        tracing::warn!("secrets are kept in memory only (--demo --secret-store=memory)");
        return (Arc::new(MemoryStore::new()), SecretStorage::memory());
    }
    match probe_keyring(KEYRING_PROBE_TIMEOUT) {
        Ok(store) => (Arc::new(store), SecretStorage::os()),
        Err(e) => {
            tracing::warn!(error = %e, "secure storage unavailable: no secret will be stored");
            let store = UnavailableStore::from_error(&e);
            let reason = match e {
                CoreError::SecureStorageUnavailable(r) => r,
                other => other.to_string(),
            };
            (Arc::new(store), SecretStorage::unavailable(reason))
        }
    }
}

/// Opens the OS credential store on a thread, so that one that never answers cannot
/// hang the start.
fn probe_keyring(timeout: Duration) -> Result<KeyringStore> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("keyring-probe".into())
        .spawn(move || {
            let _ = tx.send(KeyringStore::open());
        });
    match spawned {
        Ok(_) => rx.recv_timeout(timeout).unwrap_or_else(|_| {
            Err(CoreError::SecureStorageUnavailable(format!(
                "the OS credential store did not answer within {} s",
                timeout.as_secs()
            )))
        }),
        Err(e) => Err(CoreError::SecureStorageUnavailable(e.to_string())),
    }
}

/// The CLI's secret store: the OS credential store, opened on first use.
pub fn cli_secret_store() -> Arc<dyn SecretStore> {
    Arc::new(LazyKeyring::default())
}

/// The OS credential store, opened (and probed) on first use; unusable, it refuses
/// every secret like an [`UnavailableStore`].
#[derive(Default)]
pub struct LazyKeyring {
    store: OnceLock<std::result::Result<KeyringStore, UnavailableStore>>,
}

impl LazyKeyring {
    fn opened(&self) -> &std::result::Result<KeyringStore, UnavailableStore> {
        self.store
            .get_or_init(|| KeyringStore::open().map_err(|e| UnavailableStore::from_error(&e)))
    }

    fn store(&self) -> &dyn SecretStore {
        match self.opened() {
            Ok(k) => k,
            Err(u) => u,
        }
    }
}

impl SecretStore for LazyKeyring {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        self.store().get(key)
    }
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.store().set(key, value)
    }
    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.store().delete(key)
    }
    fn describe(&self) -> &'static str {
        "OS credential store"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::settings::StorageKind;

    fn args(a: &[&str]) -> Result<LaunchArgs> {
        LaunchArgs::parse(a.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn memory_secrets_only_with_the_demo() {
        assert_eq!(
            args(&["--demo", "--secret-store=memory"]).expect("allowed"),
            LaunchArgs {
                demo: true,
                memory_secrets: true
            }
        );
        assert!(matches!(
            args(&["--secret-store=memory"]),
            Err(CoreError::Invalid { field, .. }) if field == "--secret-store"
        ));
        assert_eq!(
            args(&["--secret-store=memory", "--secret-store=os"]).expect("os wins"),
            LaunchArgs::default()
        );
        assert_eq!(args(&[]).expect("no flags"), LaunchArgs::default());
    }

    #[test]
    fn the_memory_store_is_chosen_only_when_asked_for_with_the_demo() {
        let (store, storage) = app_secret_store(&LaunchArgs {
            demo: true,
            memory_secrets: true,
        });
        assert_eq!(storage.kind, StorageKind::Memory);
        let key = SecretKey::new("p", crate::secrets::SecretKind::ClientSecret);
        store.set(&key, &Secret::new("s")).expect("memory keeps it");
        assert_eq!(
            store
                .get(&key)
                .expect("read")
                .map(|s| s.expose().to_owned()),
            Some("s".to_owned())
        );
        // Hand-built (not parsed) memory without the demo is still not memory.
        let (_, storage) = app_secret_store(&LaunchArgs {
            demo: false,
            memory_secrets: true,
        });
        assert_ne!(storage.kind, StorageKind::Memory);
    }
}
