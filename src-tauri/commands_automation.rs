//! IPC commands of automation: the isolation rule and its guard rails, its decisions,
//! the alerts it reads, the pause and the breaker, suppressions, and the approval
//! queue. One or two lines each over the core's automation verbs; every rule (four
//! eyes, "only a person closes the breaker", a promotion needs `confirmed`) is the
//! core's, and its refusals cross as the tagged [`IpcError`].

use cordon_core::dto::IpcError;
use cordon_core::dto::automation::{
    AlertFilter, AlertRow, Proposal, ProposalRequest, ProposalVerdict, RuleChange, RuleDecision,
    RuleSettings, RuleStatus, VerdictOutcome,
};
use cordon_core::dto::team::TeamStatus;
use tauri::State;

use crate::state::AppState;

type Res<T> = Result<T, IpcError>;

/// The isolation rule, its state (pause, breaker, counts) and its dry-run record.
#[tauri::command]
#[specta::specta]
pub async fn rule(state: State<'_, AppState>) -> Res<RuleStatus> {
    Ok(state.core().rule().await?)
}

/// Changes the rule. A promotion to approval or automatic without `confirmed` is
/// refused as `validation` on `confirmed`, its sentence carrying the dry-run record.
#[tauri::command]
#[specta::specta]
pub async fn set_rule(state: State<'_, AppState>, change: RuleChange) -> Res<RuleStatus> {
    Ok(state.core().set_rule(change).await?)
}

/// One evaluation of the rule now ("Run now"); its isolations start in the background.
#[tauri::command]
#[specta::specta]
pub async fn run_rule(state: State<'_, AppState>) -> Res<Vec<RuleDecision>> {
    Ok(state.core().run_rule().await?)
}

/// What the rule, as `settings` say, would decide over the last `hours` hours.
#[tauri::command]
#[specta::specta]
pub async fn preview_rule(
    state: State<'_, AppState>,
    settings: RuleSettings,
    hours: u32,
) -> Res<Vec<RuleDecision>> {
    Ok(state.core().preview_rule(settings, hours).await?)
}

/// The rule's decisions of the last `hours` hours, newest first.
#[tauri::command]
#[specta::specta]
pub async fn rule_decisions(state: State<'_, AppState>, hours: u32) -> Res<Vec<RuleDecision>> {
    Ok(state.read(move |c| c.rule_decisions(hours)).await?)
}

/// Pauses (no new automatic action; unsent rule items held) or resumes automation.
#[tauri::command]
#[specta::specta]
pub async fn pause_automation(state: State<'_, AppState>, paused: bool) -> Res<RuleStatus> {
    Ok(state.core().pause_automation(paused).await?)
}

/// Closes the breaker: a person, with a reason (an application is refused).
#[tauri::command]
#[specta::specta]
pub async fn close_breaker(state: State<'_, AppState>, comment: String) -> Res<RuleStatus> {
    Ok(state.core().close_breaker(&comment).await?)
}

/// Suppresses a detection (`title` or `detector`) for `days` days, with a reason.
#[tauri::command]
#[specta::specta]
pub async fn suppress(
    state: State<'_, AppState>,
    kind: String,
    value: String,
    days: u32,
    reason: String,
) -> Res<RuleStatus> {
    Ok(state.core().suppress(&kind, &value, days, &reason).await?)
}

/// Recent alerts (live from Defender) with the rule's decision for each.
#[tauri::command]
#[specta::specta]
pub async fn alerts(state: State<'_, AppState>, filter: AlertFilter) -> Res<Vec<AlertRow>> {
    Ok(state.core().alerts(filter).await?)
}

/// The approval queue: the waiting proposals, or every proposal with `all`.
#[tauri::command]
#[specta::specta]
pub async fn proposals(state: State<'_, AppState>, all: bool) -> Res<Vec<Proposal>> {
    Ok(state.core().proposals(all).await?)
}

/// Proposes an isolation or release for a second person to decide.
#[tauri::command]
#[specta::specta]
pub async fn propose(state: State<'_, AppState>, request: ProposalRequest) -> Res<Proposal> {
    Ok(state.core().propose(request).await?)
}

/// Approves or rejects proposals; one outcome per id, a refused one with its sentence.
#[tauri::command]
#[specta::specta]
pub async fn decide_proposals(
    state: State<'_, AppState>,
    verdict: ProposalVerdict,
) -> Res<Vec<VerdictOutcome>> {
    Ok(state.core().decide_proposals(verdict).await?)
}

/// The team on this store: who runs the automation and the sync, which agents are
/// alive, and a warning when a team store has none.
#[tauri::command]
#[specta::specta]
pub async fn team_status(state: State<'_, AppState>) -> Res<TeamStatus> {
    Ok(state.core().team_status().await?)
}
