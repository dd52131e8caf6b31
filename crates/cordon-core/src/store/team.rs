//! The team's rows in the embedded engine: item leases, named leases (the sync and
//! automation leaders) and the processes' heartbeats. The rules are the pure ones of
//! [`crate::team::lease`]; this file reads and writes under the store's one write
//! lock, so a bid or a takeover is atomic. PostgreSQL's twin is `pg/team.rs`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::audit::append;
use super::jobs::{item_audit, item_in, job_in};
use super::rows::opt_ts;
use super::{SqliteStore, parse_ts, ts};
use crate::dto::jobs::ItemState;
use crate::error::Result;
use crate::store::Transition;
use crate::team::lease::{
    self, AUTOMATION_LEASE, Bid, Claimant, ItemTake, LeaseRow, ProcessKind, ProcessRow,
};

pub(crate) const LEASE_COLS: &str = "name, owner, kind, label, until, taken_at";
pub(crate) const PROCESS_COLS: &str = "owner, kind, label, host, oid, app_id, started_at, seen_at";

fn lease_row(r: &Row<'_>) -> rusqlite::Result<LeaseRow> {
    Ok(LeaseRow {
        name: r.get(0)?,
        owner: r.get(1)?,
        kind: ProcessKind::parse(&r.get::<_, String>(2)?),
        label: r.get(3)?,
        until: parse_ts(&r.get::<_, String>(4)?),
        taken_at: parse_ts(&r.get::<_, String>(5)?),
    })
}

fn process_row(r: &Row<'_>) -> rusqlite::Result<ProcessRow> {
    Ok(ProcessRow {
        owner: r.get(0)?,
        kind: ProcessKind::parse(&r.get::<_, String>(1)?),
        label: r.get(2)?,
        host: r.get(3)?,
        oid: r.get(4)?,
        app_id: r.get(5)?,
        started_at: parse_ts(&r.get::<_, String>(6)?),
        seen_at: opt_ts(r.get(7)?).unwrap_or_default(),
    })
}

pub(crate) fn lease_in(tx: &Transaction<'_>, name: &str) -> Result<Option<LeaseRow>> {
    Ok(tx
        .query_row(
            &format!("SELECT {LEASE_COLS} FROM leases WHERE name = ?1"),
            [name],
            lease_row,
        )
        .optional()?)
}

/// The automation's lease, read in the claim's transaction when the job is the
/// automation's.
pub(crate) fn automation_lease(
    tx: &Transaction<'_>,
    sender: Option<&str>,
) -> Result<Option<LeaseRow>> {
    if sender == Some(lease::AUTOMATION) {
        lease_in(tx, AUTOMATION_LEASE)
    } else {
        Ok(None)
    }
}

/// The audit words of a takeover from `from`.
pub(crate) fn takeover_move(from: &str, ended: bool) -> Transition {
    Transition::new(
        ItemState::Unknown,
        format!(
            "taken over from {from} ({}): looking the action up before any resend",
            if ended {
                "its process has ended"
            } else {
                "its lease expired"
            }
        ),
    )
}

impl SqliteStore {
    /// Whether the item is still `sending` under `owner`'s unexpired lease.
    pub fn holds_item(
        &self,
        job_id: &str,
        machine_id: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.write(|tx| {
            Ok(item_in(tx, job_id, machine_id)?.is_some_and(|i| lease::holds(&i, owner, now)))
        })
    }

    /// Takes (or renews) the lease of an item left `sending` or `unknown`, to look it
    /// up; from another process only once its lease expired or its process ended
    /// (`dead`). A `sending` item taken from another process becomes `unknown`, so a
    /// late answer of its old owner changes nothing.
    pub fn take_item(
        &self,
        job_id: &str,
        machine_id: &str,
        c: &Claimant,
        dead: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ItemTake> {
        self.write(|tx| {
            let Some(item) = item_in(tx, job_id, machine_id)? else {
                return Ok(ItemTake::Closed);
            };
            let take = lease::take_item(&item, c, dead, now);
            if let ItemTake::Taken { from } = &take {
                let moved = from.as_deref().filter(|_| item.state == ItemState::Sending);
                let to = if moved.is_some() { ItemState::Unknown } else { item.state };
                tx.execute(
                    "UPDATE job_items SET lease_owner = ?3, lease_until = ?4, state = ?5, updated_at = ?6
                     WHERE job_id = ?1 AND machine_id = ?2",
                    params![
                        job_id,
                        machine_id,
                        c.owner,
                        ts(c.until),
                        super::rows::item_state_str(to),
                        ts(now)
                    ],
                )?;
                if let Some(from) = from {
                    let job = job_in(tx, job_id)?;
                    let t = takeover_move(from, dead == Some(from.as_str()));
                    let t = Transition { to, ..t };
                    append(tx, now, &item_audit(&job, &item, Some(item.state), &t))?;
                }
            }
            Ok(take)
        })
    }

    /// Bids for the named lease; the lease as it stands after the bid (the bidder's
    /// when it won).
    pub fn take_lease(
        &self,
        name: &str,
        b: &Bid,
        dead: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<LeaseRow> {
        self.write(|tx| {
            let current = lease_in(tx, name)?;
            let after = lease::bid(current.as_ref(), name, b, dead, now);
            if Some(&after) != current.as_ref() {
                tx.execute(
                    &format!(
                        "INSERT INTO leases ({LEASE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, kind = excluded.kind,
                            label = excluded.label, until = excluded.until, taken_at = excluded.taken_at"
                    ),
                    params![
                        after.name,
                        after.owner,
                        after.kind.as_str(),
                        after.label,
                        ts(after.until),
                        ts(after.taken_at)
                    ],
                )?;
            }
            Ok(after)
        })
    }

    /// Gives up the named lease if `owner` holds it (a clean shutdown).
    pub fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM leases WHERE name = ?1 AND owner = ?2",
                params![name, owner],
            )?;
            Ok(())
        })
    }

    /// Every named lease, expired ones included.
    pub fn leases(&self) -> Result<Vec<LeaseRow>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {LEASE_COLS} FROM leases ORDER BY name"))?;
        let rows = stmt.query_map([], lease_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that `p` is alive (`p.seen_at`).
    pub fn heartbeat(&self, p: &ProcessRow) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                &format!(
                    "INSERT INTO processes ({PROCESS_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(owner) DO UPDATE SET kind = excluded.kind, label = excluded.label,
                        oid = excluded.oid, app_id = excluded.app_id, seen_at = excluded.seen_at"
                ),
                params![
                    p.owner,
                    p.kind.as_str(),
                    p.label,
                    p.host,
                    p.oid,
                    p.app_id,
                    ts(p.started_at),
                    ts(p.seen_at)
                ],
            )?;
            Ok(())
        })
    }

    /// The processes seen since `since`, the latest first.
    pub fn processes(&self, since: DateTime<Utc>) -> Result<Vec<ProcessRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PROCESS_COLS} FROM processes WHERE seen_at >= ?1 ORDER BY seen_at DESC"
        ))?;
        let rows = stmt.query_map([ts(since)], process_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A clean shutdown: the process's heartbeat and named leases go; its item leases
    /// end now (a `sending` item it leaves is looked up by the next one at once).
    pub fn leave(&self, owner: &str, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM processes WHERE owner = ?1", [owner])?;
            tx.execute("DELETE FROM leases WHERE owner = ?1", [owner])?;
            tx.execute(
                "UPDATE job_items SET lease_until = ?2 WHERE lease_owner = ?1 AND state IN ('sending', 'unknown')",
                params![owner, ts(now)],
            )?;
            Ok(())
        })
    }
}
