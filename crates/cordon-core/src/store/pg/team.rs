//! The team's rows in the team store: item leases, named leases and heartbeats, as
//! SQLite's engine has them (`store/team.rs`), with the pure rules of
//! [`crate::team::lease`]. Every bid and takeover locks its row (`FOR UPDATE`), so two
//! processes bidding at once are served one after the other and agree on the winner.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use super::audit::append;
use super::jobs::{lock_item, lock_job};
use super::sql::{Param, exec, get, opt, rows};
use crate::dto::jobs::ItemState;
use crate::error::Result;
use crate::store::jobs::item_audit;
use crate::store::rows::{item_state_str, opt_ts};
use crate::store::team::{LEASE_COLS, PROCESS_COLS, takeover_move};
use crate::store::{Transition, parse_ts, ts};
use crate::team::lease::{
    self, AUTOMATION_LEASE, Bid, Claimant, ItemTake, LeaseRow, ProcessKind, ProcessRow,
};

fn lease_row(r: &Row) -> Result<LeaseRow> {
    Ok(LeaseRow {
        name: get(r, 0)?,
        owner: get(r, 1)?,
        kind: ProcessKind::parse(get(r, 2)?),
        label: get(r, 3)?,
        until: parse_ts(get(r, 4)?),
        taken_at: parse_ts(get(r, 5)?),
    })
}

fn process_row(r: &Row) -> Result<ProcessRow> {
    Ok(ProcessRow {
        owner: get(r, 0)?,
        kind: ProcessKind::parse(get(r, 1)?),
        label: get(r, 2)?,
        host: get(r, 3)?,
        oid: get(r, 4)?,
        app_id: get(r, 5)?,
        started_at: parse_ts(get(r, 6)?),
        seen_at: opt_ts(get(r, 7)?).unwrap_or_default(),
    })
}

/// The named lease, its row locked until the transaction ends.
pub(super) async fn lock_lease(c: &impl GenericClient, name: &str) -> Result<Option<LeaseRow>> {
    let sql = format!("SELECT {LEASE_COLS} FROM leases WHERE name = $1 FOR UPDATE");
    opt(c, &sql, &[&name])
        .await?
        .as_ref()
        .map(lease_row)
        .transpose()
}

/// The automation's lease when the job is the automation's (read in the claim's
/// transaction; a bid for it waits until the claim commits).
pub(super) async fn automation_lease(
    c: &impl GenericClient,
    sender: Option<&str>,
) -> Result<Option<LeaseRow>> {
    if sender == Some(lease::AUTOMATION) {
        let sql = format!("SELECT {LEASE_COLS} FROM leases WHERE name = $1 FOR SHARE");
        opt(c, &sql, &[&AUTOMATION_LEASE])
            .await?
            .as_ref()
            .map(lease_row)
            .transpose()
    } else {
        Ok(None)
    }
}

impl PgStore {
    /// Whether the item is still `sending` under `owner`'s unexpired lease.
    pub fn holds_item(
        &self,
        job_id: &str,
        machine_id: &str,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (job_id, machine_id, owner) =
            (job_id.to_owned(), machine_id.to_owned(), owner.to_owned());
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {} FROM job_items WHERE job_id = $1 AND machine_id = $2",
                    crate::store::rows::ITEM_COLS
                );
                let item = opt(&*c, &sql, &[&job_id, &machine_id]).await?;
                Ok(match item {
                    Some(r) => lease::holds(&super::sql::item_row(&r)?, &owner, now),
                    None => false,
                })
            })
        })
    }

    /// Takes (or renews) the lease of an item left `sending` or `unknown` (see the
    /// SQLite engine's `take_item`).
    pub fn take_item(
        &self,
        job_id: &str,
        machine_id: &str,
        c: &Claimant,
        dead: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ItemTake> {
        let (job_id, machine_id, c) = (job_id.to_owned(), machine_id.to_owned(), c.clone());
        let dead = dead.map(str::to_owned);
        self.transaction(move |tx| {
            Box::pin(async move {
                let job = lock_job(tx, &job_id).await?;
                let Some(item) = lock_item(tx, &job_id, &machine_id).await? else {
                    return Ok(ItemTake::Closed);
                };
                let take = lease::take_item(&item, &c, dead.as_deref(), now);
                if let ItemTake::Taken { from } = &take {
                    let moved = from.is_some() && item.state == ItemState::Sending;
                    let to = if moved { ItemState::Unknown } else { item.state };
                    let p: [Param<'_>; 6] = [
                        &job_id,
                        &machine_id,
                        &c.owner,
                        &ts(c.until),
                        &item_state_str(to),
                        &ts(now),
                    ];
                    exec(
                        tx,
                        "UPDATE job_items SET lease_owner = $3, lease_until = $4, state = $5, updated_at = $6
                         WHERE job_id = $1 AND machine_id = $2",
                        &p,
                    )
                    .await?;
                    if let Some(from) = from {
                        let t = takeover_move(from, dead.as_deref() == Some(from.as_str()));
                        let t = Transition { to, ..t };
                        append(tx, now, &item_audit(&job, &item, Some(item.state), &t)).await?;
                    }
                }
                Ok(take)
            })
        })
    }

    /// Bids for the named lease; the lease as it stands after the bid.
    pub fn take_lease(
        &self,
        name: &str,
        b: &Bid,
        dead: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<LeaseRow> {
        let (name, b, dead) = (name.to_owned(), b.clone(), dead.map(str::to_owned));
        self.transaction(move |tx| {
            Box::pin(async move {
                // A missing row is made first (a racing bidder's insert is skipped), so
                // the bid below always reads a locked row.
                let p: [Param<'_>; 6] = [
                    &name,
                    &b.owner,
                    &b.kind.as_str(),
                    &b.label,
                    &ts(b.until),
                    &ts(now),
                ];
                let inserted = exec(
                    tx,
                    &format!(
                        "INSERT INTO leases ({LEASE_COLS}, db_user) VALUES ($1, $2, $3, $4, $5, $6, '')
                         ON CONFLICT (name) DO NOTHING"
                    ),
                    &p,
                )
                .await?;
                let current = lock_lease(tx, &name).await?;
                if inserted == 1 {
                    return current.ok_or_else(|| {
                        crate::error::CoreError::Storage("a lease vanished".into())
                    });
                }
                let after = lease::bid(current.as_ref(), &name, &b, dead.as_deref(), now);
                if Some(&after) != current.as_ref() {
                    let p: [Param<'_>; 6] = [
                        &after.name,
                        &after.owner,
                        &after.kind.as_str(),
                        &after.label,
                        &ts(after.until),
                        &ts(after.taken_at),
                    ];
                    exec(
                        tx,
                        "UPDATE leases SET owner = $2, kind = $3, label = $4, until = $5, taken_at = $6
                         WHERE name = $1",
                        &p,
                    )
                    .await?;
                }
                Ok(after)
            })
        })
    }

    /// Gives up the named lease if `owner` holds it.
    pub fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        let (name, owner) = (name.to_owned(), owner.to_owned());
        self.run(move |c| {
            Box::pin(async move {
                exec(
                    &*c,
                    "DELETE FROM leases WHERE name = $1 AND owner = $2",
                    &[&name, &owner],
                )
                .await?;
                Ok(())
            })
        })
    }

    /// Every named lease, expired ones included.
    pub fn leases(&self) -> Result<Vec<LeaseRow>> {
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!("SELECT {LEASE_COLS} FROM leases ORDER BY name");
                rows(&*c, &sql, &[]).await?.iter().map(lease_row).collect()
            })
        })
    }

    /// Records that `p` is alive.
    pub fn heartbeat(&self, p: &ProcessRow) -> Result<()> {
        let p = p.clone();
        self.run(move |c| {
            Box::pin(async move {
                let v: [Param<'_>; 8] = [
                    &p.owner,
                    &p.kind.as_str(),
                    &p.label,
                    &p.host,
                    &p.oid,
                    &p.app_id,
                    &ts(p.started_at),
                    &ts(p.seen_at),
                ];
                exec(
                    &*c,
                    &format!(
                        "INSERT INTO processes ({PROCESS_COLS}, db_user) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '')
                         ON CONFLICT (owner) DO UPDATE SET kind = excluded.kind, label = excluded.label,
                            oid = excluded.oid, app_id = excluded.app_id, seen_at = excluded.seen_at"
                    ),
                    &v,
                )
                .await?;
                Ok(())
            })
        })
    }

    /// The processes seen since `since`, the latest first.
    pub fn processes(&self, since: DateTime<Utc>) -> Result<Vec<ProcessRow>> {
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {PROCESS_COLS} FROM processes WHERE seen_at >= $1 ORDER BY seen_at DESC"
                );
                rows(&*c, &sql, &[&ts(since)])
                    .await?
                    .iter()
                    .map(process_row)
                    .collect()
            })
        })
    }

    /// A clean shutdown (see the SQLite engine's `leave`).
    pub fn leave(&self, owner: &str, now: DateTime<Utc>) -> Result<()> {
        let owner = owner.to_owned();
        self.transaction(move |tx| {
            Box::pin(async move {
                exec(tx, "DELETE FROM processes WHERE owner = $1", &[&owner]).await?;
                exec(tx, "DELETE FROM leases WHERE owner = $1", &[&owner]).await?;
                exec(
                    tx,
                    "UPDATE job_items SET lease_until = $2
                     WHERE lease_owner = $1 AND state IN ('sending', 'unknown')",
                    &[&owner, &ts(now)],
                )
                .await?;
                Ok(())
            })
        })
    }
}
