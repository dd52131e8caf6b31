//! The sentences of the Reconciliation view: the facts first (action age, health, last
//! full report), then what follows from them. Liveness is weakly known (`lastSeen` is
//! the last full device report, about daily), so the words say "last full report"
//! and never claim a device is online.

use chrono::{DateTime, Utc};
use mde_api::{HealthStatus, Machine};

use super::Ctx;
use crate::dto::jobs::StuckCause;
use crate::fleet::derive::{Kind, Status, fmt_age, fmt_time};

/// What is known about the device.
pub(super) struct Facts {
    health: String,
    inactive: bool,
    last_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

impl Facts {
    pub(super) fn of(m: &Machine, now: DateTime<Utc>) -> Self {
        Self {
            health: m.health_status.as_str().to_owned(),
            inactive: m.health_status == HealthStatus::Inactive,
            last_seen: m.last_seen,
            now,
        }
    }

    /// "device Active, last full report 14 h ago" / "device Inactive for 9 days".
    fn device(&self) -> String {
        match (self.inactive, self.last_seen) {
            (true, Some(seen)) => format!(
                "device Inactive for {} days (last full report {})",
                (self.now - seen).num_days(),
                fmt_time(seen)
            ),
            (_, Some(seen)) => format!(
                "device {}, last full report {} ago",
                self.health,
                fmt_age(self.now - seen)
            ),
            (_, None) => format!("device {}, no full report known", self.health),
        }
    }
}

fn word(kind: Kind) -> &'static str {
    match kind {
        Kind::Isolate => "Isolation",
        Kind::Unisolate => "Release",
    }
}

fn lower(kind: Kind) -> &'static str {
    match kind {
        Kind::Isolate => "isolation",
        Kind::Unisolate => "release",
    }
}

/// The facts of a row, in one sentence.
pub(super) fn cause_text(ctx: &Ctx<'_>, cause: StuckCause, f: &Facts) -> String {
    let a = ctx.a;
    let what = word(a.kind);
    let age = fmt_age(ctx.now - a.created);
    let ended = a.updated.unwrap_or(a.created);
    let device = f.device();
    let pending = if a.status == Status::InProgress {
        "in progress"
    } else {
        "pending"
    };
    let hopeless = if f.inactive {
        ": resubmitting will not help until it returns"
    } else {
        ""
    };
    match cause {
        StuckCause::Offline if f.inactive => {
            format!("{what} {pending} {age}; {device}: resubmitting will not help until it returns")
        }
        StuckCause::Offline => format!(
            "{what} {pending} {age}; {device}: Defender delivers it when the device next connects (up to 3 days)"
        ),
        StuckCause::PendingTooLong => format!(
            "{what} {pending} {age} although the device reported since ({device}): it has not carried the {} out",
            lower(a.kind)
        ),
        StuckCause::TimedOut => format!(
            "{what} timed out — reissue needed: Defender gave up at {} after {} pending; {device}{hopeless}",
            fmt_time(ended),
            fmt_age(ended - a.created)
        ),
        StuckCause::Failed => {
            let code = ctx
                .wire
                .and_then(|w| w.error_h_result)
                .filter(|c| *c != 0)
                .map(|c| format!(" (error 0x{:08X})", c as u32))
                .unwrap_or_default();
            format!(
                "{what} failed at {}{code}; {device}: resubmit needed{}",
                fmt_time(ended),
                if f.inactive {
                    ", but not before the device returns"
                } else {
                    ""
                }
            )
        }
        StuckCause::Cancelled => {
            let by = ctx
                .wire
                .and_then(|w| w.cancellation_requestor.clone())
                .unwrap_or_else(|| "someone".into());
            let why = ctx
                .wire
                .and_then(|w| w.cancellation_comment.as_deref())
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| format!(" (“{c}”)"))
                .unwrap_or_default();
            format!(
                "{what} cancelled by {by} at {}{why}; {device}: the machine is still isolated",
                fmt_time(ended)
            )
        }
        StuckCause::Superseded => {
            let status = match a.status {
                Status::TimeOut => "timed out",
                Status::Failed => "failed",
                Status::Cancelled => "cancelled",
                _ => "pending",
            };
            match ctx.superseded_by() {
                Some(b) => format!(
                    "{what} {status} (requested {} by {}) is superseded by a newer {} requested {} by {}",
                    fmt_time(a.created),
                    a.requestor,
                    lower(b.kind),
                    fmt_time(b.created),
                    b.requestor
                ),
                None => format!("{what} {status}: superseded"),
            }
        }
    }
}

/// What waiting for an offline device means.
pub(super) fn wait_text(kind: Kind, f: &Facts, deadline: DateTime<Utc>) -> String {
    let what = lower(kind);
    if f.now > deadline {
        return format!(
            "Pending past Defender's 3 days (due to end at {}): waiting for Defender to end it; nothing is resent while it is pending",
            fmt_time(deadline)
        );
    }
    if f.inactive {
        format!(
            "Wait for the device to return; nothing is resent while the {what} is pending (Defender gives up at {})",
            fmt_time(deadline)
        )
    } else {
        format!(
            "Defender delivers the {what} when the device next connects; nothing is resent while it is pending (until {})",
            fmt_time(deadline)
        )
    }
}
