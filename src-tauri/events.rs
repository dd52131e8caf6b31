//! The typed event that tells the web view its data changed.

use cordon_core::App;
use cordon_core::dto::SyncStatus;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

/// Emitted on every revision bump and on sync failure or recovery.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncChanged {
    pub status: SyncStatus,
}

/// Forwards the core's change notifications to the web view until the app exits.
pub async fn forward<R: Runtime>(core: App, handle: AppHandle<R>) {
    let mut rx = core.subscribe();
    drop(core);
    loop {
        match rx.recv().await {
            Ok(status) => {
                if let Err(e) = (SyncChanged { status }).emit(&handle) {
                    tracing::warn!("could not emit sync-changed: {e}");
                }
            }
            // Missed some: the latest state is what matters, the UI refetches.
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        }
    }
}
