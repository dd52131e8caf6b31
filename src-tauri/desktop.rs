//! The desktop niceties of the real app's window, registered by [`crate::run`] only.
//!
//! - One Cordon per session (`tauri-plugin-single-instance`): two windows on the same
//!   store would race each other's journal and confuse the person about which one is
//!   watching an action; a second launch brings the open window forward and exits.
//! - The window's size and place are remembered (`tauri-plugin-window-state`), so a
//!   person who made it larger on a big screen finds it that way again.
//!
//! Not part of [`crate::setup`]: the IPC tests build many apps in one process, and the
//! single-instance plugin ends any second one (that is its job).

use tauri::{Manager, Runtime};

/// The window that a second launch brings forward (tauri.conf.json's only window).
pub const MAIN_WINDOW: &str = "main";

/// Adds single instance (first, so that a second launch exits before anything else
/// starts) and the remembered window state to `builder`.
pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    plugins_with(
        builder,
        single_instance_wanted(std::env::var_os(TEST_INSTANCES).is_some()),
    )
}

/// The end-to-end run's seam: WebDriver starts one app per session, a closing one may
/// still be on the session bus when the next starts, and a second instance hands off
/// and exits. `scripts/e2e.sh` sets this; a person's launch never does.
pub const TEST_INSTANCES: &str = "CORDON_E2E_INSTANCES";

/// Single instance unless the e2e seam asks for separate instances.
pub fn single_instance_wanted(seam_set: bool) -> bool {
    !seam_set
}

/// [`plugins`] with single instance on or off.
pub fn plugins_with<R: Runtime>(builder: tauri::Builder<R>, single: bool) -> tauri::Builder<R> {
    let builder = if single {
        builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            focus_main(app)
        }))
    } else {
        builder
    };
    builder.plugin(tauri_plugin_window_state::Builder::default().build())
}

/// Shows, restores and focuses the main window (a second launch's request).
fn focus_main<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}
