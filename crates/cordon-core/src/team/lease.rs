//! The pure rules of the team's leases (no clock, no I/O; table-tested in
//! `lease_tests.rs`): who may send a job, who may take an item left `sending` or
//! `unknown`, and who leads a named duty. The engines read the rows in the claim's
//! own transaction and ask these functions, so every engine decides alike.

use chrono::{DateTime, Utc};

use crate::dto::jobs::ItemState;
use crate::store::{ItemRow, JobRow};

/// The `sender` of the automation's jobs (rule isolations, approved rule proposals):
/// whichever process leads the automation sends them ([`AUTOMATION_LEASE`]).
pub const AUTOMATION: &str = "cordon:automation";
/// The named lease of the process that runs the isolation rule and auto-reconcile.
pub const AUTOMATION_LEASE: &str = "automation";
/// The named lease of the process that syncs the tenant with Defender; the others
/// read the store.
pub const SYNC_LEASE: &str = "sync";

/// What kind of process holds a lease. An agent outranks a desktop, a desktop a CLI:
/// a higher rank takes a named lease from a lower one at once (an agent that starts
/// takes the sync and the rule from the desktop that held them meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProcessKind {
    Cli,
    Desktop,
    Agent,
}

impl ProcessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessKind::Cli => "cli",
            ProcessKind::Desktop => "desktop",
            ProcessKind::Agent => "agent",
        }
    }

    /// A stored kind back (anything unknown ranks lowest).
    pub fn parse(s: &str) -> ProcessKind {
        match s {
            "agent" => ProcessKind::Agent,
            "desktop" => ProcessKind::Desktop,
            _ => ProcessKind::Cli,
        }
    }
}

/// Who asks for an item: this process (`owner`), the principal it sends as (`oid`:
/// the token's object id, `None` while unknown), and until when its lease holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimant {
    pub owner: String,
    pub oid: Option<String>,
    pub until: DateTime<Utc>,
}

impl Claimant {
    /// A claimant without a principal whose lease has already ended, as a crash leaves
    /// one: another process may take its items at once (tests and tools).
    pub fn ended(owner: &str) -> Claimant {
        Claimant {
            owner: owner.to_owned(),
            oid: None,
            until: Utc::now() - chrono::Duration::seconds(1),
        }
    }
}

/// A named lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    pub name: String,
    pub owner: String,
    pub kind: ProcessKind,
    pub label: String,
    pub until: DateTime<Utc>,
    pub taken_at: DateTime<Utc>,
}

/// A bid for a named lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    pub owner: String,
    pub kind: ProcessKind,
    pub label: String,
    pub until: DateTime<Utc>,
}

/// A process's heartbeat as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRow {
    pub owner: String,
    pub kind: ProcessKind,
    pub label: String,
    pub host: String,
    pub oid: Option<String>,
    pub app_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
}

/// What taking an item for a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemTake {
    /// Taken (or renewed); `from` names another process whose lease had ended.
    Taken { from: Option<String> },
    /// Another live process holds it until then.
    Held { owner: String, until: DateTime<Utc> },
    /// Not `sending` or `unknown` any more: nothing to take.
    Closed,
}

/// Whether `c` may send `job` now. `automation` is the automation's lease, read when
/// the job is the automation's.
pub fn may_send(
    job: &JobRow,
    c: &Claimant,
    automation: Option<&LeaseRow>,
    now: DateTime<Utc>,
) -> bool {
    match job.sender.as_deref() {
        None => true,
        Some(AUTOMATION) => automation.is_some_and(|l| l.owner == c.owner && l.until > now),
        Some(oid) => c.oid.as_deref() == Some(oid),
    }
}

/// Who may send `job`, in words, when not any process may (see [`may_send`]).
pub fn sent_by(job: &JobRow) -> Option<String> {
    match job.sender.as_deref()? {
        AUTOMATION => Some("the agent that runs the automation".to_owned()),
        _ => Some(format!("{}'s Cordon", job.requested_by)),
    }
}

/// Whether `c` may take `item` (left `sending` or `unknown`) to look it up: no lease,
/// its own, an expired one, or one of a process known to have ended (`dead`).
pub fn take_item(item: &ItemRow, c: &Claimant, dead: Option<&str>, now: DateTime<Utc>) -> ItemTake {
    if !matches!(item.state, ItemState::Sending | ItemState::Unknown) {
        return ItemTake::Closed;
    }
    match (&item.lease_owner, item.lease_until) {
        (Some(owner), _) if *owner == c.owner => ItemTake::Taken { from: None },
        (Some(owner), Some(until)) if until > now && dead != Some(owner.as_str()) => {
            ItemTake::Held {
                owner: owner.clone(),
                until,
            }
        }
        (owner, _) => ItemTake::Taken {
            from: owner.clone(),
        },
    }
}

/// Whether `item` is still `sending` under `owner`'s unexpired lease: checked right
/// before the POST, so a process that slept holding a claim never sends late.
pub fn holds(item: &ItemRow, owner: &str, now: DateTime<Utc>) -> bool {
    item.state == ItemState::Sending
        && item.lease_owner.as_deref() == Some(owner)
        && item.lease_until.is_some_and(|u| u > now)
}

/// The lease a bid leaves: the bidder's when the lease is free, expired, its own,
/// held by a lower kind or by a process known to have ended (`dead`); else the
/// current one. `taken_at` stays while one owner renews.
pub fn bid(
    current: Option<&LeaseRow>,
    name: &str,
    b: &Bid,
    dead: Option<&str>,
    now: DateTime<Utc>,
) -> LeaseRow {
    let mine = |taken_at| LeaseRow {
        name: name.to_owned(),
        owner: b.owner.clone(),
        kind: b.kind,
        label: b.label.clone(),
        until: b.until,
        taken_at,
    };
    match current {
        None => mine(now),
        Some(l) if l.owner == b.owner => mine(l.taken_at),
        Some(l) if l.until <= now || b.kind > l.kind || dead == Some(l.owner.as_str()) => mine(now),
        Some(l) => l.clone(),
    }
}
