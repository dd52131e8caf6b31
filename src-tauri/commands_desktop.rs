//! The window's own commands: its preferences (`prefs`, kept by Rust in the store
//! plugin; the web view has no store permission), a machine's page in the Defender
//! portal (the core builds the URL from the tenant's cloud and the machine id; the web
//! view never names a URL to open), and cancelling pending actions (one, or each
//! chosen machine's). One or two lines each.

use std::collections::BTreeMap;

use cordon_core::dto::cancel::{CancelOutcome, CancelPendingRequest};
use cordon_core::dto::{ActionRow, IpcError};
use tauri::State;

use crate::prefs::Prefs;
use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

/// Every UI preference, each as JSON text (`theme`, `lastView`, a grid's columns …).
#[tauri::command]
#[specta::specta]
pub async fn ui_prefs(prefs: State<'_, Prefs>) -> Res<BTreeMap<String, String>> {
    prefs.all()
}

/// Sets one UI preference (`json`: its value as JSON text; `null` removes it).
#[tauri::command]
#[specta::specta]
pub async fn set_ui_pref(prefs: State<'_, Prefs>, key: String, json: String) -> Res<()> {
    prefs.set(&key, &json)
}

/// Opens a machine's device page in the tenant's Microsoft Defender portal (the system
/// browser); refused for a tenant without a portal (custom endpoints, the demo).
#[tauri::command]
#[specta::specta]
pub async fn open_in_portal(state: State<'_, AppState>, machine_id: String) -> Res<()> {
    let url = state.core().portal_url(&machine_id)?;
    state.open_url(&url)
}

/// Cancels a `Pending` or `InProgress` action in Defender (`cordon cancel`'s verb).
#[tauri::command]
#[specta::specta]
pub async fn cancel_action(
    state: State<'_, AppState>,
    action_id: String,
    comment: String,
) -> Res<ActionRow> {
    Ok(state.core().cancel(&action_id, &comment).await?)
}

/// Cancels the pending isolation or release of several machines (named, or all
/// matching a grid filter): one outcome per machine.
#[tauri::command]
#[specta::specta]
pub async fn cancel_pending(
    state: State<'_, AppState>,
    req: CancelPendingRequest,
) -> Res<Vec<CancelOutcome>> {
    Ok(state.core().cancel_pending(&req).await?)
}
