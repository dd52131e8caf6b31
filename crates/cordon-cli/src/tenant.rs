//! Which tenant a command works on, and where secrets are.
//!
//! Order: `--profile`, then the `CORDON_*` variables (how scripts and the simulator run
//! it with no profile), then the active profile, else "no tenant configured".
//!
//! The OS credential store is opened (and probed) only when a secret is actually
//! needed, so `profiles list`, `profiles add` without a secret and `profiles remove`
//! of a profile without secrets work on a machine without one. When it is needed and
//! unusable, the command fails closed (exit 4): no other place holds secrets.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use cordon_core::profiles::{self, ProfileStore};
use cordon_core::secrets::Secret;
use cordon_core::secrets::{KeyringStore, SecretKey, SecretStore, UnavailableStore};
use cordon_core::{AppConfig, CoreError, Result};

/// The OS credential store, opened on first use.
#[derive(Default)]
pub struct LazyKeyring {
    store: OnceLock<std::result::Result<KeyringStore, UnavailableStore>>,
}

impl LazyKeyring {
    fn get(&self) -> &std::result::Result<KeyringStore, UnavailableStore> {
        self.store
            .get_or_init(|| KeyringStore::open().map_err(|e| UnavailableStore::from_error(&e)))
    }

    fn store(&self) -> &dyn SecretStore {
        match self.get() {
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

/// The profiles in the data folder, with the OS credential store behind them.
pub fn profile_store(data_dir: Option<PathBuf>) -> Result<ProfileStore> {
    let dir = cordon_core::paths::data_dir(data_dir);
    ProfileStore::open(dir, Arc::new(LazyKeyring::default()))
}

/// The configuration of the tenant this command works on, with its journal store
/// set: `<data dir>/stores/<key>.sqlite3`, the key being the profile name, or
/// `env-<tenant id>` for the tenant of the `CORDON_*` variables.
pub fn resolve(profile: Option<&str>, data_dir: Option<PathBuf>) -> Result<AppConfig> {
    let dir = cordon_core::paths::data_dir(data_dir.clone());
    let (mut cfg, key) = resolve_config(profile, data_dir)?;
    cordon_core::env::apply_tuning(&mut cfg)?;
    cfg.store_path = Some(cordon_core::paths::store_path(&dir, &key));
    Ok(cfg)
}

fn resolve_config(profile: Option<&str>, data_dir: Option<PathBuf>) -> Result<(AppConfig, String)> {
    if let Some(name) = profile {
        let store = profile_store(data_dir)?;
        let p = store.get(name)?;
        return Ok((profiles::app_config(&p, store.secrets())?, p.name));
    }
    if let Some(cfg) = cordon_core::env::config_from_env()? {
        let tenant = std::env::var("CORDON_TENANT_ID").unwrap_or_default();
        return Ok((cfg, format!("env-{}", tenant.trim())));
    }
    let store = profile_store(data_dir)?;
    match store.active()? {
        Some(p) => Ok((profiles::app_config(&p, store.secrets())?, p.name)),
        None => Err(CoreError::NoTenant),
    }
}
