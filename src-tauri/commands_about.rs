//! The About panel's commands: which Cordon this is, where its data and log are, and
//! opening the log folder (from Rust, with the opener the shell already uses; the web
//! view has no opener permission).

use std::path::PathBuf;

use cordon_core::about::About;
use cordon_core::dto::IpcError;
use tauri::State;

use crate::state::AppState;

/// The git short hash the shell was built from (`build.rs`), empty outside a checkout.
pub const BUILD: &str = env!("CORDON_BUILD");

/// The user's log folder (Tauri's path API), managed by [`crate::attach`].
pub struct LogDir(pub Option<PathBuf>);

/// Version, build, data folder and log folder.
#[tauri::command]
#[specta::specta]
pub async fn about(state: State<'_, AppState>, logs: State<'_, LogDir>) -> Result<About, IpcError> {
    Ok(About::new(
        env!("CARGO_PKG_VERSION"),
        BUILD,
        &state.data_dir,
        logs.0.as_deref(),
    ))
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_logs_folder(logs: State<'_, LogDir>) -> Result<(), IpcError> {
    crate::launch::open_logs(logs.0.clone())
}
