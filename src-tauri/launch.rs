//! Startup: logging, then the core's one tenant start-up (`cordon_core::tenant`, shared
//! with the CLI: the secret store, the tenant, its journal), then — when no live tenant
//! is configured, or with `--demo` — the embedded simulator.
//!
//! The demo starts the simulator on 127.0.0.1 with the `demo` scenario and points the
//! core at it, signed in as the simulator's Demo Analyst (`crate::demo`): the endpoint
//! is the only seam between demo and live.

use std::path::Path;

use cordon_core::tenant::{self, Tenant};
use cordon_core::{App, CoreError};
use mde_sim::{Scenario, SimConfig, Simulator};

use crate::state::AppState;

/// Simulation speed of the demo tenant: one real second is a simulated minute, so an
/// action completes in seconds and the 3-day expiry is reachable in a demo.
const DEMO_SPEED: f64 = 60.0;

/// Daily log files kept (`cordon.YYYY-MM-DD.log`); older ones are deleted.
pub const LOG_FILES_KEPT: usize = 14;

/// Logs to stderr and, when a log folder is known, to `cordon.<date>.log` in the
/// user's app log folder (Tauri's path API: `%LOCALAPPDATA%\\com.cordon.desktop\\logs`
/// on Windows, where a GUI app has no console), rotated daily by `tracing-appender`
/// and kept [`LOG_FILES_KEPT`] days, in an owner-only folder. Filtered by `CORDON_LOG`
/// (default `info`). Secrets are never logged: they only exist as redacting `Secret`s.
pub fn init_logging(log_dir: Option<std::path::PathBuf>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CORDON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let file_layer = log_dir.and_then(|dir| log_files(&dir)).map(|files| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(files)
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(file_layer)
        .try_init();
}

/// The daily-rotated log files in `dir` (created owner-only), or `None` when the
/// folder cannot be made.
pub fn log_files(dir: &std::path::Path) -> Option<tracing_appender::rolling::RollingFileAppender> {
    cordon_core::owner_only::create_dir_all(dir).ok()?;
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("cordon")
        .filename_suffix("log")
        .max_log_files(LOG_FILES_KEPT)
        .build(dir)
        .ok()
}

/// What the command line asks for (`--demo`, `--secret-store=memory|os`).
pub use cordon_core::tenant::LaunchArgs as Args;

/// Starts the core on Tauri's async runtime, by the core's one start-up
/// ([`tenant::start_desktop`]: `--demo` → the demo; else `CORDON_*`, else the active
/// profile), from the process environment. When that gives no live tenant, the demo
/// tenant on the embedded simulator.
pub fn start_core(args: impl Iterator<Item = String>) -> Result<AppState, CoreError> {
    start_core_with(args, &tenant::env::process_env)
}

/// Same as [`start_core`] with the `CORDON_*` variables read through `get` (tests).
pub fn start_core_with(
    args: impl Iterator<Item = String>,
    get: tenant::Lookup<'_>,
) -> Result<AppState, CoreError> {
    let args = Args::parse(args)?;
    tauri::async_runtime::block_on(async move {
        let start = tenant::start_desktop(&args, get)?;
        let (core, current, sim) = match start.live {
            Some((core, current)) => (core, current, None),
            None => {
                let sim = start_sim().await?;
                tenant::paths::reset_demo_store(&start.data_dir);
                let core = demo_core(&sim.base_url(), &start.data_dir, true).await?;
                (core, Tenant::Demo, Some(sim))
            }
        };
        Ok(AppState::new(
            core,
            current,
            start.profiles,
            start.storage,
            start.data_dir,
            sim,
        ))
    })
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

/// The demo tenant's core over the simulator at `base`, started, on the demo store
/// (the core's [`tenant::demo_config`]; the simulator's Demo Analyst signs in). A
/// `fresh` store (just reset) first gets the demo's automation story.
pub async fn demo_core(base: &str, data_dir: &Path, fresh: bool) -> Result<App, CoreError> {
    crate::demo::core(base, data_dir, fresh).await
}

/// Opens the log folder (created if missing) with the system's file manager.
pub fn open_logs(dir: Option<std::path::PathBuf>) -> Result<(), cordon_core::dto::IpcError> {
    let failed = |message: String| cordon_core::dto::IpcError::Internal { message };
    let dir = dir.ok_or_else(|| failed("The system gives Cordon no log folder.".into()))?;
    cordon_core::owner_only::create_dir_all(&dir)
        .map_err(|e| failed(format!("Could not make {}: {e}", dir.display())))?;
    tauri_plugin_opener::open_path(&dir, None::<&str>)
        .map_err(|e| failed(format!("Could not open {}: {e}", dir.display())))
}

/// The sentence shown when Cordon cannot start, with where the log is.
pub fn refusal_text(e: CoreError, logs: Option<&std::path::Path>) -> String {
    let why = cordon_core::dto::IpcError::from(e).to_string();
    let log = logs.map_or_else(String::new, |d| {
        format!("\n\nThe log is in {}.", d.display())
    });
    format!("{why}{log}\n\nNothing was sent to Defender. Cordon will close.")
}

/// Cordon cannot start (the store is damaged or belongs to another tenant, the
/// tenant's settings are unusable): the main window stays hidden and a native message
/// says why and where the log is; closing it quits.
pub fn refuse_to_start<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    e: CoreError,
    logs: Option<&std::path::Path>,
) {
    use tauri::Manager as _;
    use tauri_plugin_dialog::{DialogExt as _, MessageDialogButtons, MessageDialogKind};
    tracing::error!(error = %e, "Cordon cannot start");
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.hide();
    }
    let handle = app.clone();
    app.dialog()
        .message(refusal_text(e, logs))
        .title("Cordon cannot start")
        .kind(MessageDialogKind::Error)
        .buttons(MessageDialogButtons::OkCustom("Quit".into()))
        .show(move |_| handle.exit(2));
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_refusal_says_why_and_where_the_log_is() {
        let e = cordon_core::CoreError::Storage(
            "the store is damaged (quick_check: row 12 missing from index)".into(),
        );
        let text = super::refusal_text(
            e,
            Some(std::path::Path::new("/home/a/.local/share/cordon/logs")),
        );
        assert!(text.contains("the store is damaged"), "{text}");
        assert!(
            text.contains("The log is in /home/a/.local/share/cordon/logs."),
            "{text}"
        );
        assert!(text.contains("Nothing was sent"), "{text}");
    }

    #[test]
    fn the_log_is_a_daily_file_in_an_owner_only_folder() {
        use std::io::Write as _;
        let dir = std::env::temp_dir().join(format!("cordon-log-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut files = super::log_files(&dir).expect("log folder");
        files.write_all(b"a line\n").expect("write");
        files.flush().expect("flush");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let name = &names[0];
        assert!(
            name.starts_with("cordon.") && name.ends_with(".log"),
            "{name}"
        );
        let date = &name["cordon.".len()..name.len() - ".log".len()];
        assert!(
            chrono_like_date(date),
            "a daily file is named by its date: {name}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o700);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `YYYY-MM-DD`.
    fn chrono_like_date(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    }
}
