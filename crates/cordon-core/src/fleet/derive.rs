//! Isolation state, derived — never guessed.
//!
//! The Defender API has no "isolated" field on a machine, so Cordon derives each
//! machine's state from its `Isolate` / `Unisolate` machine actions (product.md, state
//! table). This module is a pure function of (actions, machine facts, now, threshold):
//! no I/O, no clock, so every rule is table-tested below.
//!
//! Ordering: pending work is ordered by `creationDateTimeUtc`. What the device *is*
//! follows the action that *executed* last, so succeeded actions are ordered by their
//! completion time (`lastUpdateDateTimeUtc`, falling back to creation). Actions that
//! complete out of order (a stray duplicate isolate finishing after a release, as seen
//! in the field) therefore leave the machine isolated, exactly as the device is.
//!
//! Two steps: [`basis`] decides from the actions alone (no clock) which state holds
//! and which one action explains it; [`explain`] applies `now` (the stuck threshold,
//! the device's liveness) and writes the sentence. [`derive`] is both. The machine
//! grid stores the basis, so a row can be explained at any `now` from the store.

use chrono::{DateTime, Duration, Utc};

/// The kind of an isolation-related machine action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Isolate,
    Unisolate,
}

/// The status of a machine action, reduced to what the derivation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    InProgress,
    Succeeded,
    Failed,
    TimeOut,
    Cancelled,
    /// A status value this version of Cordon does not know; never fatal, never "done".
    Unknown,
}

impl Status {
    pub(crate) fn in_flight(self) -> bool {
        matches!(self, Status::Pending | Status::InProgress)
    }
    fn unsuccessful_end(self) -> bool {
        matches!(self, Status::Failed | Status::TimeOut | Status::Cancelled)
    }
    fn label(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InProgress => "in progress",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::TimeOut => "timed out",
            Status::Cancelled => "cancelled",
            Status::Unknown => "in an unknown status",
        }
    }
}

/// One isolate/release action as the derivation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsolationAction {
    pub id: String,
    pub kind: Kind,
    pub status: Status,
    pub created: DateTime<Utc>,
    pub updated: Option<DateTime<Utc>>,
    pub requestor: String,
    pub comment: String,
    /// `Full` / `Selective` for isolations.
    pub scope: Option<String>,
}

impl IsolationAction {
    fn finished_at(&self) -> DateTime<Utc> {
        self.updated.unwrap_or(self.created)
    }
}

/// What little is known about a machine's liveness (see product.md: weakly known).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Liveness {
    /// Defender's `healthStatus`, as sent (`Active`, `Inactive`, …).
    pub health: Option<String>,
    /// The last *full device report* (about daily), not a heartbeat.
    pub last_full_report: Option<DateTime<Utc>>,
}

/// The derived state, with the facts that explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKind {
    NotIsolated,
    Isolating,
    Isolated,
    Releasing,
    ReleaseStuck,
    IsolationFailed,
}

impl StateKind {
    /// True when the machine is cut off from the network right now (the manager's
    /// "isolated now"): isolated, including while a release is pending or stuck.
    pub fn is_isolated_now(self) -> bool {
        matches!(
            self,
            StateKind::Isolated | StateKind::Releasing | StateKind::ReleaseStuck
        )
    }
}

/// A derived state and the sentence that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub kind: StateKind,
    /// When the shown state began (isolation time, pending-since, failure time).
    pub since: Option<DateTime<Utc>>,
    /// "Isolated since … by …: comment", "Release pending 5 h (…)", …
    pub reason: String,
    /// The action that decides the state, if any.
    pub action_id: Option<String>,
}

/// Thresholds the derivation uses (settable by the user).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// A release pending longer than this is "stuck" (default 30 min).
    pub release_stuck_after: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            release_stuck_after: Duration::minutes(30),
        }
    }
}

/// Derives a machine's isolation state from its isolation actions.
///
/// `actions` may be in any order and may hold duplicates (same id): both are handled.
pub fn derive(
    actions: &[IsolationAction],
    live: &Liveness,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Derived {
    explain(&basis(actions), live, now, thresholds)
}

/// What the derivation decides without a clock: the state (an in-flight release is
/// `Releasing` however old it is), when it began, and the one action its sentence
/// names. The machine grid stores it (`fleet/grid_record.rs`), so a row can be
/// explained at any `now` from the store's columns alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    /// Never `ReleaseStuck` for an in-flight release (only `explain` applies time);
    /// `ReleaseStuck` is a release that ended without success.
    pub kind: StateKind,
    /// When the state began: the named action's creation or end.
    pub since: Option<DateTime<Utc>>,
    /// The named action's status, requestor and comment (`Unknown`, empty when none).
    pub status: Status,
    pub requestor: String,
    pub comment: String,
    pub action_id: Option<String>,
}

impl Basis {
    fn of(kind: StateKind, since: DateTime<Utc>, a: &IsolationAction) -> Self {
        Self {
            kind,
            since: Some(since),
            status: a.status,
            requestor: a.requestor.clone(),
            comment: a.comment.clone(),
            action_id: Some(a.id.clone()),
        }
    }
}

/// The [`Basis`] of a machine's isolation actions (pure, no clock).
pub fn basis(actions: &[IsolationAction]) -> Basis {
    let mut acts: Vec<&IsolationAction> = Vec::with_capacity(actions.len());
    for a in actions {
        // Duplicates: keep the most advanced copy of an id (a later poll may carry a
        // newer status than an earlier one).
        match acts.iter_mut().find(|b| b.id == a.id) {
            Some(b) if a.finished_at() >= b.finished_at() => *b = a,
            Some(_) => {}
            None => acts.push(a),
        }
    }
    acts.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));

    let last_succeeded = acts
        .iter()
        .filter(|a| a.status == Status::Succeeded)
        .max_by(|a, b| {
            a.finished_at()
                .cmp(&b.finished_at())
                .then(a.created.cmp(&b.created))
        })
        .copied();

    match last_succeeded {
        Some(iso) if iso.kind == Kind::Isolate => basis_isolated(&acts, iso),
        _ => basis_not_isolated(&acts, last_succeeded),
    }
}

fn basis_not_isolated(acts: &[&IsolationAction], last_release: Option<&IsolationAction>) -> Basis {
    let after = |a: &&&IsolationAction| last_release.is_none_or(|r| a.created > r.created);
    let latest_isolate = acts.iter().rfind(|a| a.kind == Kind::Isolate && after(a));
    match latest_isolate {
        Some(a) if a.status.in_flight() => Basis::of(StateKind::Isolating, a.created, a),
        Some(a) if matches!(a.status, Status::Failed | Status::TimeOut) => {
            Basis::of(StateKind::IsolationFailed, a.finished_at(), a)
        }
        _ => match last_release {
            Some(r) => Basis::of(StateKind::NotIsolated, r.finished_at(), r),
            None => Basis {
                kind: StateKind::NotIsolated,
                since: None,
                status: Status::Unknown,
                requestor: String::new(),
                comment: String::new(),
                action_id: None,
            },
        },
    }
}

fn basis_isolated(acts: &[&IsolationAction], iso: &IsolationAction) -> Basis {
    let release = acts.iter().rfind(|a| {
        a.kind == Kind::Unisolate && a.created > iso.created && a.status != Status::Succeeded
    });
    match release {
        None => Basis::of(StateKind::Isolated, iso.finished_at(), iso),
        Some(rel) if rel.status.in_flight() || rel.status == Status::Unknown => {
            Basis::of(StateKind::Releasing, rel.created, rel)
        }
        Some(rel) => {
            debug_assert!(rel.status.unsuccessful_end());
            Basis::of(StateKind::ReleaseStuck, rel.finished_at(), rel)
        }
    }
}

/// The state and its sentence at `now`: the [`Basis`] with the stuck threshold and
/// the device's liveness applied.
pub fn explain(b: &Basis, live: &Liveness, now: DateTime<Utc>, thresholds: Thresholds) -> Derived {
    let since = b.since.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let (kind, reason) = match b.kind {
        StateKind::Isolating => (
            b.kind,
            format!(
                "Isolation {} since {} (requested by {}{})",
                b.status.label(),
                fmt_time(since),
                b.requestor,
                comment_suffix(&b.comment)
            ),
        ),
        StateKind::IsolationFailed => (
            b.kind,
            format!(
                "Isolation {} at {} (requested by {})",
                b.status.label(),
                fmt_time(since),
                b.requestor
            ),
        ),
        StateKind::NotIsolated => (
            b.kind,
            match b.since {
                Some(t) => format!("Released at {} by {}", fmt_time(t), b.requestor),
                None => "Never isolated".to_string(),
            },
        ),
        StateKind::Isolated => (
            b.kind,
            format!(
                "Isolated since {} by {}{}",
                fmt_time(since),
                b.requestor,
                comment_suffix(&b.comment)
            ),
        ),
        StateKind::Releasing if now - since < thresholds.release_stuck_after => (
            StateKind::Releasing,
            format!(
                "Release {} since {} (requested by {})",
                b.status.label(),
                fmt_time(since),
                b.requestor
            ),
        ),
        StateKind::Releasing => (
            StateKind::ReleaseStuck,
            format!(
                "Release {} for {} ({}): {}",
                b.status.label(),
                fmt_age(now - since),
                liveness_facts(live, now),
                liveness_advice(live, now)
            ),
        ),
        StateKind::ReleaseStuck => {
            let what = match b.status {
                Status::Cancelled => "cancelled",
                Status::Failed => "failed",
                _ => "timed out",
            };
            (
                StateKind::ReleaseStuck,
                format!(
                    "Release {what} at {} ({}): resubmit needed",
                    fmt_time(since),
                    liveness_facts(live, now)
                ),
            )
        }
    };
    Derived {
        kind,
        since: b.since,
        reason,
        action_id: b.action_id.clone(),
    }
}

fn liveness_facts(live: &Liveness, now: DateTime<Utc>) -> String {
    let health = live.health.as_deref().unwrap_or("health unknown");
    match live.last_full_report {
        Some(seen) => format!(
            "device {health}, last full report {} ago",
            fmt_age(now - seen)
        ),
        None => format!("device {health}, no full report known"),
    }
}

fn liveness_advice(live: &Liveness, now: DateTime<Utc>) -> String {
    match live.health.as_deref() {
        Some("Inactive") => {
            let days = live
                .last_full_report
                .map(|s| (now - s).num_days())
                .unwrap_or_default();
            format!("device inactive for {days} days, resubmitting will not help until it returns")
        }
        _ => {
            "Defender delivers the release when the device next connects (up to 3 days)".to_string()
        }
    }
}

fn comment_suffix(comment: &str) -> String {
    if comment.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", comment.trim())
    }
}

/// Formats a timestamp the way every reason sentence shows it.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "5 h", "12 min", "3 d 4 h".
pub fn fmt_age(d: Duration) -> String {
    let mins = d.num_minutes().max(0);
    if mins < 60 {
        format!("{mins} min")
    } else if mins < 48 * 60 {
        format!("{} h", mins / 60)
    } else {
        format!("{} d {} h", mins / (24 * 60), (mins / 60) % 24)
    }
}

#[cfg(test)]
#[path = "derive_tests.rs"]
mod tests;
