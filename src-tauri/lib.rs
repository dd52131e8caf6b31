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
pub fn setup<R: Runtime>(builder: tauri::Builder<R>, state: state::AppState) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    builder
        .invoke_handler(specta.invoke_handler())
        .manage(state)
        .setup(move |app| {
            specta.mount_events(app);
            let handle = app.handle().clone();
            let core = app.state::<state::AppState>().core.clone();
            tauri::async_runtime::spawn(events::forward(core, handle));
            Ok(())
        })
}

/// Runs the desktop app.
pub fn run() {
    launch::init_logging();
    let state = match launch::start_core(std::env::args().skip(1)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Cordon could not start: {e}");
            std::process::exit(2);
        }
    };
    let app = setup(tauri::Builder::default(), state)
        .on_page_load(|_, _| {})
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Cordon could not open its window: {e}");
            std::process::exit(1);
        }
    }
}
