//! Startup: a live tenant from the environment, or the demo tenant.
//!
//! With no tenant configured (or with `--demo`) Cordon starts the embedded simulator
//! on 127.0.0.1 with the `demo` scenario and points the core at it: the endpoint is the
//! only seam between demo and live.

use std::time::Duration;

use cordon_core::{App, AppConfig, CoreError};
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::{Scenario, SimConfig, Simulator, identities};

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

/// Starts the core on Tauri's async runtime.
pub fn start_core(args: impl Iterator<Item = String>) -> Result<AppState, CoreError> {
    let want_demo = args.into_iter().any(|a| a == "--demo");
    let live = if want_demo {
        None
    } else {
        cordon_core::env::config_from_env()?
    };
    tauri::async_runtime::block_on(async move {
        match live {
            Some(cfg) => {
                tracing::info!(api = %cfg.endpoints.api_base, "starting on a live tenant");
                Ok(AppState {
                    core: App::start(cfg)?,
                    demo: None,
                })
            }
            None => start_demo().await,
        }
    })
}

async fn start_demo() -> Result<AppState, CoreError> {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Demo,
        speed: DEMO_SPEED,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| CoreError::Demo(e.to_string()))?;
    let base = sim.base_url();
    tracing::info!(%base, "demo tenant (simulated) started");
    let endpoints = Endpoints::custom(&base, &base)?;
    let credentials = Credentials::ClientSecret {
        tenant_id: identities::TENANT_ID.to_owned(),
        client_id: identities::ANALYST_CLIENT_ID.to_owned(),
        secret: Secret::new(identities::ANALYST_SECRET),
    };
    let mut cfg = AppConfig::new(endpoints, credentials, "Demo tenant (simulated)");
    cfg.demo = true;
    cfg.busy_poll = Duration::from_secs(2);
    cfg.idle_poll = Duration::from_secs(10);
    cfg.machines_every = Duration::from_secs(60);
    Ok(AppState {
        core: App::start(cfg)?,
        demo: Some(sim),
    })
}
