//! Which isolation actions stay in memory (issue 15: a tenant with 1,000,000 actions
//! kept every one resident, ~1 GB). Pure, table-tested in `resident_tests.rs`.
//!
//! The live work needs, per machine, only what the derivation reads: its last succeeded
//! action (what the device *is*, ordered as [`derive`](crate::fleet::derive) orders
//! them) and every action created from then on (pending work after it, the failure
//! that follows it), plus whatever is still in flight. Everything older is history: it
//! is read from the store when asked (History, a machine's timeline, a job's
//! outcomes). So the derivation, the grid's records, the reconciliation and the
//! batches over the kept actions equal those over all of them.
//!
//! The sync decides whether a fetched action is new by comparing it with the cached
//! copy, so the actions the next incremental fetch returns (created since its
//! watermark) are kept too: `horizon`. An action dropped and fetched again would only
//! be written again, never lost, but it would announce a change that is none.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mde_api::{ActionType, MachineAction};

use crate::fleet::derive::{IsolationAction, Status};

/// What the rule reads of an action: its status and times (no strings: the cache is
/// pruned over a million actions at a large tenant's open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub status: Status,
    pub created: DateTime<Utc>,
    /// Completion time (the last update, else creation), as the derivation orders.
    pub finished: DateTime<Utc>,
}

impl From<&IsolationAction> for Stamp {
    fn from(a: &IsolationAction) -> Self {
        Self {
            status: a.status,
            created: a.created,
            finished: a.updated.unwrap_or(a.created),
        }
    }
}

/// The stamp of a wire action, `None` unless it is an isolate/release (the status
/// mapped as [`crate::fleet::view::isolation_action`] maps it: a test holds them equal).
pub fn stamp(a: &MachineAction) -> Option<Stamp> {
    if !matches!(a.action_type, ActionType::Isolate | ActionType::Unisolate) {
        return None;
    }
    let status = crate::fleet::view::status_of(&a.status);
    Some(Stamp {
        status,
        created: a.creation_date_time_utc,
        finished: a
            .last_update_date_time_utc
            .unwrap_or(a.creation_date_time_utc),
    })
}

/// The creation time from which a machine's actions (id, stamp) decide its state:
/// that of its last succeeded action (after the derivation's de-duplication by id);
/// `None` when none succeeded (then all of them may matter).
pub fn needed_from<'a>(
    actions: impl IntoIterator<Item = (&'a str, Stamp)>,
) -> Option<DateTime<Utc>> {
    let mut by_id: HashMap<&str, Stamp> = HashMap::new();
    for (id, a) in actions {
        match by_id.get(id) {
            Some(b) if a.finished < b.finished => {}
            _ => {
                by_id.insert(id, a);
            }
        }
    }
    by_id
        .values()
        .filter(|a| a.status == Status::Succeeded)
        .max_by(|a, b| a.finished.cmp(&b.finished).then(a.created.cmp(&b.created)))
        .map(|a| a.created)
}

/// True when an action stays resident, given its machine's [`needed_from`] and the
/// sync's `horizon` (the next fetch's watermark; `None`: everything is fetched again).
pub fn keep(a: Stamp, from: Option<DateTime<Utc>>, horizon: Option<DateTime<Utc>>) -> bool {
    let open = matches!(
        a.status,
        Status::Pending | Status::InProgress | Status::Unknown
    );
    open || from.is_none_or(|f| a.created >= f) || horizon.is_none_or(|h| a.created >= h)
}

#[cfg(test)]
#[path = "resident_tests.rs"]
mod tests;
