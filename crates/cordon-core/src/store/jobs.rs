//! The journal: bulk jobs and their items (one per machine).
//!
//! An item moves `planned → sending → {done | adopted | failed | unknown}`, `unknown`
//! (or a `sending` left by a crash) is looked up and becomes `done`/`adopted` or
//! `planned` again, and a cancel turns `planned` into `cancelled`. Every move is one
//! transaction holding the item's new state *and* its audit row, guarded by the state
//! it moves from (a move that lost a race changes nothing). The `sending` commit checks
//! the job is still running in the same transaction, under the store's one lock, so
//! once `cancel_job` has committed no item can be claimed for a POST.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::{NewAudit, append};
use super::rows::{
    ITEM_COLS, ItemRow, JOB_COLS, JobRow, NewItem, NewJob, Transition, error_json, isolation_str,
    item_row, item_state_str, job_row, job_state_str, kind_str,
};
use super::{SqliteStore, ts};
use crate::dto::IpcError;
use crate::dto::jobs::{ItemState, JobState};
use crate::error::{CoreError, Result};
use crate::team::lease::Claimant;

pub(crate) fn job_in(tx: &Transaction<'_>, id: &str) -> Result<JobRow> {
    tx.query_row(
        &format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1"),
        [id],
        job_row,
    )
    .optional()?
    .ok_or_else(|| CoreError::UnknownJob(id.to_owned()))
}

pub(crate) fn item_in(
    tx: &Transaction<'_>,
    job_id: &str,
    machine_id: &str,
) -> Result<Option<ItemRow>> {
    Ok(tx
        .query_row(
            &format!("SELECT {ITEM_COLS} FROM job_items WHERE job_id = ?1 AND machine_id = ?2"),
            [job_id, machine_id],
            item_row,
        )
        .optional()?)
}

fn set_job_state(
    tx: &Transaction<'_>,
    job: &JobRow,
    to: JobState,
    now: DateTime<Utc>,
    error: Option<&IpcError>,
    detail: String,
) -> Result<()> {
    tx.execute(
        "UPDATE jobs SET state = ?2, updated_at = ?3, error = ?4 WHERE id = ?1",
        params![job.id, job_state_str(to), ts(now), error_json(error)],
    )?;
    append(tx, now, &job_audit(job, to, detail))
}

/// The audit row of `job`'s move to `to` (every engine writes the same rows).
pub(crate) fn job_audit(job: &JobRow, to: JobState, detail: String) -> NewAudit {
    NewAudit {
        actor: job.requested_by.clone(),
        event: format!("job.{}", job_state_str(to)),
        job_id: Some(job.id.clone()),
        comment: Some(job.comment.clone()),
        from_state: Some(job_state_str(job.state).to_owned()),
        to_state: Some(job_state_str(to).to_owned()),
        detail,
        ..NewAudit::default()
    }
}

/// The detail of a job's move to `done`.
pub(crate) const ALL_ENDED: &str = "every machine reached its end";

/// A running job whose items are all terminal becomes `done`.
fn finish_if_done(tx: &Transaction<'_>, job_id: &str, now: DateTime<Utc>) -> Result<()> {
    let job = job_in(tx, job_id)?;
    if job.state != JobState::Running {
        return Ok(());
    }
    let open: i64 = tx.query_row(
        "SELECT COUNT(*) FROM job_items WHERE job_id = ?1
         AND state NOT IN ('done', 'adopted', 'failed', 'cancelled')",
        [job_id],
        |r| r.get(0),
    )?;
    if open == 0 {
        set_job_state(tx, &job, JobState::Done, now, None, ALL_ENDED.into())?;
    }
    Ok(())
}

/// Inserts a job and all its items as `planned`, with their audit rows, inside `tx`
/// (a job and the decision that caused it commit together).
pub(crate) fn insert_job(
    tx: &Transaction<'_>,
    job: &NewJob,
    items: &[NewItem],
    now: DateTime<Utc>,
) -> Result<()> {
    let at = ts(now);
    tx.execute(
        &format!(
            "INSERT INTO jobs ({JOB_COLS}) VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?7, NULL, ?8)"
        ),
        params![
            job.id,
            kind_str(job.kind),
            job.comment,
            job.isolation_type.map(isolation_str),
            job.requested_by,
            job.source,
            at,
            job.sender
        ],
    )?;
    let row = job_in(tx, &job.id)?;
    append(tx, now, &created_audit(job, items.len()))?;
    let mut insert = tx.prepare_cached(
            "INSERT INTO job_items (job_id, seq, machine_id, machine_name, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 'planned', ?5, ?5)",
        )?;
    for (seq, it) in items.iter().enumerate() {
        insert.execute(params![
            job.id,
            seq as u32,
            it.machine_id,
            it.machine_name,
            at
        ])?;
        append(tx, now, &planned_audit(&row, seq as u32, it, now))?;
    }
    Ok(())
}

/// The audit row of a new job.
pub(crate) fn created_audit(job: &NewJob, items: usize) -> NewAudit {
    NewAudit {
        actor: job.requested_by.clone(),
        event: "job.created".into(),
        job_id: Some(job.id.clone()),
        comment: Some(job.comment.clone()),
        to_state: Some("running".into()),
        detail: format!(
            "{} of {items} machine(s){}",
            kind_str(job.kind),
            job.source
                .as_deref()
                .map(|s| format!(" from {s}"))
                .unwrap_or_default()
        ),
        ..NewAudit::default()
    }
}

/// The audit row of a new job's item `seq` (committed `planned`).
pub(crate) fn planned_audit(job: &JobRow, seq: u32, it: &NewItem, now: DateTime<Utc>) -> NewAudit {
    let item = ItemRow {
        lease_owner: None,
        lease_until: None,
        job_id: job.id.clone(),
        seq,
        machine_id: it.machine_id.clone(),
        machine_name: it.machine_name.clone(),
        state: ItemState::Planned,
        action_id: None,
        action_status: None,
        attempts: 0,
        misses: 0,
        error: None,
        intent_at: None,
        not_before: None,
        created_at: now,
        updated_at: now,
    };
    let t = Transition::new(ItemState::Planned, "intent committed");
    item_audit(job, &item, None, &t)
}

/// The move a claim makes: `planned → sending`, one attempt more.
pub(crate) fn claim_move(item: &ItemRow) -> Transition {
    Transition::new(
        ItemState::Sending,
        format!("sending (attempt {})", item.attempts + 1),
    )
}

/// `t` as it applies in `job`: a move back to `planned` in a cancelled job becomes
/// `cancelled` (never resent).
pub(crate) fn guarded(job: &JobRow, t: &Transition) -> Transition {
    let mut t = t.clone();
    if t.to == ItemState::Planned && job.state == JobState::Cancelled {
        t.to = ItemState::Cancelled;
        t.not_before = None;
        t.detail = format!("{} — not resent: the job was cancelled", t.detail);
    }
    t
}

/// The move of a planned item when its job is cancelled by `actor`.
pub(crate) fn cancel_move(actor: &str) -> Transition {
    Transition::new(
        ItemState::Cancelled,
        format!("not sent: cancelled by {actor}"),
    )
}

/// The job row that a cancel by `actor` moves (its audit row names the actor).
pub(crate) fn cancelled_by(job: &JobRow, actor: &str) -> JobRow {
    let mut by = job.clone();
    by.requested_by = actor.to_owned();
    by
}

/// The detail of a cancel by `actor` that left `planned` machines unsent.
pub(crate) fn cancel_detail(actor: &str, planned: usize) -> String {
    format!("cancelled by {actor}: {planned} machine(s) not sent")
}

/// The audit row of an item's move `from` → `t.to`.
pub(crate) fn item_audit(
    job: &JobRow,
    item: &ItemRow,
    from: Option<ItemState>,
    t: &Transition,
) -> NewAudit {
    NewAudit {
        actor: job.requested_by.clone(),
        event: format!("item.{}", item_state_str(t.to)),
        job_id: Some(job.id.clone()),
        machine_id: Some(item.machine_id.clone()),
        action_id: t.action_id.clone().or_else(|| item.action_id.clone()),
        comment: Some(job.comment.clone()),
        from_state: from.map(|s| item_state_str(s).to_owned()),
        to_state: Some(item_state_str(t.to).to_owned()),
        detail: t.detail.clone(),
    }
}

impl SqliteStore {
    /// Commits a job and all its items as `planned`, with their audit rows, in one
    /// transaction (before any call is made). Refused while the store's quick check
    /// has not passed (waiting for it first; see [`Store::ensure_sound`]).
    pub fn create_job(&self, job: &NewJob, items: &[NewItem], now: DateTime<Utc>) -> Result<()> {
        self.ensure_sound()?;
        self.write(|tx| insert_job(tx, job, items, now))
    }

    /// Commits `planned → sending` (the intent to POST now) under `c`'s lease if the
    /// job is still running, the item still planned and `c` may send the job (its
    /// principal, or the automation's leader: [`crate::team::lease::may_send`]);
    /// `false` otherwise (nothing may be sent). `tenant_now` (the tenant clock) becomes
    /// the item's intent time.
    pub fn claim(
        &self,
        job_id: &str,
        machine_id: &str,
        c: &Claimant,
        tenant_now: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.ensure_sound()?;
        self.write(|tx| {
            let job = job_in(tx, job_id)?;
            let Some(item) = item_in(tx, job_id, machine_id)? else {
                return Ok(false);
            };
            if job.state != JobState::Running || item.state != ItemState::Planned {
                return Ok(false);
            }
            let automation = super::team::automation_lease(tx, job.sender.as_deref())?;
            if !crate::team::lease::may_send(&job, c, automation.as_ref(), now) {
                return Ok(false);
            }
            // S-6: a paused automation holds the unsent items of rule-started jobs,
            // whichever process runs them (read in the claim's own transaction).
            if super::automation::held_by_pause(tx, &job)? {
                return Ok(false);
            }
            tx.execute(
                "UPDATE job_items SET state = 'sending', attempts = attempts + 1, intent_at = ?3,
                        not_before = NULL, updated_at = ?4, lease_owner = ?5, lease_until = ?6
                 WHERE job_id = ?1 AND machine_id = ?2",
                params![
                    job_id,
                    machine_id,
                    ts(tenant_now),
                    ts(now),
                    c.owner,
                    ts(c.until)
                ],
            )?;
            let t = claim_move(&item);
            append(
                tx,
                now,
                &item_audit(&job, &item, Some(ItemState::Planned), &t),
            )?;
            Ok(true)
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
        self.write(|tx| {
            let job = job_in(tx, job_id)?;
            let Some(item) = item_in(tx, job_id, machine_id)? else {
                return Ok(None);
            };
            if item.state != from {
                return Ok(None);
            }
            let t = guarded(&job, t);
            tx.execute(
                "UPDATE job_items SET state = ?3,
                        action_id = COALESCE(?4, action_id),
                        action_status = COALESCE(?5, action_status),
                        error = ?6, not_before = ?7, misses = misses + ?8, updated_at = ?9
                 WHERE job_id = ?1 AND machine_id = ?2",
                params![
                    job_id,
                    machine_id,
                    item_state_str(t.to),
                    t.action_id,
                    t.action_status,
                    error_json(t.error.as_ref()),
                    t.not_before.map(ts),
                    u32::from(t.miss),
                    ts(now)
                ],
            )?;
            append(tx, now, &item_audit(&job, &item, Some(from), &t))?;
            if t.to.is_terminal() {
                finish_if_done(tx, job_id, now)?;
            }
            Ok(Some(t.to))
        })
    }

    /// Cancels a running (or halted) job: its `planned` items become `cancelled` in the
    /// same transaction. Returns the job as it is after.
    pub fn cancel_job(&self, job_id: &str, actor: &str, now: DateTime<Utc>) -> Result<JobRow> {
        self.write(|tx| {
            let job = job_in(tx, job_id)?;
            if !matches!(job.state, JobState::Running | JobState::Halted) {
                return Ok(job);
            }
            let planned: Vec<ItemRow> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT {ITEM_COLS} FROM job_items WHERE job_id = ?1 AND state = 'planned' ORDER BY seq"
                ))?;
                stmt.query_map([job_id], item_row)?
                    .collect::<rusqlite::Result<_>>()?
            };
            tx.execute(
                "UPDATE job_items SET state = 'cancelled', not_before = NULL, updated_at = ?2
                 WHERE job_id = ?1 AND state = 'planned'",
                params![job_id, ts(now)],
            )?;
            let t = cancel_move(actor);
            for item in &planned {
                append(tx, now, &item_audit(&job, item, Some(ItemState::Planned), &t))?;
            }
            set_job_state(
                tx,
                &cancelled_by(&job, actor),
                JobState::Cancelled,
                now,
                None,
                cancel_detail(actor, planned.len()),
            )?;
            job_in(tx, job_id)
        })
    }

    /// Marks a running job `halted` (the store failed under it), keeping the reason.
    pub fn halt_job(&self, job_id: &str, error: &IpcError, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            let job = job_in(tx, job_id)?;
            if job.state == JobState::Running {
                set_job_state(
                    tx,
                    &job,
                    JobState::Halted,
                    now,
                    Some(error),
                    error.to_string(),
                )?;
            }
            Ok(())
        })
    }

    /// A halted job runs again (resume).
    pub fn unhalt_job(&self, job_id: &str, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            let job = job_in(tx, job_id)?;
            if job.state == JobState::Halted {
                set_job_state(tx, &job, JobState::Running, now, None, "resumed".into())?;
            }
            finish_if_done(tx, job_id, now)
        })
    }
}
