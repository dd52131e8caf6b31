//! The window's own commands: its preferences (`prefs`, kept by Rust in the store
//! plugin; the web view has no store permission). One or two lines each.

use std::collections::BTreeMap;

use cordon_core::dto::IpcError;
use tauri::State;

use crate::prefs::Prefs;

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
