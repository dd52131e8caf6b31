//! The isolation rule's memory in the team store (SQLite's `store/automation.rs`): its
//! settings, the pause and the breaker, the alerts it has seen, and its rounds. One
//! round commits in one transaction: seen alerts, decisions with their audit rows, the
//! proposals and jobs they made, the watermark and the breaker. The reads of its
//! decisions, dry-run record and suppressions are in [`super::rule_reads`].

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;

use super::PgStore;
use super::audit::append;
use super::cache::{meta_in, put_meta, put_setting};
use super::jobs::insert_job;
use super::proposals::insert_proposal;
use super::sql::{exec, get, rows};
use crate::dto::automation::{BreakerState, RuleSettings};
use crate::error::Result;
use crate::store::audit::NewAudit;
use crate::store::automation::{
    BREAKER, DecisionRow, LAST_RUN, PAUSED, RULE, Round, WATERMARK, json, rule_started,
};
use crate::store::automation_rows::{breaker_audit, decision_audit};
use crate::store::cache::decode_setting;
use crate::store::rows::JobRow;
use crate::store::{parse_ts, ts};

/// True when `job` was started by the rule and automation is paused (S-6), read on
/// `c` (a claim reads it in its own transaction).
pub(super) async fn held_by_pause(c: &impl GenericClient, job: &JobRow) -> Result<bool> {
    if !rule_started(job) {
        return Ok(false);
    }
    Ok(meta_in(c, PAUSED).await?.as_deref() == Some("1"))
}

async fn record_decision(c: &impl GenericClient, r: &Round, d: &DecisionRow) -> Result<()> {
    let job_id = d.job.as_ref().map(|(j, _)| j.id.clone());
    let proposal_id = d.proposal.as_ref().map(|p| p.id.clone());
    exec(
        c,
        "INSERT INTO rule_decisions (at, alert_id, machine_id, machine_name, decision, reason,
                                     mode, job_id, proposal_id, alert_title)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &ts(r.at),
            &d.alert_id,
            &d.machine_id,
            &d.machine_name,
            &d.kind.as_str(),
            &d.reason,
            &r.mode.as_str(),
            &job_id,
            &proposal_id,
            &d.alert_title,
        ],
    )
    .await?;
    append(c, r.at, &decision_audit(r, d)).await?;
    if let Some(p) = &d.proposal {
        insert_proposal(c, p, &r.actor_oid, r.at).await?;
    }
    if let Some((job, item)) = &d.job {
        insert_job(c, job, std::slice::from_ref(item), r.at).await?;
    }
    Ok(())
}

impl PgStore {
    /// A setting decoded; `None` when never set.
    fn setting<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        decode_setting(key, self.setting_json(key)?)
    }

    /// Writes a setting and its audit row in one transaction.
    fn put_setting_audited(
        &self,
        key: &'static str,
        json: String,
        audit: &NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let audit = audit.clone();
        self.transaction(move |tx| {
            Box::pin(async move {
                put_setting(tx, key, &json).await?;
                append(tx, now, &audit).await
            })
        })
    }

    /// The rule's settings (the defaults until saved: dry run, S-4).
    pub fn rule_settings(&self) -> Result<RuleSettings> {
        Ok(self.setting(RULE)?.unwrap_or_default())
    }

    /// Saves the settings with the audit row that says who changed what.
    pub fn save_rule(&self, s: &RuleSettings, audit: &NewAudit, now: DateTime<Utc>) -> Result<()> {
        self.put_setting_audited(RULE, json(s)?, audit, now)
    }

    pub fn automation_paused(&self) -> Result<bool> {
        Ok(self.meta(PAUSED)?.as_deref() == Some("1"))
    }

    pub fn set_paused(&self, paused: bool, audit: &NewAudit, now: DateTime<Utc>) -> Result<()> {
        let audit = audit.clone();
        self.transaction(move |tx| {
            Box::pin(async move {
                put_meta(tx, PAUSED, if paused { "1" } else { "0" }).await?;
                append(tx, now, &audit).await
            })
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
        self.put_setting_audited(BREAKER, json(b)?, audit, now)
    }

    pub fn rule_watermark(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.meta(WATERMARK)?.as_deref().map(parse_ts))
    }

    pub fn rule_last_run(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self.meta(LAST_RUN)?.as_deref().map(parse_ts))
    }

    /// The ids among `ids` the rule has already taken.
    pub fn seen_alerts(&self, ids: &[String]) -> Result<HashSet<String>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let ids = ids.to_vec();
        self.run(move |c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT alert_id FROM rule_seen WHERE alert_id = ANY($1)",
                    &[&ids],
                )
                .await?
                .iter()
                .map(|r| get(r, 0))
                .collect()
            })
        })
    }

    /// Commits a round: seen alerts, decisions (with their audit rows), proposals,
    /// jobs, the watermark and the breaker, in one transaction. Seen ids that fell
    /// out of the overlap are forgotten in the same transaction.
    pub fn commit_round(&self, r: &Round) -> Result<()> {
        let r = r.clone();
        self.transaction(move |tx| {
            Box::pin(async move {
                let at = ts(r.at);
                for (id, created) in &r.seen {
                    exec(
                        tx,
                        "INSERT INTO rule_seen (alert_id, created, seen_at) VALUES ($1, $2, $3)
                         ON CONFLICT (alert_id) DO NOTHING",
                        &[id, &created.map(ts), &at],
                    )
                    .await?;
                }
                exec(
                    tx,
                    "INSERT INTO rule_runs (at, mode, alerts, decisions) VALUES ($1, $2, $3, $4)",
                    &[
                        &at,
                        &r.mode.as_str(),
                        &(r.seen.len() as i64),
                        &(r.decisions.len() as i64),
                    ],
                )
                .await?;
                for d in &r.decisions {
                    record_decision(tx, &r, d).await?;
                }
                if let Some(w) = r.watermark {
                    put_meta(tx, WATERMARK, &ts(w)).await?;
                }
                put_meta(tx, LAST_RUN, &at).await?;
                if let Some(b) = &r.breaker {
                    put_setting(tx, BREAKER, &json(b)?).await?;
                    append(tx, r.at, &breaker_audit(&r, b)).await?;
                }
                exec(
                    tx,
                    "DELETE FROM rule_seen WHERE seen_at < $1",
                    &[&ts(r.forget_before)],
                )
                .await?;
                Ok(())
            })
        })
    }

    /// True when `job` is a rule-started job held by the pause (S-6).
    pub fn held(&self, job: &JobRow) -> Result<bool> {
        let job = job.clone();
        self.run(move |c| Box::pin(async move { held_by_pause(&*c, &job).await }))
    }
}
