//! The isolation rule's rows as every engine writes and reads them: the audit rows of
//! its decisions, of an opened breaker and of a suppression, and the dry-run record
//! computed from its counts. Kept apart from SQL so both engines of the store
//! contract write the same words.

use chrono::{DateTime, Duration, Utc};

use super::audit::NewAudit;
use super::automation::{DecisionRow, Round};
use super::{parse_ts, ts};
use crate::dto::automation::{BreakerState, DecisionKind, DryRunRecord, Suppression};

/// The audit row of one decision of round `r` (every engine writes the same rows).
pub(crate) fn decision_audit(r: &Round, d: &DecisionRow) -> NewAudit {
    NewAudit {
        actor: r.actor.clone(),
        event: format!("rule.{}", d.kind.as_str()),
        job_id: d.job.as_ref().map(|(j, _)| j.id.clone()),
        machine_id: Some(d.machine_id.clone()),
        comment: d.job.as_ref().map(|(j, _)| j.comment.clone()),
        detail: format!("alert {}: {}", d.alert_id, d.reason),
        ..NewAudit::default()
    }
}

/// The audit row of a round that opened the breaker.
pub(crate) fn breaker_audit(r: &Round, b: &BreakerState) -> NewAudit {
    NewAudit {
        actor: r.actor.clone(),
        event: "breaker.opened".into(),
        detail: b.reason.clone().unwrap_or_default(),
        ..NewAudit::default()
    }
}

/// The audit row of a suppression.
pub(crate) fn suppressed_audit(s: &Suppression) -> NewAudit {
    NewAudit {
        actor: s.by.clone(),
        event: "rule.suppressed".into(),
        comment: Some(s.reason.clone()),
        detail: format!("{} “{}” suppressed until {}", s.kind, s.value, s.until),
        ..NewAudit::default()
    }
}

/// The start of the dry-run record's window: `days` days before `now`, as stored.
pub(crate) fn dry_run_since(now: DateTime<Utc>, days: u32) -> String {
    ts(now - Duration::days(i64::from(days)))
}

/// The dry-run record from its counts and the first dry-run evaluation (of any age):
/// how long the rule has been in dry run, in started days (an hourly rule evaluated
/// for a week has 7), and a warning while the record is thin.
pub(crate) fn dry_run_of(
    now: DateTime<Utc>,
    first: Option<&str>,
    evaluations: u32,
    would_isolate: u32,
    skipped: u32,
    queued: u32,
) -> DryRunRecord {
    let span = first.map_or(0, |f| {
        let minutes = (now - parse_ts(f)).num_minutes().max(0);
        ((minutes + 1439) / 1440) as u32
    });
    let warning = (span < 7 || evaluations < 50).then(|| {
        format!(
            "Only {span} day(s) and {evaluations} evaluation(s) of dry run: the record may not show what the rule will do (7 days or 50 evaluations are advised)."
        )
    });
    DryRunRecord {
        days: span,
        evaluations,
        would_isolate,
        skipped,
        queued,
        warning,
    }
}

/// A stored decision word back (an unknown one reads as skipped).
pub(crate) fn decision_kind(s: &str) -> DecisionKind {
    DecisionKind::parse(s).unwrap_or(DecisionKind::Skipped)
}
