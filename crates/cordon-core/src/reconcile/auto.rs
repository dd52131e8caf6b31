//! Which timed-out releases auto-reconcile resubmits now, and the liveness facts the
//! reconciliation rows are built on. Pure, like the rest of `reconcile`.

use chrono::{DateTime, Utc};
use mde_api::{HealthStatus, Machine};

use super::parse_time;
use crate::dto::jobs::{JobKind, NextStep, ReconRow, ReconcileSettings, StuckCause};
use crate::store::journal_entry::JournalEntry;

/// Machine ids whose timed-out release auto-reconcile resubmits now: the device was
/// seen after the timeout, tries remain and nothing is under way. Empty when
/// auto-reconcile is off.
pub fn auto_candidates(
    rows: &[ReconRow],
    machines: &[Machine],
    journal: &[JournalEntry],
    settings: &ReconcileSettings,
) -> Vec<String> {
    if !settings.auto_reconcile {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        if r.kind != JobKind::Release
            || r.cause != StuckCause::TimedOut
            || r.tries >= settings.max_tries
            || r.next_step != NextStep::AutoResubmit
        {
            continue;
        }
        let Some(ended) = r.ended_at.as_deref().and_then(parse_time) else {
            continue;
        };
        let Some(m) = crate::fleet::resolve::by_id(machines, &r.machine_id) else {
            continue;
        };
        let busy = journal
            .iter()
            .any(|e| e.machine_id.eq_ignore_ascii_case(&r.machine_id) && !e.state.is_terminal());
        if !busy && seen_after(m, ended) && !out.contains(&r.machine_id) {
            out.push(r.machine_id.clone());
        }
    }
    out
}

/// True when the device sent a full report after `t` (it is back).
pub fn seen_after(m: &Machine, t: DateTime<Utc>) -> bool {
    m.last_seen.is_some_and(|s| s > t)
}

/// True when the health status says the device is not reporting normally.
pub fn health_offline(h: &HealthStatus) -> bool {
    matches!(
        h,
        HealthStatus::Inactive
            | HealthStatus::NoSensorData
            | HealthStatus::NoSensorDataImpairedCommunication
            | HealthStatus::ImpairedCommunication
    )
}
