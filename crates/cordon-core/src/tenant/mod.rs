//! Which tenant a front end works on, where its journal is, and where secrets go: one
//! start-up for the desktop app and the `cordon` CLI.
//!
//! Why here: the app and the CLI used to resolve tenants each in their own way and
//! kept two journals for one tenant. A journal is what makes bulk work safe to resume
//! (never an action twice), so both front ends must find the same one: they now call
//! this module and hold no tenant rule of their own.
//!
//! - **Resolution** ([`resolve`]): an explicit profile (`--profile`), then the
//!   `CORDON_*` variables ([`env`]), then the active profile, then the demo. The app
//!   starts the demo then (and with `--demo`); the CLI reports "no tenant configured"
//!   ([`Resolved::into_live`]). An active profile that cannot be used is
//!   [`Resolved::Unusable`]: the app warns and starts the demo, the CLI fails with why.
//! - **Store key** ([`paths::store_path`]): a hash of (authority, tenant id), so every
//!   profile on a tenant and the `CORDON_*` variables naming it share one journal, and
//!   two tenants never do. The demo's store lives apart ([`paths::demo_store_path`]).
//! - **Tuning** ([`env::apply_tuning`]): applied to every live tenant, in both.
//! - **Secrets** ([`app_secret_store`], [`cli_secret_store`]): the OS credential store
//!   or nothing, memory only with the demo and when asked for.
//! - **Settings** ([`save_profile`], [`test_connection`]) and their DTOs.

use std::borrow::Borrow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mde_api::{Credentials, Endpoints};

use crate::app::{App, AppConfig};
use crate::error::{CoreError, Result};
use crate::profiles::{self, ProfileStore};

pub(crate) mod choices;
pub mod env;
pub mod legacy;
pub mod paths;
mod profile_ops;
mod secret_store;
mod settings;

pub use profile_ops::{save_profile, test_connection};
pub use secret_store::{
    KEYRING_PROBE_TIMEOUT, LaunchArgs, LazyKeyring, app_secret_store, cli_secret_store,
};
pub use settings::{
    ConnectionTest, ProfileInput, SecretStorage, SettingsView, StorageKind, Tenant,
};

/// Where `CORDON_*` settings are looked up: [`env::process_env`], or a map in tests.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What a front end asks for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// A profile named explicitly (the CLI's `--profile`).
    pub profile: Option<&'a str>,
    /// The demo, whatever else is configured (the app's `--demo`).
    pub demo: bool,
}

/// A live tenant, ready to start: its configuration (tuning applied, its store set)
/// and how Settings names it.
#[derive(Debug)]
pub struct Live {
    pub config: AppConfig,
    pub tenant: Tenant,
}

/// The outcome of [`resolve`].
#[derive(Debug)]
pub enum Resolved {
    /// Boxed: a configuration is large, the other outcomes are small.
    Live(Box<Live>),
    /// The active profile cannot be used (a missing secret, a bad certificate…).
    Unusable { profile: String, error: CoreError },
    /// Nothing is configured, or the demo was asked for.
    Demo,
}

impl Resolved {
    fn live(live: Live) -> Self {
        Resolved::Live(Box::new(live))
    }

    /// The CLI's reading: a live tenant, else why not (`NoTenant` for the demo).
    pub fn into_live(self) -> Result<Live> {
        match self {
            Resolved::Live(live) => Ok(*live),
            Resolved::Unusable { error, .. } => Err(error),
            Resolved::Demo => Err(CoreError::NoTenant),
        }
    }
}

/// The tenant to work on, by the one order of both front ends. `profiles` opens the
/// profiles only when they are needed (the CLI runs from `CORDON_*` without them).
pub fn resolve<P: Borrow<ProfileStore>>(
    request: Request<'_>,
    data_dir: &Path,
    profiles: impl FnOnce() -> Result<P>,
) -> Result<Resolved> {
    resolve_with(request, data_dir, profiles, &env::process_env)
}

/// Same as [`resolve`] with the `CORDON_*` variables read through `get`.
pub fn resolve_with<P: Borrow<ProfileStore>>(
    request: Request<'_>,
    data_dir: &Path,
    profiles: impl FnOnce() -> Result<P>,
    get: Lookup<'_>,
) -> Result<Resolved> {
    if request.demo {
        return Ok(Resolved::Demo);
    }
    if let Some(name) = request.profile {
        let store = profiles()?;
        return profile_with(store.borrow(), name, data_dir, get).map(Resolved::live);
    }
    if let Some(cfg) = env::config_from(get)? {
        // Earlier versions: the app kept this tenant under `environment`, the CLI
        // under `env-<tenant id>`.
        let tenant = cfg.credentials.tenant_id().trim().to_owned();
        let legacy = ["environment".to_owned(), format!("env-{tenant}")];
        return Ok(Resolved::live(Live {
            config: finish(cfg, data_dir, get, &legacy)?,
            tenant: Tenant::Environment,
        }));
    }
    let store = profiles()?;
    let Some(active) = store.borrow().active()? else {
        return Ok(Resolved::Demo);
    };
    Ok(
        match profile_with(store.borrow(), &active.name, data_dir, get) {
            Ok(live) => Resolved::live(live),
            Err(error) => Resolved::Unusable {
                profile: active.name,
                error,
            },
        },
    )
}

/// A saved profile as a live tenant (the app's switch uses it too).
pub fn profile(profiles: &ProfileStore, name: &str, data_dir: &Path) -> Result<Live> {
    profile_with(profiles, name, data_dir, &env::process_env)
}

fn profile_with(
    profiles: &ProfileStore,
    name: &str,
    data_dir: &Path,
    get: Lookup<'_>,
) -> Result<Live> {
    let p = profiles.get(name)?;
    let cfg = profiles::app_config(&p, profiles.secrets())?;
    // Earlier versions kept a profile's journal under its name.
    let legacy = [p.name.clone()];
    Ok(Live {
        config: finish(cfg, data_dir, get, &legacy)?,
        tenant: Tenant::Profile { name: p.name },
    })
}

/// Tuning, then the tenant's store (adopting its journal of an earlier version).
fn finish(
    mut cfg: AppConfig,
    data_dir: &Path,
    get: Lookup<'_>,
    legacy_keys: &[String],
) -> Result<AppConfig> {
    env::apply_tuning_from(&mut cfg, get)?;
    let cfg = with_store(cfg, data_dir);
    if let Some(store) = &cfg.store_path {
        legacy::adopt(data_dir, store, legacy_keys);
    }
    Ok(cfg)
}

/// Gives a live tenant's configuration its store: `<data dir>/stores/<key>.sqlite3`,
/// the key a hash of its authority and tenant id ([`paths::store_key`]).
pub fn with_store(mut cfg: AppConfig, data_dir: &Path) -> AppConfig {
    let path = paths::store_path(data_dir, &cfg.endpoints, cfg.credentials.tenant_id());
    cfg.store_path = Some(path);
    cfg
}

/// The demo tenant over the simulator at `base` with its `credentials`, on the demo
/// store ([`paths::demo_store_path`]; the caller resets it when the simulator is new).
/// Polled often: the simulator's clock runs a minute per second.
pub fn demo_config(base: &str, credentials: Credentials, data_dir: &Path) -> Result<AppConfig> {
    let endpoints = Endpoints::custom(base, base)?;
    let mut cfg = AppConfig::new(endpoints, credentials, "Demo tenant (simulated)");
    cfg.demo = true;
    cfg.busy_poll = Duration::from_secs(2);
    cfg.idle_poll = Duration::from_secs(10);
    // 15 s real = 15 simulated minutes: a laptop back online is seen (and its stuck
    // release auto-reconciled) within seconds, as a live tenant's would within minutes.
    cfg.machines_every = Duration::from_secs(15);
    cfg.store_path = Some(paths::demo_store_path(data_dir));
    Ok(cfg)
}

/// What the desktop app starts with.
pub struct DesktopStart {
    pub profiles: ProfileStore,
    pub storage: SecretStorage,
    pub data_dir: PathBuf,
    /// The live tenant's core, started; `None`: start the demo.
    pub live: Option<(App, Tenant)>,
}

/// The desktop app's start (inside its async runtime): the secret store, the data
/// folder and profiles, and the tenant by [`resolve`] with no explicit profile, its
/// core started. An active profile that cannot be used or started gives the demo (with
/// a warning); a bad `CORDON_*` tenant is an error, as it is for the CLI.
pub fn start_desktop(args: &LaunchArgs, get: Lookup<'_>) -> Result<DesktopStart> {
    let (secrets, storage) = app_secret_store(args);
    let data_dir = paths::data_dir_from(None, get);
    let profiles = ProfileStore::open(&data_dir, secrets)?;
    let request = Request {
        profile: None,
        demo: args.demo,
    };
    let live = match resolve_with(request, &data_dir, || Ok(&profiles), get)? {
        Resolved::Live(live) => match App::start(live.config) {
            Ok(core) => {
                tracing::info!(tenant = ?live.tenant, "starting on a live tenant");
                Some((core, live.tenant))
            }
            // A store that cannot be opened is reported, never hidden behind the demo.
            Err(error)
                if matches!(live.tenant, Tenant::Profile { .. })
                    && !matches!(error, CoreError::Storage(_) | CoreError::TeamStore(_)) =>
            {
                tracing::warn!(tenant = ?live.tenant, %error, "the active profile cannot be started: starting the demo tenant");
                None
            }
            Err(error) => return Err(error),
        },
        Resolved::Unusable { profile, error } => {
            tracing::warn!(%profile, %error, "the active profile cannot be used: starting the demo tenant");
            None
        }
        Resolved::Demo => None,
    };
    Ok(DesktopStart {
        profiles,
        storage,
        data_dir,
        live,
    })
}

/// The CLI's profiles (`--data-dir`, else `CORDON_DATA_DIR`, else the app's folder),
/// with the OS credential store behind them, opened on first use.
pub fn cli_profiles(data_dir: Option<PathBuf>) -> Result<ProfileStore> {
    ProfileStore::open(paths::data_dir(data_dir), cli_secret_store())
}

/// The configuration of the tenant a CLI command works on: [`resolve`], where the demo
/// means "no tenant configured" ([`CoreError::NoTenant`]).
pub fn cli_config(profile: Option<&str>, data_dir: Option<PathBuf>) -> Result<AppConfig> {
    let dir = paths::data_dir(data_dir.clone());
    let request = Request {
        profile,
        demo: false,
    };
    let live = resolve(request, &dir, || cli_profiles(data_dir))?.into_live()?;
    Ok(live.config)
}

#[cfg(test)]
mod tests;
