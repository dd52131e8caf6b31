//! What the rule and its views read back from the team store (SQLite's
//! `store/automation.rs`): open isolations, its decisions, the dry-run record, and the
//! suppressed detections (written here too, with their audit row).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use super::PgStore;
use super::audit::append;
use super::sql::{count, exec, get, one, rows};
use crate::dto::automation::{DryRunRecord, RuleDecision, Suppression};
use crate::error::Result;
use crate::store::automation_rows::{decision_kind, dry_run_of, dry_run_since, suppressed_audit};
use crate::store::{parse_ts, ts};

const DECISION_COLS: &str = "alert_id, machine_id, machine_name, decision, reason, at, job_id,
                             proposal_id, alert_title";

fn decision_row(r: &Row) -> Result<RuleDecision> {
    Ok(RuleDecision {
        alert_id: get(r, 0)?,
        machine_id: get(r, 1)?,
        machine_name: get(r, 2)?,
        decision: decision_kind(get(r, 3)?),
        reason: get(r, 4)?,
        at: get(r, 5)?,
        job_id: get(r, 6)?,
        proposal_id: get(r, 7)?,
        alert_title: get(r, 8)?,
    })
}

impl PgStore {
    /// Machines with an isolate item still open in a running job (committed, not
    /// yet answered): an isolation under way that Defender may not list yet (S-10).
    pub fn open_isolation_machines(&self) -> Result<HashSet<String>> {
        self.run(|c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT DISTINCT i.machine_id FROM job_items i JOIN jobs j ON j.id = i.job_id
                     WHERE j.kind = 'isolate' AND j.state IN ('running', 'halted')
                       AND i.state IN ('planned', 'sending', 'unknown')",
                    &[],
                )
                .await?
                .iter()
                .map(|r| get(r, 0))
                .collect()
            })
        })
    }

    /// Items of unfinished (running or halted) jobs by state, for the agent's metrics.
    pub fn open_items_by_state(&self) -> Result<Vec<(String, u32)>> {
        self.run(|c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT i.state, COUNT(*) FROM job_items i JOIN jobs j ON j.id = i.job_id
                     WHERE j.state IN ('running', 'halted') GROUP BY i.state ORDER BY i.state",
                    &[],
                )
                .await?
                .iter()
                .map(|r| Ok((get(r, 0)?, count(r, 1)?)))
                .collect()
            })
        })
    }

    /// The rule's isolations since `since` (machine id, when), in the order decided.
    pub fn rule_isolations_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        self.run(move |c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT machine_id, at FROM rule_decisions
                     WHERE decision = 'isolated' AND at > $1 ORDER BY seq",
                    &[&ts(since)],
                )
                .await?
                .iter()
                .map(|r| Ok((get(r, 0)?, parse_ts(get(r, 1)?))))
                .collect()
            })
        })
    }

    /// Approved isolation proposals since `since` (they count toward the ceiling).
    pub fn approved_isolations_since(&self, since: DateTime<Utc>) -> Result<u32> {
        self.run(move |c| {
            Box::pin(async move {
                let r = one(
                    &*c,
                    "SELECT COUNT(*) FROM proposals
                     WHERE state = 'approved' AND action = 'isolate' AND decided_at > $1",
                    &[&ts(since)],
                )
                .await?;
                count(&r, 0)
            })
        })
    }

    /// The decisions since `since`, newest first, at most `limit`.
    pub fn rule_decisions(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<RuleDecision>> {
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {DECISION_COLS} FROM rule_decisions WHERE at >= $1
                     ORDER BY seq DESC LIMIT $2"
                );
                rows(&*c, &sql, &[&ts(since), &i64::from(limit)])
                    .await?
                    .iter()
                    .map(decision_row)
                    .collect()
            })
        })
    }

    /// The latest decision for each of `alert_ids`.
    pub fn decisions_for(&self, alert_ids: &[String]) -> Result<HashMap<String, RuleDecision>> {
        if alert_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let ids = alert_ids.to_vec();
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT DISTINCT ON (alert_id) {DECISION_COLS} FROM rule_decisions
                     WHERE alert_id = ANY($1) ORDER BY alert_id, seq DESC"
                );
                rows(&*c, &sql, &[&ids])
                    .await?
                    .iter()
                    .map(|r| decision_row(r).map(|d| (d.alert_id.clone(), d)))
                    .collect()
            })
        })
    }

    /// What dry run recorded in the last `days` days (S-4's record).
    pub fn dry_run_record(&self, now: DateTime<Utc>, days: u32) -> Result<DryRunRecord> {
        let since = dry_run_since(now, days);
        self.run(move |c| {
            Box::pin(async move {
                let r = one(
                    &*c,
                    "SELECT
                       (SELECT COUNT(*) FROM rule_decisions
                         WHERE mode = 'dry-run' AND decision = 'would-isolate' AND at >= $1),
                       (SELECT COUNT(*) FROM rule_decisions
                         WHERE mode = 'dry-run' AND decision = 'skipped' AND at >= $1),
                       (SELECT COUNT(*) FROM rule_decisions
                         WHERE mode = 'dry-run' AND decision = 'queued' AND at >= $1),
                       (SELECT COUNT(*) FROM rule_runs WHERE mode = 'dry-run' AND at >= $1),
                       (SELECT MIN(at) FROM rule_runs WHERE mode = 'dry-run')",
                    &[&since],
                )
                .await?;
                let first: Option<&str> = get(&r, 4)?;
                Ok(dry_run_of(
                    now,
                    first,
                    count(&r, 3)?,
                    count(&r, 0)?,
                    count(&r, 1)?,
                    count(&r, 2)?,
                ))
            })
        })
    }

    /// Suppresses a detection until `until` (replacing an earlier suppression of it).
    pub fn suppress(&self, s: &Suppression, now: DateTime<Utc>) -> Result<()> {
        let s = s.clone();
        self.transaction(move |tx| {
            Box::pin(async move {
                exec(
                    tx,
                    "INSERT INTO suppressions (kind, value, until, by, reason, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (kind, value) DO UPDATE SET until = excluded.until,
                        by = excluded.by, reason = excluded.reason, created_at = excluded.created_at",
                    &[&s.kind, &s.value, &s.until, &s.by, &s.reason, &ts(now)],
                )
                .await?;
                append(tx, now, &suppressed_audit(&s)).await
            })
        })
    }

    /// The suppressions still in force at `now`.
    pub fn suppressions(&self, now: DateTime<Utc>) -> Result<Vec<Suppression>> {
        self.run(move |c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT kind, value, until, by, reason FROM suppressions
                     WHERE until > $1 ORDER BY until, kind, value",
                    &[&ts(now)],
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(Suppression {
                        kind: get(r, 0)?,
                        value: get(r, 1)?,
                        until: get(r, 2)?,
                        by: get(r, 3)?,
                        reason: get(r, 4)?,
                    })
                })
                .collect()
            })
        })
    }
}
