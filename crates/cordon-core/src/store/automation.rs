//! The isolation rule's memory: its settings, the pause switch and the breaker, the
//! alerts it has seen (deduplication across restarts), its runs and decisions, and
//! suppressed detections. One round of the rule commits in one transaction: the
//! alerts it saw, its decisions, the proposals and jobs they made and their audit
//! rows, and the new watermark — so a crash leaves the round wholly done or not at
//! all, and an alert is never taken twice nor lost.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::audit::{NewAudit, append};
use super::automation_rows::{
    breaker_audit, decision_audit, decision_kind, dry_run_of, dry_run_since, suppressed_audit,
};
use super::jobs::insert_job;
use super::proposals::insert_proposal;
use super::rows::{JobRow, NewItem, NewJob};
use super::{SqliteStore, parse_ts, ts};
use crate::dto::automation::{
    BreakerState, DecisionKind, DryRunRecord, Proposal, RuleDecision, RuleMode, RuleSettings,
    Suppression,
};
use crate::error::Result;

pub(crate) const RULE: &str = "rule";
pub(crate) const BREAKER: &str = "rule_breaker";
pub(crate) const PAUSED: &str = "automation_paused";
pub(crate) const WATERMARK: &str = "rule_watermark";
pub(crate) const LAST_RUN: &str = "rule_last_run";

/// The `source` prefix of the jobs the rule starts.
pub const RULE_SOURCE: &str = "rule:";

/// True when `job` was started by the rule (the automation's pause holds it).
pub(crate) fn rule_started(job: &JobRow) -> bool {
    job.source
        .as_deref()
        .is_some_and(|s| s.starts_with(RULE_SOURCE))
}

/// True when `job` was started by the rule and automation is paused (S-6).
pub(crate) fn held_by_pause(tx: &Transaction<'_>, job: &JobRow) -> Result<bool> {
    if !rule_started(job) {
        return Ok(false);
    }
    let v: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [PAUSED], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.as_deref() == Some("1"))
}

fn put_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn put_setting(tx: &Transaction<'_>, key: &str, json: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO settings (key, json) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET json = excluded.json",
        params![key, json],
    )?;
    Ok(())
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| crate::error::CoreError::Storage(e.to_string()))
}

/// One decision of a round, with what it made.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub alert_id: String,
    pub machine_id: String,
    pub machine_name: Option<String>,
    pub kind: DecisionKind,
    pub reason: String,
    pub alert_title: Option<String>,
    pub job: Option<(NewJob, NewItem)>,
    pub proposal: Option<Proposal>,
}

/// One round of the rule, as committed.
#[derive(Debug, Clone)]
pub struct Round {
    pub at: DateTime<Utc>,
    pub mode: RuleMode,
    pub actor: String,
    /// The rule's identity (its object id) as proposer of what it queues.
    pub actor_oid: String,
    /// Every alert fetched this round that was not seen before (id, creation time).
    pub seen: Vec<(String, Option<DateTime<Utc>>)>,
    pub decisions: Vec<DecisionRow>,
    pub watermark: Option<DateTime<Utc>>,
    /// Set when the round opened the breaker.
    pub breaker: Option<BreakerState>,
    /// Seen ids older than this are forgotten (longer than the overlap).
    pub forget_before: DateTime<Utc>,
}

impl SqliteStore {
    /// The rule's settings (the defaults until saved: dry run, S-4).
    pub fn rule_settings(&self) -> Result<RuleSettings> {
        Ok(self.setting(RULE)?.unwrap_or_default())
    }

    /// Saves the settings with the audit row that says who changed what.
    pub fn save_rule(&self, s: &RuleSettings, audit: &NewAudit, now: DateTime<Utc>) -> Result<()> {
        let j = json(s)?;
        self.write(|tx| {
            put_setting(tx, RULE, &j)?;
            append(tx, now, audit)
        })
    }

    pub fn automation_paused(&self) -> Result<bool> {
        Ok(self.meta(PAUSED)?.as_deref() == Some("1"))
    }

    pub fn set_paused(&self, paused: bool, audit: &NewAudit, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            put_meta(tx, PAUSED, if paused { "1" } else { "0" })?;
            append(tx, now, audit)
        })
    }

    pub fn breaker(&self) -> Result<BreakerState> {
        Ok(self.setting(BREAKER)?.unwrap_or_default())
    }

    pub fn set_breaker(
        &self,
        b: &BreakerState,
        audit: &NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let j = json(b)?;
        self.write(|tx| {
            put_setting(tx, BREAKER, &j)?;
            append(tx, now, audit)
        })
    }

    pub fn rule_watermark(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.meta(WATERMARK)?.as_deref().map(parse_ts))
    }

    pub fn rule_last_run(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.meta(LAST_RUN)?.as_deref().map(parse_ts))
    }

    /// The ids among `ids` the rule has already taken.
    pub fn seen_alerts(&self, ids: &[String]) -> Result<HashSet<String>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached("SELECT 1 FROM rule_seen WHERE alert_id = ?1")?;
        let mut out = HashSet::new();
        for id in ids {
            if q.exists([id])? {
                out.insert(id.clone());
            }
        }
        Ok(out)
    }

    /// Commits a round: seen alerts, decisions (with their audit rows), proposals,
    /// jobs, the watermark and the breaker, in one transaction. Seen ids that fell
    /// out of the overlap are forgotten in the same transaction.
    pub fn commit_round(&self, r: &Round) -> Result<()> {
        self.ensure_sound()?;
        self.write(|tx| {
            let at = ts(r.at);
            let mut seen = tx.prepare_cached(
                "INSERT OR IGNORE INTO rule_seen (alert_id, created, seen_at) VALUES (?1, ?2, ?3)",
            )?;
            for (id, created) in &r.seen {
                seen.execute(params![id, created.map(ts), at])?;
            }
            tx.execute(
                "INSERT INTO rule_runs (at, mode, alerts, decisions) VALUES (?1, ?2, ?3, ?4)",
                params![
                    at,
                    r.mode.as_str(),
                    r.seen.len() as u32,
                    r.decisions.len() as u32
                ],
            )?;
            for d in &r.decisions {
                record_decision(tx, r, d)?;
            }
            if let Some(w) = r.watermark {
                put_meta(tx, WATERMARK, &ts(w))?;
            }
            put_meta(tx, LAST_RUN, &at)?;
            if let Some(b) = &r.breaker {
                put_setting(tx, BREAKER, &json(b)?)?;
                append(tx, r.at, &breaker_audit(r, b))?;
            }
            tx.execute(
                "DELETE FROM rule_seen WHERE seen_at < ?1",
                [ts(r.forget_before)],
            )?;
            Ok(())
        })
    }

    /// Machines with an isolate item still open in a running job (committed, not
    /// yet answered): an isolation under way that Defender may not list yet (S-10).
    pub fn open_isolation_machines(&self) -> Result<HashSet<String>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT DISTINCT i.machine_id FROM job_items i JOIN jobs j ON j.id = i.job_id
             WHERE j.kind = 'isolate' AND j.state IN ('running', 'halted')
               AND i.state IN ('planned', 'sending', 'unknown')",
        )?;
        let rows = q.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Items of unfinished (running or halted) jobs by state, for the agent's metrics.
    pub fn open_items_by_state(&self) -> Result<Vec<(String, u32)>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT i.state, COUNT(*) FROM job_items i JOIN jobs j ON j.id = i.job_id
             WHERE j.state IN ('running', 'halted') GROUP BY i.state ORDER BY i.state",
        )?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// True when `job_id` is a rule-started job held by the pause (S-6).
    pub fn held(&self, job: &JobRow) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        held_by_pause(&tx, job)
    }

    /// The rule's isolations since `since` (machine id, when).
    pub fn rule_isolations_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT machine_id, at FROM rule_decisions WHERE decision = 'isolated' AND at > ?1",
        )?;
        let rows = q.query_map([ts(since)], |r| {
            Ok((r.get::<_, String>(0)?, parse_ts(&r.get::<_, String>(1)?)))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Approved isolation proposals since `since` (they count toward the ceiling).
    pub fn approved_isolations_since(&self, since: DateTime<Utc>) -> Result<u32> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM proposals
             WHERE state = 'approved' AND action = 'isolate' AND decided_at > ?1",
            [ts(since)],
            |r| r.get(0),
        )?)
    }

    /// The decisions since `since`, newest first, at most `limit`.
    pub fn rule_decisions(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<RuleDecision>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT alert_id, machine_id, machine_name, decision, reason, at, job_id,
                    proposal_id, alert_title
             FROM rule_decisions WHERE at >= ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = q.query_map(params![ts(since), limit], decision_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The latest decision for each of `alert_ids`.
    pub fn decisions_for(&self, alert_ids: &[String]) -> Result<HashMap<String, RuleDecision>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT alert_id, machine_id, machine_name, decision, reason, at, job_id,
                    proposal_id, alert_title
             FROM rule_decisions WHERE alert_id = ?1 ORDER BY seq DESC LIMIT 1",
        )?;
        let mut out = HashMap::new();
        for id in alert_ids {
            if let Some(d) = q.query_row([id], decision_row).optional()? {
                out.insert(id.clone(), d);
            }
        }
        Ok(out)
    }

    /// What dry run recorded in the last `days` days (S-4's record).
    pub fn dry_run_record(&self, now: DateTime<Utc>, days: u32) -> Result<DryRunRecord> {
        let since = dry_run_since(now, days);
        let conn = self.conn();
        let count = |decision: &str| -> Result<u32> {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM rule_decisions WHERE mode = 'dry-run' AND decision = ?1 AND at >= ?2",
                params![decision, since],
                |r| r.get(0),
            )?)
        };
        let would_isolate = count("would-isolate")?;
        let skipped = count("skipped")?;
        let queued = count("queued")?;
        let evaluations: u32 = conn.query_row(
            "SELECT COUNT(*) FROM rule_runs WHERE mode = 'dry-run' AND at >= ?1",
            [&since],
            |r| r.get(0),
        )?;
        // How long the rule has been in dry run: from its first dry-run evaluation (of
        // any age), in started days (an hourly rule evaluated for a week has 7).
        let first: Option<String> = conn.query_row(
            "SELECT MIN(at) FROM rule_runs WHERE mode = 'dry-run'",
            [],
            |r| r.get(0),
        )?;
        Ok(dry_run_of(
            now,
            first.as_deref(),
            evaluations,
            would_isolate,
            skipped,
            queued,
        ))
    }

    /// Suppresses a detection until `until` (replacing an earlier suppression of it).
    pub fn suppress(&self, s: &Suppression, now: DateTime<Utc>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO suppressions (kind, value, until, by, reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(kind, value) DO UPDATE SET until = excluded.until,
                    by = excluded.by, reason = excluded.reason, created_at = excluded.created_at",
                params![s.kind, s.value, s.until, s.by, s.reason, ts(now)],
            )?;
            append(tx, now, &suppressed_audit(s))
        })
    }

    /// The suppressions still in force at `now`.
    pub fn suppressions(&self, now: DateTime<Utc>) -> Result<Vec<Suppression>> {
        let conn = self.conn();
        let mut q = conn.prepare_cached(
            "SELECT kind, value, until, by, reason FROM suppressions WHERE until > ?1
             ORDER BY until, kind, value",
        )?;
        let rows = q.query_map([ts(now)], |r| {
            Ok(Suppression {
                kind: r.get(0)?,
                value: r.get(1)?,
                until: r.get(2)?,
                by: r.get(3)?,
                reason: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

fn record_decision(tx: &Transaction<'_>, r: &Round, d: &DecisionRow) -> Result<()> {
    let job_id = d.job.as_ref().map(|(j, _)| j.id.clone());
    let proposal_id = d.proposal.as_ref().map(|p| p.id.clone());
    tx.prepare_cached(
        "INSERT INTO rule_decisions (at, alert_id, machine_id, machine_name, decision, reason,
                                     mode, job_id, proposal_id, alert_title)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        ts(r.at),
        d.alert_id,
        d.machine_id,
        d.machine_name,
        d.kind.as_str(),
        d.reason,
        r.mode.as_str(),
        job_id,
        proposal_id,
        d.alert_title
    ])?;
    append(tx, r.at, &decision_audit(r, d))?;
    if let Some(p) = &d.proposal {
        insert_proposal(tx, p, &r.actor_oid, r.at)?;
    }
    if let Some((job, item)) = &d.job {
        insert_job(tx, job, std::slice::from_ref(item), r.at)?;
    }
    Ok(())
}

fn decision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RuleDecision> {
    let kind: String = r.get(3)?;
    Ok(RuleDecision {
        alert_id: r.get(0)?,
        machine_id: r.get(1)?,
        machine_name: r.get(2)?,
        decision: decision_kind(&kind),
        reason: r.get(4)?,
        at: r.get(5)?,
        job_id: r.get(6)?,
        proposal_id: r.get(7)?,
        alert_title: r.get(8)?,
    })
}
