//! The journal in the team store: the same moves as SQLite's engine
//! (`store/jobs.rs`), each one transaction holding the new state and its audit row.
//!
//! Where SQLite relies on its single writer, this engine locks rows: every move reads
//! its job, then its item, `FOR UPDATE` (always in that order, so two moves never wait
//! on each other in a circle). So of two processes claiming one item, the second waits
//! for the first to commit and then reads `sending`: exactly one sends. A claim after
//! `cancel_job` committed reads the job `cancelled`; `finish_if_done` counts the items
//! under the job's lock, which every move of its items takes.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::PgStore;
use super::audit::append;
use super::automation::held_by_pause;
use super::sql::{Param, count, exec, item_row, job_row, one, opt, rows};
use super::team::automation_lease;
use crate::dto::IpcError;
use crate::dto::jobs::{ItemState, JobState};
use crate::error::{CoreError, Result};
use crate::store::jobs::{
    ALL_ENDED, cancel_detail, cancel_move, cancelled_by, claim_move, created_audit, guarded,
    item_audit, job_audit, planned_audit,
};
use crate::store::rows::{
    ITEM_COLS, ItemRow, JOB_COLS, JobRow, NewItem, NewJob, Transition, error_json, isolation_str,
    item_state_str, job_state_str, kind_str,
};
use crate::store::ts;
use crate::team::lease::Claimant;

/// The job `id`, its row locked until the transaction ends.
pub(super) async fn lock_job(c: &impl GenericClient, id: &str) -> Result<JobRow> {
    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1 FOR UPDATE");
    match opt(c, &sql, &[&id]).await? {
        Some(r) => job_row(&r),
        None => Err(CoreError::UnknownJob(id.to_owned())),
    }
}

/// The item, its row locked until the transaction ends (lock its job first).
pub(super) async fn lock_item(
    c: &impl GenericClient,
    job_id: &str,
    machine_id: &str,
) -> Result<Option<ItemRow>> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM job_items WHERE job_id = $1 AND machine_id = $2 FOR UPDATE"
    );
    opt(c, &sql, &[&job_id, &machine_id])
        .await?
        .as_ref()
        .map(item_row)
        .transpose()
}

async fn set_job_state(
    c: &impl GenericClient,
    job: &JobRow,
    to: JobState,
    now: DateTime<Utc>,
    error: Option<&IpcError>,
    detail: String,
) -> Result<()> {
    exec(
        c,
        "UPDATE jobs SET state = $2, updated_at = $3, error = $4 WHERE id = $1",
        &[&job.id, &job_state_str(to), &ts(now), &error_json(error)],
    )
    .await?;
    append(c, now, &job_audit(job, to, detail)).await
}

/// A running job whose items are all terminal becomes `done` (its row is locked).
async fn finish_if_done(c: &impl GenericClient, job: &JobRow, now: DateTime<Utc>) -> Result<()> {
    if job.state != JobState::Running {
        return Ok(());
    }
    let open = one(
        c,
        "SELECT COUNT(*) FROM job_items WHERE job_id = $1
         AND state NOT IN ('done', 'adopted', 'failed', 'cancelled')",
        &[&job.id],
    )
    .await?;
    if count(&open, 0)? == 0 {
        set_job_state(c, job, JobState::Done, now, None, ALL_ENDED.into()).await?;
    }
    Ok(())
}

/// Inserts a job and all its items as `planned`, with their audit rows, on `c`
/// (inside the caller's transaction: a job and the decision that caused it commit
/// together).
pub(super) async fn insert_job(
    c: &impl GenericClient,
    job: &NewJob,
    items: &[NewItem],
    now: DateTime<Utc>,
) -> Result<()> {
    let at = ts(now);
    let sql = format!(
        "INSERT INTO jobs ({JOB_COLS}) VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $7, NULL, $8)"
    );
    let p: [Param<'_>; 8] = [
        &job.id,
        &kind_str(job.kind),
        &job.comment,
        &job.isolation_type.map(isolation_str),
        &job.requested_by,
        &job.source,
        &at,
        &job.sender,
    ];
    exec(c, &sql, &p).await?;
    let row = lock_job(c, &job.id).await?;
    append(c, now, &created_audit(job, items.len())).await?;
    for (seq, it) in items.iter().enumerate() {
        exec(
            c,
            "INSERT INTO job_items (job_id, seq, machine_id, machine_name, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'planned', $5, $5)",
            &[&job.id, &(seq as i64), &it.machine_id, &it.machine_name, &at],
        )
        .await?;
        append(c, now, &planned_audit(&row, seq as u32, it, now)).await?;
    }
    Ok(())
}

impl PgStore {
    /// Commits a job and all its items as `planned`, with their audit rows, in one
    /// transaction (before any call is made).
    pub fn create_job(&self, job: &NewJob, items: &[NewItem], now: DateTime<Utc>) -> Result<()> {
        let (job, items) = (job.clone(), items.to_vec());
        self.transaction(move |tx| Box::pin(async move { insert_job(tx, &job, &items, now).await }))
    }

    /// Commits `planned → sending` (the intent to POST now) if the job is still
    /// running, the item still planned and (for a rule-started job) automation not
    /// paused, all read under the job's and the item's locks; `false` otherwise.
    pub fn claim(
        &self,
        job_id: &str,
        machine_id: &str,
        c: &Claimant,
        tenant_now: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let (job_id, machine_id, c) = (job_id.to_owned(), machine_id.to_owned(), c.clone());
        self.transaction(move |tx| {
            Box::pin(async move {
                let job = lock_job(tx, &job_id).await?;
                let Some(item) = lock_item(tx, &job_id, &machine_id).await? else {
                    return Ok(false);
                };
                if job.state != JobState::Running || item.state != ItemState::Planned {
                    return Ok(false);
                }
                let automation = automation_lease(tx, job.sender.as_deref()).await?;
                if !crate::team::lease::may_send(&job, &c, automation.as_ref(), now) {
                    return Ok(false);
                }
                if held_by_pause(tx, &job).await? {
                    return Ok(false);
                }
                let p: [Param<'_>; 6] = [
                    &job_id,
                    &machine_id,
                    &ts(tenant_now),
                    &ts(now),
                    &c.owner,
                    &ts(c.until),
                ];
                exec(
                    tx,
                    "UPDATE job_items SET state = 'sending', attempts = attempts + 1, intent_at = $3,
                            not_before = NULL, updated_at = $4, lease_owner = $5, lease_until = $6
                     WHERE job_id = $1 AND machine_id = $2",
                    &p,
                )
                .await?;
                let t = claim_move(&item);
                append(tx, now, &item_audit(&job, &item, Some(ItemState::Planned), &t)).await?;
                Ok(true)
            })
        })
    }

    /// Moves an item from `from` as `t` says, with its audit row; `None` when the item
    /// was no longer in `from`. A move back to `planned` in a cancelled job becomes
    /// `cancelled`. A running job whose items are all terminal becomes `done`.
    pub fn transition(
        &self,
        job_id: &str,
        machine_id: &str,
        from: ItemState,
        t: &Transition,
        now: DateTime<Utc>,
    ) -> Result<Option<ItemState>> {
        let (job_id, machine_id, t) = (job_id.to_owned(), machine_id.to_owned(), t.clone());
        self.transaction(move |tx| {
            Box::pin(async move {
                let job = lock_job(tx, &job_id).await?;
                let Some(item) = lock_item(tx, &job_id, &machine_id).await? else {
                    return Ok(None);
                };
                if item.state != from {
                    return Ok(None);
                }
                let t = guarded(&job, &t);
                let p: [Param<'_>; 9] = [
                    &job_id,
                    &machine_id,
                    &item_state_str(t.to),
                    &t.action_id,
                    &t.action_status,
                    &error_json(t.error.as_ref()),
                    &t.not_before.map(ts),
                    &i64::from(t.miss),
                    &ts(now),
                ];
                exec(
                    tx,
                    "UPDATE job_items SET state = $3,
                            action_id = COALESCE($4, action_id),
                            action_status = COALESCE($5, action_status),
                            error = $6, not_before = $7, misses = misses + $8, updated_at = $9
                     WHERE job_id = $1 AND machine_id = $2",
                    &p,
                )
                .await?;
                append(tx, now, &item_audit(&job, &item, Some(from), &t)).await?;
                if t.to.is_terminal() {
                    finish_if_done(tx, &job, now).await?;
                }
                Ok(Some(t.to))
            })
        })
    }

    /// Cancels a running (or halted) job: its `planned` items become `cancelled` in the
    /// same transaction. Returns the job as it is after.
    pub fn cancel_job(&self, job_id: &str, actor: &str, now: DateTime<Utc>) -> Result<JobRow> {
        let (job_id, actor) = (job_id.to_owned(), actor.to_owned());
        self.transaction(move |tx| {
            Box::pin(async move {
                let job = lock_job(tx, &job_id).await?;
                if !matches!(job.state, JobState::Running | JobState::Halted) {
                    return Ok(job);
                }
                let sql = format!(
                    "SELECT {ITEM_COLS} FROM job_items WHERE job_id = $1 AND state = 'planned'
                     ORDER BY seq FOR UPDATE"
                );
                let planned = rows(tx, &sql, &[&job_id])
                    .await?
                    .iter()
                    .map(item_row)
                    .collect::<Result<Vec<_>>>()?;
                exec(
                    tx,
                    "UPDATE job_items SET state = 'cancelled', not_before = NULL, updated_at = $2
                     WHERE job_id = $1 AND state = 'planned'",
                    &[&job_id, &ts(now)],
                )
                .await?;
                let t = cancel_move(&actor);
                for item in &planned {
                    append(
                        tx,
                        now,
                        &item_audit(&job, item, Some(ItemState::Planned), &t),
                    )
                    .await?;
                }
                let detail = cancel_detail(&actor, planned.len());
                let by = cancelled_by(&job, &actor);
                set_job_state(tx, &by, JobState::Cancelled, now, None, detail).await?;
                lock_job(tx, &job_id).await
            })
        })
    }

    /// Marks a running job `halted` (the store failed under it), keeping the reason.
    pub fn halt_job(&self, job_id: &str, error: &IpcError, now: DateTime<Utc>) -> Result<()> {
        let (job_id, error) = (job_id.to_owned(), error.clone());
        self.transaction(move |tx| {
            Box::pin(async move {
                let job = lock_job(tx, &job_id).await?;
                if job.state == JobState::Running {
                    let detail = error.to_string();
                    set_job_state(tx, &job, JobState::Halted, now, Some(&error), detail).await?;
                }
                Ok(())
            })
        })
    }

    /// A halted job runs again (resume).
    pub fn unhalt_job(&self, job_id: &str, now: DateTime<Utc>) -> Result<()> {
        let job_id = job_id.to_owned();
        self.transaction(move |tx| {
            Box::pin(async move {
                let mut job = lock_job(tx, &job_id).await?;
                if job.state == JobState::Halted {
                    set_job_state(tx, &job, JobState::Running, now, None, "resumed".into()).await?;
                    job = lock_job(tx, &job_id).await?;
                }
                finish_if_done(tx, &job, now).await
            })
        })
    }
}
