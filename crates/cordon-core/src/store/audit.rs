//! The audit log: what Cordon did or was asked to do, one row per event, append-only.
//!
//! Rows are only ever inserted, inside the same transaction as the change they
//! describe (so a job item's state and its audit row cannot disagree after a crash);
//! triggers make SQLite itself refuse `UPDATE` and `DELETE` on the table (D-6). Item
//! rows carry `from_state`/`to_state`, one row per transition (D-1 (d)).

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{Store, ts};
use crate::dto::jobs::{AuditEntry, AuditFilter};
use crate::error::Result;

/// One audit row to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub actor: String,
    pub event: String,
    pub job_id: Option<String>,
    pub machine_id: Option<String>,
    pub action_id: Option<String>,
    pub comment: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub detail: String,
}

/// Appends `row` at `at` inside `tx`.
pub(crate) fn append(tx: &Transaction<'_>, at: DateTime<Utc>, row: &NewAudit) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit (at, actor, event, job_id, machine_id, action_id, comment,
                            from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        ts(at),
        row.actor,
        row.event,
        row.job_id,
        row.machine_id,
        row.action_id,
        row.comment,
        row.from_state,
        row.to_state,
        row.detail
    ])?;
    Ok(())
}

impl Store {
    /// Appends one row in its own transaction.
    pub fn audit_append(&self, at: DateTime<Utc>, row: &NewAudit) -> Result<()> {
        self.write(|tx| append(tx, at, row))
    }

    /// Entries matching `filter`, oldest first. `since`/`until` are already parsed.
    pub fn audit_entries(
        &self,
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, event, job_id, machine_id, comment, action_id, detail
             FROM audit
             WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at <= ?2)
               AND (?3 IS NULL OR job_id = ?3)
             ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![since.map(ts), until.map(ts), filter.job_id], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                event: r.get(3)?,
                job_id: r.get(4)?,
                machine_id: r.get(5)?,
                comment: r.get(6)?,
                action_id: r.get(7)?,
                detail: r.get(8)?,
            })
        })?;
        let text = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase);
        let mut out = Vec::new();
        for row in rows {
            let e = row?;
            let hit = text.as_deref().is_none_or(|t| {
                [
                    Some(&e.actor),
                    Some(&e.event),
                    e.machine_id.as_ref(),
                    e.comment.as_ref(),
                    Some(&e.detail),
                    e.action_id.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|f| f.to_lowercase().contains(t))
            });
            if hit {
                out.push(e);
            }
        }
        Ok(out)
    }
}
