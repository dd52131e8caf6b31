//! Reconciliation: the isolate/release work that did not go through, why, and what
//! Cordon proposes next (product.md, Reconciliation view; R-7).
//!
//! Pure: a function of (machines, actions, journal, now, settings). Which action is
//! stuck is decided by the state derivation ([`crate::fleet::derive`]) — the Machines view's
//! `release_stuck` / `isolation_failed` badges and these rows always agree — and this
//! module adds the facts (age, health, last full report), the cause and the next step.
//!
//! Decisions:
//! - **Superseded** work (a newer action of the other type was requested after the
//!   stuck one, e.g. a pending release followed by a new isolation) is *shown* with
//!   [`NextStep::Nothing`] for as long as the derivation still reports the machine stuck,
//!   so both views agree and nobody resubmits it; work superseded by a later action of
//!   the same type, or by a success, is not stuck any more and has no row.
//! - A pending action is never proposed for a blind reissue: offline devices
//!   wait ([`NextStep::WaitForDevice`], until Defender's 3-day timeout); a device that
//!   reports but did not pick the action up gets cancel-and-resubmit, which a person
//!   starts. Only once Defender ended the action `TimeOut` is it flagged "timed out —
//!   reissue needed"; auto-reconcile then resubmits releases when the device is seen
//!   again, at most `max_tries` times, else a person decides.
//! - Cancelled *isolations* get no row: cancelling one is a decision, not stuck work.
//! - A journal item of the same kind that is not terminal (or done but whose new
//!   action the cache has not seen yet) makes the row [`NextStep::InProgress`]: nothing
//!   is proposed twice while Cordon's own work is under way.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use mde_api::{Machine, MachineAction};

use crate::dto::jobs::{ItemState, JobKind, NextStep, ReconRow, ReconcileSettings, StuckCause};
use crate::fleet::derive::{self, IsolationAction, Kind, Liveness, StateKind, Status, Thresholds};
use crate::fleet::view;
use crate::store::journal_entry::JournalEntry;

mod auto;
pub mod grouping;
pub mod history;
mod resubmit;
mod service;
mod text;

pub use auto::{auto_candidates, health_offline, seen_after};
pub use service::{Reconciler, SOURCE_AUTO, SOURCE_RECONCILE};

/// How long Defender keeps an action pending before `TimeOut` (D34: up to three days).
pub const DEFENDER_PENDING_LIMIT: Duration = Duration::hours(72);

/// How far a done journal item may predate the stuck action and still be the
/// resubmission the cache has not seen yet (clock skew, simulated clocks).
const JOURNAL_SLACK: Duration = Duration::days(7);

/// Journal sources of Cordon's own resubmissions (they count as tries).
pub const RESUBMIT_SOURCES: &[&str] = &["reconcile", "auto-reconcile"];

/// The derivation thresholds that match the settings.
pub fn thresholds(settings: &ReconcileSettings) -> Thresholds {
    Thresholds {
        release_stuck_after: Duration::minutes(i64::from(settings.stuck_after_minutes)),
    }
}

/// The rows of stuck work, sorted by cause, then oldest first, then machine name.
pub fn rows(
    machines: &[Machine],
    actions: &[MachineAction],
    journal: &[JournalEntry],
    now: DateTime<Utc>,
    settings: &ReconcileSettings,
) -> Vec<ReconRow> {
    rows_from(machines, actions.iter(), journal, now, settings)
}

/// [`rows`] over any iteration of the actions (the App's cache is a map).
pub fn rows_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction> + Clone,
    journal: &[JournalEntry],
    now: DateTime<Utc>,
    settings: &ReconcileSettings,
) -> Vec<ReconRow> {
    let grouped = view::by_machine(actions.clone());
    let th = thresholds(settings);
    let mut found: Vec<(&Machine, &[IsolationAction], IsolationAction)> = Vec::new();
    for m in machines {
        let Some(acts) = grouped.get(&m.id.to_ascii_lowercase()) else {
            continue;
        };
        let live = liveness(m);
        let d = derive::derive(acts, &live, now, th);
        let relevant = match d.kind {
            StateKind::ReleaseStuck | StateKind::IsolationFailed => true,
            StateKind::Isolating => d.since.is_some_and(|s| now - s >= th.release_stuck_after),
            _ => false,
        };
        let Some(id) = d.action_id.filter(|_| relevant) else {
            continue;
        };
        if let Some(a) = newest_copy(acts, &id) {
            found.push((m, acts.as_slice(), a));
        }
    }
    let wanted: HashSet<&str> = found.iter().map(|(_, _, a)| a.id.as_str()).collect();
    let wire: HashMap<&str, &MachineAction> = actions
        .into_iter()
        .filter(|a| wanted.contains(a.id.as_str()))
        .map(|a| (a.id.as_str(), a))
        .collect();
    let known_ids: HashSet<&str> = grouped.values().flatten().map(|a| a.id.as_str()).collect();
    let mut by_machine: HashMap<String, Vec<&JournalEntry>> = HashMap::new();
    for e in journal {
        by_machine
            .entry(e.machine_id.to_ascii_lowercase())
            .or_default()
            .push(e);
    }
    let mut out: Vec<ReconRow> = found
        .into_iter()
        .map(|(m, acts, a)| {
            let entries = by_machine
                .get(&m.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let ctx = Ctx {
                m,
                acts,
                a: &a,
                wire: wire.get(a.id.as_str()).copied(),
                entries,
                known_ids: &known_ids,
                now,
                settings,
            };
            ctx.row()
        })
        .collect();
    out.sort_by(|x, y| {
        cause_rank(x.cause)
            .cmp(&cause_rank(y.cause))
            .then_with(|| x.requested_at.cmp(&y.requested_at))
            .then_with(|| x.machine_name.cmp(&y.machine_name))
            .then_with(|| x.machine_id.cmp(&y.machine_id))
    });
    out
}

fn liveness(m: &Machine) -> Liveness {
    Liveness {
        health: Some(m.health_status.as_str().to_owned()),
        last_full_report: m.last_seen,
    }
}

/// The copy of `id` the derivation keeps (the most advanced one).
fn newest_copy(acts: &[IsolationAction], id: &str) -> Option<IsolationAction> {
    acts.iter()
        .filter(|a| a.id == id)
        .max_by_key(|a| a.updated.unwrap_or(a.created))
        .cloned()
}

fn cause_rank(c: StuckCause) -> u8 {
    match c {
        StuckCause::Offline => 0,
        StuckCause::PendingTooLong => 1,
        StuckCause::TimedOut => 2,
        StuckCause::Failed => 3,
        StuckCause::Cancelled => 4,
        StuckCause::Superseded => 5,
    }
}

pub(crate) use crate::time::{parse_rfc3339 as parse_time, rfc3339};

/// Everything one row is built from.
struct Ctx<'a> {
    m: &'a Machine,
    acts: &'a [IsolationAction],
    a: &'a IsolationAction,
    wire: Option<&'a MachineAction>,
    entries: &'a [&'a JournalEntry],
    known_ids: &'a HashSet<&'a str>,
    now: DateTime<Utc>,
    settings: &'a ReconcileSettings,
}

impl Ctx<'_> {
    fn job_kind(&self) -> JobKind {
        match self.a.kind {
            Kind::Isolate => JobKind::Isolate,
            Kind::Unisolate => JobKind::Release,
        }
    }

    /// A newer action of the other type, requested after the stuck one.
    fn superseded_by(&self) -> Option<&IsolationAction> {
        self.acts
            .iter()
            .filter(|b| b.kind != self.a.kind && b.created > self.a.created)
            .filter(|b| b.status != Status::Cancelled)
            .max_by_key(|b| b.created)
    }

    fn cause(&self) -> StuckCause {
        if self.superseded_by().is_some() {
            return StuckCause::Superseded;
        }
        match self.a.status {
            Status::TimeOut => StuckCause::TimedOut,
            Status::Failed => StuckCause::Failed,
            Status::Cancelled => StuckCause::Cancelled,
            _ => {
                let reported = seen_after(self.m, self.a.created);
                if !reported || health_offline(&self.m.health_status) {
                    StuckCause::Offline
                } else {
                    StuckCause::PendingTooLong
                }
            }
        }
    }

    fn same_kind(&self) -> impl Iterator<Item = &&JournalEntry> {
        let kind = self.job_kind();
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    /// The job whose work for this machine is under way, if any: an item not yet
    /// terminal, or the latest done item whose new action the cache has not seen yet
    /// (the next sync brings it). Journal times are the local clock and action times
    /// the tenant's, hence the generous slack on the latter test.
    fn in_progress(&self) -> Option<&JournalEntry> {
        if let Some(e) = self.same_kind().find(|e| !e.state.is_terminal()) {
            return Some(e);
        }
        let latest = self
            .same_kind()
            .filter(|e| matches!(e.state, ItemState::Done | ItemState::Adopted))
            .max_by_key(|e| e.created_at)?;
        let id = latest.action_id.as_deref()?;
        let unseen = id != self.a.id && !self.known_ids.contains(id);
        (unseen && latest.created_at + JOURNAL_SLACK >= self.a.created).then_some(*latest)
    }

    /// Resubmissions Cordon made since the machine's last succeeded action.
    fn tries(&self) -> u32 {
        let since = self
            .acts
            .iter()
            .filter(|b| b.status == Status::Succeeded)
            .max_by_key(|b| b.updated.unwrap_or(b.created))
            .map(|b| b.created);
        let n = self
            .same_kind()
            .filter(|e| {
                e.source
                    .as_deref()
                    .is_some_and(|s| RESUBMIT_SOURCES.contains(&s))
            })
            .filter(|e| e.state != ItemState::Cancelled)
            .filter(|e| since.is_none_or(|s| e.created_at >= s))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn row(&self) -> ReconRow {
        let cause = self.cause();
        let tries = self.tries();
        let facts = text::Facts::of(self.m, self.now);
        let cause_text = text::cause_text(self, cause, &facts);
        let (next_step, next_text, next_at) = self.next(cause, tries, &facts);
        let a = self.a;
        ReconRow {
            resubmittable: next_step.resubmittable(),
            machine_id: self.m.id.clone(),
            machine_name: self
                .m
                .computer_dns_name
                .clone()
                .unwrap_or_else(|| self.m.id.clone()),
            kind: self.job_kind(),
            action_id: a.id.clone(),
            cause,
            cause_text,
            requested_at: rfc3339(a.created),
            ended_at: matches!(
                a.status,
                Status::TimeOut | Status::Failed | Status::Cancelled
            )
            .then(|| rfc3339(a.updated.unwrap_or(a.created))),
            requestor: a.requestor.clone(),
            comment: a.comment.clone(),
            health: self.m.health_status.as_str().to_owned(),
            last_seen: self.m.last_seen.map(rfc3339),
            next_step,
            next_text,
            next_at: next_at.map(rfc3339),
            tries,
        }
    }

    fn next(
        &self,
        cause: StuckCause,
        tries: u32,
        facts: &text::Facts,
    ) -> (NextStep, String, Option<DateTime<Utc>>) {
        let s = self.settings;
        if cause == StuckCause::Superseded {
            return (NextStep::Nothing, "Nothing to do".into(), None);
        }
        if let Some(e) = self.in_progress() {
            return (
                NextStep::InProgress,
                format!("In progress (job {})", short(&e.job_id)),
                e.not_before,
            );
        }
        let deadline = self.a.created + DEFENDER_PENDING_LIMIT;
        match cause {
            StuckCause::Offline => (
                NextStep::WaitForDevice,
                text::wait_text(self.a.kind, facts, deadline),
                Some(deadline),
            ),
            StuckCause::PendingTooLong => (
                NextStep::CancelAndResubmit,
                "Cancel and resubmit: the device reports but has not carried it out".into(),
                None,
            ),
            StuckCause::TimedOut if s.auto_reconcile && self.a.kind == Kind::Unisolate => {
                if tries >= s.max_tries {
                    return (
                        NextStep::NeedsPerson,
                        format!(
                            "Auto-reconcile used its tries ({tries} of {}): a person decides (Resubmit)",
                            s.max_tries
                        ),
                        None,
                    );
                }
                let ended = self.a.updated.unwrap_or(self.a.created);
                let n = tries + 1;
                if seen_after(self.m, ended) {
                    (
                        NextStep::AutoResubmit,
                        format!(
                            "Cordon resubmits at the next sync: the device was seen again (try {n} of {})",
                            s.max_tries
                        ),
                        Some(self.now),
                    )
                } else {
                    (
                        NextStep::AutoResubmit,
                        format!(
                            "Cordon resubmits when the device is seen again (try {n} of {})",
                            s.max_tries
                        ),
                        None,
                    )
                }
            }
            _ => (NextStep::Resubmit, "Resubmit".into(), None),
        }
    }
}

/// The first 8 characters of an id (how lists show jobs).
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests;
