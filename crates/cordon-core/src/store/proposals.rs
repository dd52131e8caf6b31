//! The approval queue: proposals from the rule and from people, decided by a second
//! person. A verdict is one transaction that re-reads the proposal, so two approvers
//! racing, or an approval racing the expiry, decide it once; an approved isolation
//! commits its job in the same transaction (nothing approved is lost, nothing runs
//! twice). The four-eyes rule (approver ≠ proposer, by object id) is checked here too,
//! under the store's lock, whatever the caller checked before.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::{NewAudit, append};
use super::jobs::insert_job;
use super::rows::{NewItem, NewJob, isolation_kind, isolation_str};
use super::{SqliteStore, parse_ts, ts};
use crate::dto::automation::{Proposal, ProposalState};
use crate::error::Result;

pub(crate) const COLS: &str =
    "id, machine_id, machine_name, action, isolation_type, comment, reason, alert_id,
    proposed_by, proposed_at, expires_at, state, decided_by, decided_at, decision_comment, job_id,
    override_reason, proposed_by_oid";

/// The person (or application) deciding.
#[derive(Debug, Clone)]
pub struct Decider {
    pub name: String,
    pub oid: String,
}

/// What a verdict did.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Decided(ProposalState),
    /// Not decided, and why (already decided, expired, four eyes).
    Refused(String),
}

/// Inserts a proposal with its audit row inside `tx`.
pub(crate) fn insert_proposal(
    tx: &Transaction<'_>,
    p: &Proposal,
    proposer_oid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        &format!("INSERT INTO proposals ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'waiting', NULL, NULL, NULL, NULL, ?12, ?13)"),
        params![
            p.id,
            p.machine_id,
            p.machine_name,
            p.action,
            p.isolation_type.map(isolation_str),
            p.comment,
            p.reason,
            p.alert_id,
            p.proposed_by,
            p.proposed_at,
            p.expires_at,
            p.overrides_protection.then(|| p.reason.clone()),
            proposer_oid
        ],
    )?;
    append(tx, now, &proposed_audit(p))
}

/// The audit row of a new proposal (every engine writes the same rows).
pub(crate) fn proposed_audit(p: &Proposal) -> NewAudit {
    NewAudit {
        actor: p.proposed_by.clone(),
        event: "approval.proposed".into(),
        machine_id: Some(p.machine_id.clone()),
        comment: Some(p.comment.clone()),
        detail: format!(
            "{} proposed ({}){}; expires {}",
            p.action,
            p.reason,
            alert_part(p),
            p.expires_at
        ),
        ..NewAudit::default()
    }
}

fn alert_part(p: &Proposal) -> String {
    p.alert_id
        .as_deref()
        .map(|a| format!(", alert {a}"))
        .unwrap_or_default()
}

/// The audit row of a waiting proposal that expired undecided.
pub(crate) fn expired_audit(id: &str, machine_id: &str) -> NewAudit {
    NewAudit {
        actor: "Cordon".into(),
        event: "approval.expired".into(),
        machine_id: Some(machine_id.to_owned()),
        detail: format!("proposal {id} expired without a decision: not executed"),
        ..NewAudit::default()
    }
}

/// What a verdict on a proposal may do, read under the proposal's lock.
#[derive(Debug)]
pub(crate) enum Check {
    /// Waiting, not expired, decided by a second person: decide it.
    Decide,
    /// Not decided, nothing written.
    Refuse(String),
    /// It had expired: mark it expired (with this audit row), then refuse.
    Expire(Box<NewAudit>, String),
}

/// The refusal when there is no proposal `id`.
pub(crate) fn missing(id: &str) -> Verdict {
    Verdict::Refused(format!("no proposal {id}"))
}

/// The rules of a verdict on `p` (proposed by `proposer`) by `by` at `now`: still
/// waiting, not expired, and four eyes (the proposer neither approves nor rejects).
pub(crate) fn check(p: &Proposal, proposer: &str, by: &Decider, now: DateTime<Utc>) -> Check {
    if p.state != ProposalState::Waiting {
        return Check::Refuse(format!("already {}", p.state.as_str()));
    }
    if parse_ts(&p.expires_at) <= now {
        let audit = NewAudit {
            actor: by.name.clone(),
            event: "approval.expired".into(),
            machine_id: Some(p.machine_id.clone()),
            detail: format!(
                "proposal {} had expired at {} when {} decided: not executed",
                p.id, p.expires_at, by.name
            ),
            ..NewAudit::default()
        };
        return Check::Expire(Box::new(audit), format!("expired at {}", p.expires_at));
    }
    if proposer.eq_ignore_ascii_case(&by.oid) {
        return Check::Refuse(
            "four eyes: the person who proposed it cannot approve or reject it; a second person decides".into(),
        );
    }
    Check::Decide
}

/// The audit row of a verdict.
pub(crate) fn decided_audit(
    p: &Proposal,
    by: &Decider,
    state: ProposalState,
    job_id: Option<String>,
    comment: &str,
) -> NewAudit {
    NewAudit {
        actor: by.name.clone(),
        event: format!("approval.{}", state.as_str()),
        job_id,
        machine_id: Some(p.machine_id.clone()),
        comment: Some(comment.to_owned()),
        detail: format!(
            "{} of {} proposed by {} at {} ({}){}",
            p.action,
            p.machine_name.as_deref().unwrap_or(&p.machine_id),
            p.proposed_by,
            p.proposed_at,
            p.reason,
            alert_part(p)
        ),
        ..NewAudit::default()
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Proposal, String)> {
    let state: String = r.get(11)?;
    let kind: Option<String> = r.get(4)?;
    let override_reason: Option<String> = r.get(16)?;
    Ok((
        Proposal {
            id: r.get(0)?,
            machine_id: r.get(1)?,
            machine_name: r.get(2)?,
            action: r.get(3)?,
            isolation_type: kind.as_deref().map(isolation_kind),
            comment: r.get(5)?,
            reason: r.get(6)?,
            alert_id: r.get(7)?,
            proposed_by: r.get(8)?,
            proposed_at: r.get(9)?,
            expires_at: r.get(10)?,
            state: ProposalState::parse(&state).unwrap_or(ProposalState::Waiting),
            decided_by: r.get(12)?,
            decided_at: r.get(13)?,
            decision_comment: r.get(14)?,
            job_id: r.get(15)?,
            overrides_protection: override_reason.is_some(),
        },
        r.get(17)?,
    ))
}

impl SqliteStore {
    /// Adds a proposal (a person's request) with its audit row.
    pub fn propose(&self, p: &Proposal, proposer_oid: &str, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| insert_proposal(tx, p, proposer_oid, now))
    }

    /// Marks every waiting proposal past its expiry as expired (S-5: never executed),
    /// with an audit row each; returns how many.
    pub fn expire_proposals(&self, now: DateTime<Utc>) -> Result<u32> {
        self.write(|tx| {
            let ids: Vec<(String, String)> = {
                let mut q = tx.prepare_cached(
                    "SELECT id, machine_id FROM proposals WHERE state = 'waiting' AND expires_at <= ?1",
                )?;
                let rows = q.query_map([ts(now)], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<std::result::Result<_, _>>()?
            };
            for (id, machine) in &ids {
                tx.execute(
                    "UPDATE proposals SET state = 'expired', decided_at = ?2 WHERE id = ?1",
                    params![id, ts(now)],
                )?;
                append(tx, now, &expired_audit(id, machine))?;
            }
            Ok(ids.len() as u32)
        })
    }

    /// Proposals, newest first: the waiting ones, or all of them.
    pub fn proposals(&self, all: bool) -> Result<Vec<Proposal>> {
        let conn = self.conn();
        let sql = if all {
            format!("SELECT {COLS} FROM proposals ORDER BY proposed_at DESC, id")
        } else {
            format!(
                "SELECT {COLS} FROM proposals WHERE state = 'waiting' ORDER BY proposed_at DESC, id"
            )
        };
        let mut q = conn.prepare(&sql)?;
        let rows = q.query_map([], row)?;
        Ok(rows
            .map(|r| r.map(|(p, _)| p))
            .collect::<std::result::Result<_, _>>()?)
    }

    /// One proposal and its proposer's object id.
    pub fn proposal(&self, id: &str) -> Result<Option<(Proposal, String)>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLS} FROM proposals WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
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
        self.ensure_sound()?;
        self.write(|tx| {
            let Some((p, proposer)) = tx
                .query_row(&format!("SELECT {COLS} FROM proposals WHERE id = ?1"), [id], row)
                .optional()?
            else {
                return Ok(missing(id));
            };
            match check(&p, &proposer, by, now) {
                Check::Decide => {}
                Check::Refuse(why) => return Ok(Verdict::Refused(why)),
                Check::Expire(audit, why) => {
                    tx.execute(
                        "UPDATE proposals SET state = 'expired', decided_at = ?2 WHERE id = ?1",
                        params![id, ts(now)],
                    )?;
                    append(tx, now, &audit)?;
                    return Ok(Verdict::Refused(why));
                }
            }
            let state = if approve { ProposalState::Approved } else { ProposalState::Rejected };
            let job = if approve { job } else { None };
            tx.execute(
                "UPDATE proposals SET state = ?2, decided_by = ?3, decided_by_oid = ?4, decided_at = ?5,
                        decision_comment = ?6, job_id = ?7 WHERE id = ?1",
                params![id, state.as_str(), by.name, by.oid, ts(now), comment, job.as_ref().map(|(j, _)| j.id.clone())],
            )?;
            let job_id = job.as_ref().map(|(j, _)| j.id.clone());
            append(tx, now, &decided_audit(&p, by, state, job_id, comment))?;
            if let Some((j, item)) = &job {
                insert_job(tx, j, std::slice::from_ref(item), now)?;
            }
            Ok(Verdict::Decided(state))
        })
    }
}
