//! The approval queue in the team store (SQLite's `store/proposals.rs`). A verdict is
//! one transaction that reads the proposal `FOR UPDATE`: two approvers racing (in two
//! processes), or an approval racing the expiry, decide it once; the second reads it
//! decided. The rules of a verdict (waiting, not expired, four eyes) are SQLite's.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use super::audit::append;
use super::jobs::insert_job;
use super::sql::{Param, exec, get, opt, rows};
use crate::dto::automation::{Proposal, ProposalState};
use crate::error::Result;
use crate::store::proposals::{
    COLS, Check, Decider, Verdict, check, decided_audit, expired_audit, missing, proposed_audit,
};
use crate::store::rows::{NewItem, NewJob, isolation_kind, isolation_str};
use crate::store::ts;

/// Inserts a proposal with its audit row on `c` (inside the caller's transaction).
pub(super) async fn insert_proposal(
    c: &impl GenericClient,
    p: &Proposal,
    proposer_oid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO proposals ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
         'waiting', NULL, NULL, NULL, NULL, $12, $13)"
    );
    let override_reason = p.overrides_protection.then(|| p.reason.clone());
    let params: [Param<'_>; 13] = [
        &p.id,
        &p.machine_id,
        &p.machine_name,
        &p.action,
        &p.isolation_type.map(isolation_str),
        &p.comment,
        &p.reason,
        &p.alert_id,
        &p.proposed_by,
        &p.proposed_at,
        &p.expires_at,
        &override_reason,
        &proposer_oid,
    ];
    exec(c, &sql, &params).await?;
    append(c, now, &proposed_audit(p)).await
}

/// A proposal as [`COLS`] lists its columns, and its proposer's object id.
fn row(r: &Row) -> Result<(Proposal, String)> {
    let state: &str = get(r, 11)?;
    let kind: Option<&str> = get(r, 4)?;
    let override_reason: Option<String> = get(r, 16)?;
    Ok((
        Proposal {
            id: get(r, 0)?,
            machine_id: get(r, 1)?,
            machine_name: get(r, 2)?,
            action: get(r, 3)?,
            isolation_type: kind.map(isolation_kind),
            comment: get(r, 5)?,
            reason: get(r, 6)?,
            alert_id: get(r, 7)?,
            proposed_by: get(r, 8)?,
            proposed_at: get(r, 9)?,
            expires_at: get(r, 10)?,
            state: ProposalState::parse(state).unwrap_or(ProposalState::Waiting),
            decided_by: get(r, 12)?,
            decided_at: get(r, 13)?,
            decision_comment: get(r, 14)?,
            job_id: get(r, 15)?,
            overrides_protection: override_reason.is_some(),
        },
        get(r, 17)?,
    ))
}

async fn mark_expired(c: &impl GenericClient, id: &str, now: DateTime<Utc>) -> Result<()> {
    exec(
        c,
        "UPDATE proposals SET state = 'expired', decided_at = $2 WHERE id = $1",
        &[&id, &ts(now)],
    )
    .await?;
    Ok(())
}

impl PgStore {
    /// Adds a proposal (a person's request) with its audit row.
    pub fn propose(&self, p: &Proposal, proposer_oid: &str, now: DateTime<Utc>) -> Result<()> {
        let (p, oid) = (p.clone(), proposer_oid.to_owned());
        self.transaction(move |tx| {
            Box::pin(async move { insert_proposal(tx, &p, &oid, now).await })
        })
    }

    /// Marks every waiting proposal past its expiry as expired (S-5: never executed),
    /// with an audit row each; returns how many. The rows are locked first: one that
    /// a verdict decided meanwhile is no longer waiting, and is left alone.
    pub fn expire_proposals(&self, now: DateTime<Utc>) -> Result<u32> {
        self.transaction(move |tx| {
            Box::pin(async move {
                let due = rows(
                    tx,
                    "SELECT id, machine_id FROM proposals WHERE state = 'waiting' AND expires_at <= $1
                     ORDER BY proposed_at, id FOR UPDATE",
                    &[&ts(now)],
                )
                .await?;
                for r in &due {
                    let (id, machine): (&str, &str) = (get(r, 0)?, get(r, 1)?);
                    mark_expired(tx, id, now).await?;
                    append(tx, now, &expired_audit(id, machine)).await?;
                }
                Ok(due.len() as u32)
            })
        })
    }

    /// Proposals, newest first: the waiting ones, or all of them.
    pub fn proposals(&self, all: bool) -> Result<Vec<Proposal>> {
        self.run(move |c| {
            Box::pin(async move {
                let sql = if all {
                    format!("SELECT {COLS} FROM proposals ORDER BY proposed_at DESC, id")
                } else {
                    format!(
                        "SELECT {COLS} FROM proposals WHERE state = 'waiting'
                         ORDER BY proposed_at DESC, id"
                    )
                };
                rows(&*c, &sql, &[])
                    .await?
                    .iter()
                    .map(|r| row(r).map(|(p, _)| p))
                    .collect()
            })
        })
    }

    /// One proposal and its proposer's object id.
    pub fn proposal(&self, id: &str) -> Result<Option<(Proposal, String)>> {
        let id = id.to_owned();
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!("SELECT {COLS} FROM proposals WHERE id = $1");
                opt(&*c, &sql, &[&id]).await?.as_ref().map(row).transpose()
            })
        })
    }

    /// Decides a waiting proposal: approved (committing `job` with it) or rejected.
    /// Refused when it is no longer waiting, has expired (it is marked expired), or
    /// `by` proposed it.
    pub fn decide_proposal(
        &self,
        id: &str,
        approve: bool,
        by: &Decider,
        comment: &str,
        job: Option<(NewJob, NewItem)>,
        now: DateTime<Utc>,
    ) -> Result<Verdict> {
        let (id, by, comment) = (id.to_owned(), by.clone(), comment.to_owned());
        self.transaction(move |tx| {
            Box::pin(async move {
                let sql = format!("SELECT {COLS} FROM proposals WHERE id = $1 FOR UPDATE");
                let Some((p, proposer)) =
                    opt(tx, &sql, &[&id]).await?.as_ref().map(row).transpose()?
                else {
                    return Ok(missing(&id));
                };
                match check(&p, &proposer, &by, now) {
                    Check::Decide => {}
                    Check::Refuse(why) => return Ok(Verdict::Refused(why)),
                    Check::Expire(audit, why) => {
                        mark_expired(tx, &id, now).await?;
                        append(tx, now, &audit).await?;
                        return Ok(Verdict::Refused(why));
                    }
                }
                let state = if approve {
                    ProposalState::Approved
                } else {
                    ProposalState::Rejected
                };
                let job = if approve { job } else { None };
                let job_id = job.as_ref().map(|(j, _)| j.id.clone());
                let params: [Param<'_>; 7] = [
                    &id,
                    &state.as_str(),
                    &by.name,
                    &by.oid,
                    &ts(now),
                    &comment,
                    &job_id,
                ];
                exec(
                    tx,
                    "UPDATE proposals SET state = $2, decided_by = $3, decided_by_oid = $4,
                            decided_at = $5, decision_comment = $6, job_id = $7
                     WHERE id = $1",
                    &params,
                )
                .await?;
                append(tx, now, &decided_audit(&p, &by, state, job_id, &comment)).await?;
                if let Some((j, item)) = &job {
                    insert_job(tx, j, std::slice::from_ref(item), now).await?;
                }
                Ok(Verdict::Decided(state))
            })
        })
    }
}
