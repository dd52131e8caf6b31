//! Startup: the demo tenant, a tenant from the environment, or the active profile;
//! and the secret store, chosen once.
//!
//! With no tenant configured (or with `--demo`) Cordon starts the embedded simulator
//! on 127.0.0.1 with the `demo` scenario and points the core at it: the endpoint is the
//! only seam between demo and live.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cordon_core::profiles::{self, ProfileStore};
use cordon_core::secrets::{KeyringStore, MemoryStore, SecretStore, UnavailableStore};
use cordon_core::{App, AppConfig, CoreError};
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::{Scenario, SimConfig, Simulator, identities};

use crate::settings::{SecretStorage, Tenant};
use crate::state::AppState;

/// Simulation speed of the demo tenant: one real second is a simulated minute, so an
/// action completes in seconds and the 3-day expiry is reachable in a demo.
const DEMO_SPEED: f64 = 60.0;

/// Logs to stderr and, when a log folder is known, to `cordon.log` in the user's
/// app log folder (Tauri's path API: `%LOCALAPPDATA%\\com.cordon.desktop\\logs` on
/// Windows, where a GUI app has no console). Filtered by `CORDON_LOG` (default
/// `info`). Secrets are never logged: they only exist as redacting `Secret`s.
pub fn init_logging(log_dir: Option<std::path::PathBuf>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CORDON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let file = log_dir.and_then(|dir| {
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("cordon.log"))
            .ok()
    });
    let file_layer = file.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(file_layer)
        .try_init();
}

/// How long the OS credential store may take to answer the start-up probe before
/// Cordon says it is unavailable (a locked keyring may wait for a prompt forever).
const KEYRING_PROBE_TIMEOUT: Duration = Duration::from_secs(8);

/// What the command line asks for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Args {
    pub demo: bool,
    /// `--secret-store=memory`: secrets in process memory. Only with `--demo`.
    pub memory_secrets: bool,
}

impl Args {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, CoreError> {
        let mut out = Args::default();
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

/// The secret store chosen at start: memory only when asked for explicitly, else the
/// OS credential store, else an unavailable store that refuses every secret (never a
/// silent fallback, K-1/K-2).
pub fn secret_store(args: &Args) -> (Arc<dyn SecretStore>, SecretStorage) {
    if args.memory_secrets {
        tracing::warn!("secrets are kept in memory only (--demo --secret-store=memory)");
        return (Arc::new(MemoryStore::new()), SecretStorage::memory());
    }
    let (tx, rx) = std::sync::mpsc::channel();
    // A thread, so that a credential store that never answers cannot hang the start.
    let spawned = std::thread::Builder::new()
        .name("keyring-probe".into())
        .spawn(move || {
            let _ = tx.send(KeyringStore::open());
        });
    let opened = match spawned {
        Ok(_) => rx.recv_timeout(KEYRING_PROBE_TIMEOUT).unwrap_or_else(|_| {
            Err(CoreError::SecureStorageUnavailable(format!(
                "the OS credential store did not answer within {} s",
                KEYRING_PROBE_TIMEOUT.as_secs()
            )))
        }),
        Err(e) => Err(CoreError::SecureStorageUnavailable(e.to_string())),
    };
    match opened {
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

/// Starts the core on Tauri's async runtime: `--demo` → the demo tenant; else a tenant
/// from `CORDON_*`; else the active profile if its credentials can be built; else the
/// demo tenant.
pub fn start_core(args: impl Iterator<Item = String>) -> Result<AppState, CoreError> {
    let args = Args::parse(args)?;
    let (secrets, storage) = secret_store(&args);
    let data_dir = cordon_core::paths::data_dir(None);
    let profiles = ProfileStore::open(&data_dir, secrets)?;
    let live = if args.demo {
        None
    } else {
        cordon_core::env::config_from_env()?
    };
    tauri::async_runtime::block_on(async move {
        if let Some(cfg) = live {
            tracing::info!(api = %cfg.endpoints.api_base, "starting on a tenant from the environment");
            let core = App::start(with_store(cfg, &data_dir, ENV_STORE))?;
            return Ok(AppState::new(
                core,
                Tenant::Environment,
                profiles,
                storage,
                data_dir,
                None,
            ));
        }
        if !args.demo
            && let Some(core) = active_profile_core(&profiles, &data_dir)
        {
            let (core, name) = core;
            tracing::info!(profile = %name, "starting on the active profile");
            return Ok(AppState::new(
                core,
                Tenant::Profile { name },
                profiles,
                storage,
                data_dir,
                None,
            ));
        }
        let sim = start_sim().await?;
        reset_demo_store(&data_dir);
        let core = demo_core(&sim.base_url(), &data_dir)?;
        Ok(AppState::new(
            core,
            Tenant::Demo,
            profiles,
            storage,
            data_dir,
            Some(sim),
        ))
    })
}

fn active_profile_core(profiles: &ProfileStore, data_dir: &Path) -> Option<(App, String)> {
    let profile = profiles.active().ok().flatten()?;
    let started = profiles::app_config(&profile, profiles.secrets())
        .map(|cfg| with_store(cfg, data_dir, &profile.name))
        .and_then(App::start);
    match started {
        Ok(core) => Some((core, profile.name)),
        Err(e) => {
            tracing::warn!(profile = %profile.name, error = %e, "the active profile cannot be used: starting the demo tenant");
            None
        }
    }
}

/// Starts the embedded simulator with the demo story.
pub async fn start_sim() -> Result<mde_sim::SimHandle, CoreError> {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Demo,
        speed: DEMO_SPEED,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| CoreError::Demo(e.to_string()))?;
    tracing::info!(base = %sim.base_url(), "demo tenant (simulated) started");
    Ok(sim)
}

/// The store key of the tenant given by `CORDON_*` variables.
pub const ENV_STORE: &str = "environment";
/// The store key of the demo tenant.
pub const DEMO_STORE: &str = "demo";

/// Gives a tenant's core its own store (journal, audit log, settings): one SQLite file
/// per tenant key (the profile name) in the data folder, shared with the CLI.
pub fn with_store(mut cfg: AppConfig, data_dir: &Path, key: &str) -> AppConfig {
    cfg.store_path = Some(cordon_core::paths::store_path(data_dir, key));
    cfg
}

/// Deletes the demo store: the simulator is new at each launch, so a journal of its
/// previous life would point at machines and actions that no longer exist.
pub fn reset_demo_store(data_dir: &Path) {
    let db = cordon_core::paths::store_path(data_dir, DEMO_STORE);
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

/// The demo tenant's core over the simulator at `base`, started, on the demo store.
pub fn demo_core(base: &str, data_dir: &Path) -> Result<App, CoreError> {
    let endpoints = Endpoints::custom(base, base)?;
    let credentials = Credentials::ClientSecret {
        tenant_id: identities::TENANT_ID.to_owned(),
        client_id: identities::ANALYST_CLIENT_ID.to_owned(),
        secret: Secret::new(identities::ANALYST_SECRET),
    };
    let mut cfg = AppConfig::new(endpoints, credentials, "Demo tenant (simulated)");
    cfg.demo = true;
    cfg.busy_poll = Duration::from_secs(2);
    cfg.idle_poll = Duration::from_secs(10);
    // 15 s real = 15 simulated minutes: a laptop back online is seen (and its stuck
    // release auto-reconciled) within seconds, as a live tenant's would within minutes.
    cfg.machines_every = Duration::from_secs(15);
    App::start(with_store(cfg, data_dir, DEMO_STORE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Args, CoreError> {
        Args::parse(a.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn memory_secrets_only_with_the_demo() {
        assert_eq!(
            args(&["--demo", "--secret-store=memory"]).expect("allowed"),
            Args {
                demo: true,
                memory_secrets: true
            }
        );
        assert!(matches!(
            args(&["--secret-store=memory"]),
            Err(CoreError::Invalid { field, .. }) if field == "--secret-store"
        ));
        assert_eq!(args(&[]).expect("no flags"), Args::default());
    }
}
