//! Cordon's desktop shell: Tauri at the edge.
//!
//! Everything here is wiring: one managed [`state::AppState`] holding the (switchable)
//! core and the profiles, commands of one or two lines that call it (`commands`), the
//! typed events (`events`), startup (`launch`) and the navigation lock (`navigation`).
//! Logic lives in `cordon-core`, which does not depend on Tauri.

pub mod commands;
pub mod commands_about;
pub mod commands_automation;
pub mod commands_desktop;
pub mod commands_jobs;
pub mod demo;
pub mod desktop;
pub mod events;
pub mod export;
pub mod launch;
pub mod navigation;
pub mod notify;
pub mod prefs;
pub mod settings;
pub mod state;

use tauri::{Manager, Runtime};

/// The commands and events of the IPC contract; `ui/src/ipc/bindings.ts` is generated
/// from this (see the `bindings` test).
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands_about::about,
            commands_about::open_logs_folder,
            commands::snapshot,
            commands::grid_page,
            commands::grid_counters,
            commands::grid_changes,
            commands::refresh,
            commands::machine_detail,
            commands::find_machine,
            commands::isolate,
            commands::release,
            commands::list_profiles,
            commands::save_profile,
            commands::remove_profile,
            commands::test_connection,
            commands::sign_in,
            commands::sign_out,
            commands::switch_profile,
            commands_jobs::preview_bulk,
            commands_jobs::start_job,
            commands_jobs::cancel_job,
            commands_jobs::jobs,
            commands_jobs::job,
            commands_jobs::job_outcomes,
            commands_jobs::reconciliation,
            commands_jobs::resubmit,
            commands_jobs::groups,
            commands_jobs::history,
            commands_jobs::save_history_csv,
            commands_jobs::audit,
            commands_jobs::save_audit_export,
            commands_jobs::save_machines_csv,
            commands_jobs::reconcile_settings,
            commands_jobs::set_reconcile_settings,
            commands_automation::rule,
            commands_automation::team_status,
            commands_automation::set_rule,
            commands_automation::run_rule,
            commands_automation::preview_rule,
            commands_automation::rule_decisions,
            commands_automation::pause_automation,
            commands_automation::close_breaker,
            commands_automation::suppress,
            commands_automation::alerts,
            commands_automation::proposals,
            commands_automation::propose,
            commands_automation::decide_proposals,
            commands_desktop::ui_prefs,
            commands_desktop::set_ui_pref,
            commands_desktop::open_in_portal,
            commands_desktop::cancel_action,
            commands_desktop::cancel_pending,
        ])
        .events(tauri_specta::collect_events![
            events::SyncChanged,
            events::JobChanged,
            events::DeviceCodePrompt,
            events::AutomationChanged
        ])
}

/// Wires the builder; generic so that tests can run it on Tauri's mock runtime.
/// `state` is given by tests (managed at once; tests then call [`attach`], because the
/// mock runtime runs no `setup`); the app starts its core inside `setup`, once Tauri's
/// path API can tell where the user's log folder is.
pub fn setup<R: Runtime>(
    builder: tauri::Builder<R>,
    state: Option<state::AppState>,
) -> tauri::Builder<R> {
    let builder = match state {
        Some(s) => builder.manage(s),
        None => builder,
    };
    builder
        .plugin(navigation::lock())
        // Used from Rust only (job finished / needs attention); the web view has no
        // notification permission.
        .plugin(tauri_plugin_notification::init())
        // The exports' save dialog, opened from Rust only (`export`); the web view has
        // no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // The window's preferences, read and written from Rust only (`prefs`); the web
        // view has no store permission.
        .plugin(tauri_plugin_store::Builder::default().build())
        .invoke_handler(specta_builder::<R>().invoke_handler())
        .setup(move |app| {
            if app.try_state::<state::AppState>().is_none() {
                let logs = app.path().app_log_dir().ok();
                launch::init_logging(logs.clone());
                cordon_core::about::install_panic_hook(logs.clone());
                match launch::start_core(std::env::args().skip(1)) {
                    Ok(state) => {
                        app.manage(state);
                    }
                    // A damaged store, another tenant's store, a bad CORDON_* tenant:
                    // said in a window, never a silent exit or a fall back to the demo.
                    Err(e) => {
                        launch::refuse_to_start(app.handle(), e, logs.as_deref());
                        return Ok(());
                    }
                }
            }
            attach(app.handle());
            Ok(())
        })
}

/// Manages the log folder, the exports' [`export::Saver`] and the preferences file
/// [`prefs::Prefs`] (unless a test gave them), registers the typed
/// events and starts forwarding them to the web view.
pub fn attach<R: Runtime>(handle: &tauri::AppHandle<R>) {
    if handle.try_state::<commands_about::LogDir>().is_none() {
        handle.manage(commands_about::LogDir(handle.path().app_log_dir().ok()));
    }
    if handle.try_state::<export::Saver>().is_none() {
        handle.manage(export::Saver::dialog(handle.clone()));
    }
    if handle.try_state::<prefs::Prefs>().is_none()
        && let Some(state) = handle.try_state::<state::AppState>()
    {
        let dir = state.data_dir.clone();
        handle.manage(prefs::Prefs::store(handle.clone(), dir));
    }
    specta_builder::<R>().mount_events(handle);
    tauri::async_runtime::spawn(events::forward(handle.clone()));
}

/// Runs the desktop app.
pub fn run() {
    let builder = desktop::plugins(tauri::Builder::default());
    let app = setup(builder, None).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Cordon could not start: {e}");
            std::process::exit(1);
        }
    }
}
