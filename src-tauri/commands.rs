//! IPC commands: one or two lines each, calling the core. Errors are the tagged
//! [`IpcError`]; nothing returns `Result<_, String>`.

use cordon_core::dto::{
    ActionOutcome, AppInfo, IpcError, IsolateRequest, MachineDetail, MachineRow, ReleaseRequest,
    Snapshot,
};
use tauri::State;

use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

/// Facts about the tenant this window works on.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    Ok(state.core.info())
}

/// The Machines view, from the local cache.
#[tauri::command]
#[specta::specta]
pub async fn snapshot(state: State<'_, AppState>) -> Res<Snapshot> {
    Ok(state.core.snapshot())
}

/// Syncs with Defender now (the Retry button), then returns the view.
#[tauri::command]
#[specta::specta]
pub async fn refresh(state: State<'_, AppState>) -> Res<Snapshot> {
    Ok(state.core.refresh().await?)
}

/// One machine's properties, state and isolation timeline.
#[tauri::command]
#[specta::specta]
pub async fn machine_detail(state: State<'_, AppState>, machine_id: String) -> Res<MachineDetail> {
    Ok(state.core.machine_detail(&machine_id)?)
}

/// Resolves a machine id or DNS name to one machine (or the candidates).
#[tauri::command]
#[specta::specta]
pub async fn find_machine(state: State<'_, AppState>, query: String) -> Res<MachineRow> {
    Ok(state.core.find_machine(&query).await?)
}

/// Isolates machines (comment required).
#[tauri::command]
#[specta::specta]
pub async fn isolate(
    state: State<'_, AppState>,
    request: IsolateRequest,
) -> Res<Vec<ActionOutcome>> {
    Ok(state.core.isolate(request).await?)
}

/// Releases machines from isolation (comment required).
#[tauri::command]
#[specta::specta]
pub async fn release(
    state: State<'_, AppState>,
    request: ReleaseRequest,
) -> Res<Vec<ActionOutcome>> {
    Ok(state.core.release(request).await?)
}
