//! IPC commands: one or two lines each, calling the core (or the shell's state, which
//! holds the switchable core and the profiles). Errors are the tagged [`IpcError`];
//! no command returns a bare string as its error, and no answer carries a token or secret (T-8).

use cordon_core::dto::grid::{GridChanges, GridFilter, GridPage, GridQuery};
use cordon_core::dto::{
    ActionOutcome, AppInfo, Counters, IpcError, IsolateRequest, MachineDetail, MachineRow,
    ReleaseRequest, Snapshot,
};
use cordon_core::profiles::ProfileView;
use tauri::State;

use crate::settings::{ConnectionTest, ProfileInput, SettingsView};
use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

/// Facts about the tenant this window works on.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Res<AppInfo> {
    Ok(state.core().info())
}

/// The Machines view, from the local cache.
#[tauri::command]
#[specta::specta]
pub async fn snapshot(state: State<'_, AppState>) -> Res<Snapshot> {
    Ok(state.core().snapshot())
}

/// A window of the machine grid: filtered, searched, sorted and counted in the store.
#[tauri::command]
#[specta::specta]
pub async fn grid_page(state: State<'_, AppState>, query: GridQuery) -> Res<GridPage> {
    Ok(state.core().grid_page(&query)?)
}

/// The counters of the machines matching `filter` (the default: the whole fleet).
#[tauri::command]
#[specta::specta]
pub async fn grid_counters(state: State<'_, AppState>, filter: GridFilter) -> Res<Counters> {
    Ok(state.core().grid_counters(&filter)?)
}

/// What changed in the grid since `cursor` (an idle sync: nothing).
#[tauri::command]
#[specta::specta]
pub async fn grid_changes(state: State<'_, AppState>, cursor: u32) -> Res<GridChanges> {
    Ok(state.core().grid_changes(cursor)?)
}

/// Syncs with Defender now (the Retry button), then returns the view.
#[tauri::command]
#[specta::specta]
pub async fn refresh(state: State<'_, AppState>) -> Res<Snapshot> {
    Ok(state.core().refresh().await?)
}

/// One machine's properties, state and isolation timeline.
#[tauri::command]
#[specta::specta]
pub async fn machine_detail(state: State<'_, AppState>, machine_id: String) -> Res<MachineDetail> {
    Ok(state.core().machine_detail(&machine_id)?)
}

/// Resolves a machine id or DNS name to one machine (or the candidates).
#[tauri::command]
#[specta::specta]
pub async fn find_machine(state: State<'_, AppState>, query: String) -> Res<MachineRow> {
    Ok(state.core().find_machine(&query).await?)
}

/// Isolates machines (comment required).
#[tauri::command]
#[specta::specta]
pub async fn isolate(
    state: State<'_, AppState>,
    request: IsolateRequest,
) -> Res<Vec<ActionOutcome>> {
    Ok(state.core().isolate(request).await?)
}

/// Releases machines from isolation (comment required).
#[tauri::command]
#[specta::specta]
pub async fn release(
    state: State<'_, AppState>,
    request: ReleaseRequest,
) -> Res<Vec<ActionOutcome>> {
    Ok(state.core().release(request).await?)
}

/// The Settings view: profiles, the tenant in use, where secrets go.
#[tauri::command]
#[specta::specta]
pub async fn list_profiles(state: State<'_, AppState>) -> Res<SettingsView> {
    Ok(state.settings()?)
}

/// Adds or replaces a profile; its secret goes to the secret store, never back.
#[tauri::command]
#[specta::specta]
pub async fn save_profile(state: State<'_, AppState>, input: ProfileInput) -> Res<ProfileView> {
    Ok(state.save_profile(input).await?)
}

/// Removes a profile and its stored secrets.
#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> Res<()> {
    Ok(state.remove_profile(&name).await?)
}

/// Signs in once with a profile on a temporary core: the granted permissions.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(state: State<'_, AppState>, name: String) -> Res<ConnectionTest> {
    Ok(state.test_connection(&name).await?)
}

/// Delegated sign-in: the system browser, or a device code (`deviceCodePrompt`).
#[tauri::command]
#[specta::specta]
pub async fn sign_in(state: State<'_, AppState>, name: String) -> Res<ProfileView> {
    Ok(state.sign_in(&name).await?)
}

/// Forgets a delegated profile's sign-in.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>, name: String) -> Res<ProfileView> {
    Ok(state.sign_out(name).await?)
}

/// Works on another tenant: a profile, or the demo tenant (`None`).
#[tauri::command]
#[specta::specta]
pub async fn switch_profile(state: State<'_, AppState>, name: Option<String>) -> Res<AppInfo> {
    Ok(state.switch(name).await?)
}
