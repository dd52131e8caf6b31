//! The typed events of the web view: its data changed (`syncChanged`), a bulk job
//! moved (`jobChanged`), a device-code sign-in waits for the user
//! (`deviceCodePrompt`), and automation moved (`automationChanged`: the breaker
//! opened, proposals wait, a round of the rule finished).

use cordon_core::automation::AutomationEvent;
use cordon_core::dto::SyncStatus;
use cordon_core::dto::jobs::JobProgress;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use tauri_specta::Event;
use tokio::sync::broadcast::error::RecvError;

pub use crate::settings::DeviceCodePrompt;
use crate::state::AppState;

/// Emitted on every revision bump, on sync failure or recovery, and after a switch of
/// tenant (with the new core's status).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct SyncChanged {
    pub status: SyncStatus,
}

/// Emitted on every change of a job (an item's state, the counts, throttling): the
/// progress panel and the job lists follow it without polling.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct JobChanged {
    pub progress: JobProgress,
}

/// What automation did, as the web view learns it: the Alerts & rules view and the
/// approval badge refetch on every one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AutomationChange {
    /// The breaker opened: automatic isolations wait for a person.
    #[serde(rename_all = "camelCase")]
    BreakerOpened { reason: String },
    /// Proposals wait for approval (how many wait now).
    #[serde(rename_all = "camelCase")]
    ApprovalsWaiting { waiting: u32 },
    /// A round of the rule finished with this many decisions.
    #[serde(rename_all = "camelCase")]
    Round { decisions: u32 },
}

impl From<AutomationEvent> for AutomationChange {
    fn from(e: AutomationEvent) -> Self {
        match e {
            AutomationEvent::BreakerOpened { reason } => Self::BreakerOpened { reason },
            AutomationEvent::ApprovalsWaiting { waiting } => Self::ApprovalsWaiting { waiting },
            AutomationEvent::Round { decisions } => Self::Round { decisions },
        }
    }
}

/// Emitted on every automation event of the current core.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct AutomationChanged {
    pub change: AutomationChange,
}

fn emit<R: Runtime, E: Event + Serialize + Clone>(handle: &AppHandle<R>, event: E) {
    if let Err(e) = event.emit(handle) {
        tracing::warn!("could not emit {}: {e}", E::NAME);
    }
}

/// Forwards the current core's change notifications (and after each, notices of bulk
/// jobs confirmed by Defender and of releases that became stuck), its jobs' progress
/// (raising a desktop notification when a job ends), its automation events (a notification when
/// the breaker opens or proposals wait) and the sign-in prompts to the web view until
/// the app exits; follows the core across switches (re-subscribes).
pub async fn forward<R: Runtime>(handle: AppHandle<R>) {
    let Some(state) = handle.try_state::<AppState>() else {
        return;
    };
    let mut switched = state.subscribe_switch();
    let mut prompts = state.subscribe_prompts();
    let notifier = crate::notify::Notifier::default();
    let mut first = true;
    loop {
        switched.mark_unchanged();
        let core = state.core();
        let mut rx = core.subscribe();
        let mut jobs = core.subscribe_jobs();
        let mut jobs_open = true;
        let mut auto = core.subscribe_automation();
        let mut auto_open = true;
        if !first {
            notifier.new_tenant();
            // A new tenant: the web view refetches everything.
            emit(
                &handle,
                SyncChanged {
                    status: core.status(),
                },
            );
        }
        first = false;
        drop(core);
        let mut closed = false;
        loop {
            tokio::select! {
                r = rx.recv() => match r {
                    Ok(status) => {
                        emit(&handle, SyncChanged { status });
                        // Bulk jobs confirmed by Defender, releases that became stuck.
                        notifier.on_sync(&handle, state.core()).await;
                    }
                    // Missed some: the latest state is what matters, the UI refetches.
                    Err(RecvError::Lagged(_)) => continue,
                    // This core is gone: wait for the next one.
                    Err(RecvError::Closed) => {
                        closed = true;
                        break;
                    }
                },
                j = jobs.recv(), if jobs_open => match j {
                    Ok(progress) => {
                        notifier.on_progress(&handle, &progress);
                        emit(&handle, JobChanged { progress });
                    }
                    // Missed some: the panel's next event (or its refetch) catches up.
                    Err(RecvError::Lagged(_)) => continue,
                    // The core is gone; its sync channel says so too.
                    Err(RecvError::Closed) => jobs_open = false,
                },
                a = auto.recv(), if auto_open => match a {
                    Ok(event) => {
                        notifier.on_automation(&handle, &event);
                        emit(&handle, AutomationChanged { change: event.into() });
                    }
                    // Missed some: the view refetches on the next one.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => auto_open = false,
                },
                p = prompts.recv() => match p {
                    Ok(prompt) => emit(&handle, prompt),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                },
                c = switched.changed() => {
                    if c.is_err() { return; }
                    break;
                }
            }
        }
        if closed && switched.changed().await.is_err() {
            return;
        }
    }
}
