//! Cordon's desktop shell: Tauri at the edge.
//!
//! Everything here is wiring: one managed [`state::AppState`] holding the core, commands
//! of one or two lines that call it (`commands`), the typed event that tells the web
//! view the data changed (`events`), and demo-mode startup (`launch`). Logic lives in
//! `cordon-core`, which does not depend on Tauri.

pub mod commands;
pub mod events;
pub mod launch;
pub mod state;

use tauri::{Manager, Runtime};

/// The commands and events of the IPC contract; `ui/src/ipc/bindings.ts` is generated
/// from this (see the `bindings` test).
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::snapshot,
            commands::refresh,
            commands::machine_detail,
            commands::find_machine,
            commands::isolate,
            commands::release,
        ])
        .events(tauri_specta::collect_events![events::SyncChanged])
}

/// Wires the builder; generic so that tests can run it on Tauri's mock runtime.
/// `state` is given by tests; the app starts its core inside `setup`, once Tauri's
/// path API can tell where the user's log folder is.
pub fn setup<R: Runtime>(
    builder: tauri::Builder<R>,
    state: Option<state::AppState>,
) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    builder
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let state = match state {
                Some(s) => s,
                None => {
                    launch::init_logging(app.path().app_log_dir().ok());
                    launch::start_core(std::env::args().skip(1))?
                }
            };
            let core = state.core.clone();
            app.manage(state);
            tauri::async_runtime::spawn(events::forward(core, app.handle().clone()));
            Ok(())
        })
}

/// Runs the desktop app.
pub fn run() {
    let app = setup(tauri::Builder::default(), None).build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Cordon could not start: {e}");
            std::process::exit(1);
        }
    }
}
