//! IPC commands of bulk work, reconciliation, grouping, history and the audit log: one
//! or two lines each over the core's journal API. Errors are the tagged [`IpcError`].

use cordon_core::dto::IpcError;
use cordon_core::dto::grid::GridFilter;
use cordon_core::dto::jobs::{
    AuditFilter, AuditPage, BulkPreview, BulkRequest, Confirmation, ExportFormat, History,
    HistoryFilter, IsolationGroup, JobDetail, JobSummary, ReconRow, ReconcileSettings,
};
use cordon_core::dto::wait::WaitReport;
use tauri::State;

use crate::export::{SavedFile, Saver, Suggestion};
use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

/// What a bulk request would send, and what it leaves out (and why).
#[tauri::command]
#[specta::specta]
pub async fn preview_bulk(state: State<'_, AppState>, request: BulkRequest) -> Res<BulkPreview> {
    Ok(state.core().preview_bulk(&request).await?)
}

/// Commits the job the person confirmed (its preview's token and typed phrase; a stale
/// preview or a missing phrase is refused with nothing sent) and starts it; progress
/// follows as `jobChanged` events.
#[tauri::command]
#[specta::specta]
pub async fn start_job(
    state: State<'_, AppState>,
    request: BulkRequest,
    confirmation: Confirmation,
) -> Res<JobSummary> {
    Ok(state.core().start_job(request, &confirmation)?)
}

/// Cancels a job: no call to Defender after this returns.
#[tauri::command]
#[specta::specta]
pub async fn cancel_job(state: State<'_, AppState>, id: String) -> Res<JobSummary> {
    Ok(state.core().cancel_job(&id)?)
}

/// Every job, newest first.
#[tauri::command]
#[specta::specta]
pub async fn jobs(state: State<'_, AppState>) -> Res<Vec<JobSummary>> {
    Ok(state.read(|c| c.jobs()).await?)
}

/// One job and its per-machine items.
#[tauri::command]
#[specta::specta]
pub async fn job(state: State<'_, AppState>, id: String) -> Res<JobDetail> {
    Ok(state.read(move |c| c.job(&id)).await?)
}

/// Each machine of a job with Defender's status of its action now (Pending,
/// InProgress, Succeeded, Failed, TimeOut, Cancelled): the job panel follows the
/// actions past "sent" to their end.
#[tauri::command]
#[specta::specta]
pub async fn job_outcomes(state: State<'_, AppState>, id: String) -> Res<WaitReport> {
    Ok(state.read(move |c| c.job_outcomes(&id)).await?)
}

/// The Reconciliation view: stuck actions with their cause and next step.
#[tauri::command]
#[specta::specta]
pub async fn reconciliation(state: State<'_, AppState>) -> Res<Vec<ReconRow>> {
    Ok(state.read(|c| c.reconciliation()).await?)
}

/// Resubmits the machines' stuck actions (cancelling a pending one first where needed).
#[tauri::command]
#[specta::specta]
pub async fn resubmit(
    state: State<'_, AppState>,
    machine_ids: Vec<String>,
    comment: Option<String>,
) -> Res<Vec<JobSummary>> {
    Ok(state.core().resubmit(machine_ids, comment).await?)
}

/// Isolations grouped by cause (false-positive batches).
#[tauri::command]
#[specta::specta]
pub async fn groups(state: State<'_, AppState>) -> Res<Vec<IsolationGroup>> {
    Ok(state.core().groups())
}

/// The History view: matching isolation actions and the per-day counts.
#[tauri::command]
#[specta::specta]
pub async fn history(state: State<'_, AppState>, filter: HistoryFilter) -> Res<History> {
    Ok(state.read(move |c| c.history(filter)).await?)
}

/// Saves the History view's rows as CSV where the person chooses (the native save
/// dialog); `None` if they cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_history_csv(
    state: State<'_, AppState>,
    saver: State<'_, Saver>,
    filter: HistoryFilter,
) -> Res<Option<SavedFile>> {
    let text = state.read(move |c| c.history_csv(filter)).await?;
    saver
        .save(Suggestion::new("history", ExportFormat::Csv), text)
        .await
}

/// Saves the machines matching the Machines view's `filter` as CSV where the person
/// chooses (the native save dialog, from Rust); `None` if they cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_machines_csv(
    state: State<'_, AppState>,
    saver: State<'_, Saver>,
    filter: GridFilter,
) -> Res<Option<SavedFile>> {
    let text = state.read(move |c| c.machines_csv(&filter)).await?;
    saver
        .save(Suggestion::new("machines", ExportFormat::Csv), text)
        .await
}

/// One page of the audit log, filtered (counted from the newest; [`AuditPage`]).
#[tauri::command]
#[specta::specta]
pub async fn audit(state: State<'_, AppState>, filter: AuditFilter) -> Res<AuditPage> {
    Ok(state.read(move |c| c.audit(&filter)).await?)
}

/// Saves the audit log as CSV or JSON where the person chooses (the native save
/// dialog); `None` if they cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_audit_export(
    state: State<'_, AppState>,
    saver: State<'_, Saver>,
    filter: AuditFilter,
    format: ExportFormat,
) -> Res<Option<SavedFile>> {
    let text = state.read(move |c| c.audit_export(&filter, format)).await?;
    saver.save(Suggestion::new("audit", format), text).await
}

/// Auto-reconcile and its bounds.
#[tauri::command]
#[specta::specta]
pub async fn reconcile_settings(state: State<'_, AppState>) -> Res<ReconcileSettings> {
    Ok(state.core().reconcile_settings()?)
}

/// Changes auto-reconcile and its bounds (kept in the store).
#[tauri::command]
#[specta::specta]
pub async fn set_reconcile_settings(
    state: State<'_, AppState>,
    settings: ReconcileSettings,
) -> Res<ReconcileSettings> {
    Ok(state.core().set_reconcile_settings(settings)?)
}
