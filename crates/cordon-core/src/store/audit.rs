//! The audit log: what Cordon did or was asked to do, one row per event, append-only.
//!
//! Rows are only ever inserted, inside the same transaction as the change they
//! describe (so a job item's state and its audit row cannot disagree after a crash);
//! triggers make SQLite itself refuse `UPDATE` and `DELETE` on the table (D-6). Item
//! rows carry `from_state`/`to_state`, one row per transition (D-1 (d)).

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::{SqliteStore, ts};
use crate::dto::jobs::{AuditEntry, AuditFilter, AuditPage, page_of};
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

impl SqliteStore {
    /// Appends one row in its own transaction.
    pub fn audit_append(&self, at: DateTime<Utc>, row: &NewAudit) -> Result<()> {
        self.write(|tx| append(tx, at, row))
    }

    /// One page of the entries matching `filter` (its `offset`/`limit`, defaulted and
    /// capped by [`page_of`]), counted from the newest end; the page's entries are
    /// oldest first. `since`/`until` are already parsed.
    ///
    /// Without a text filter the page is read with SQL `LIMIT`/`OFFSET` and the total
    /// with `COUNT(*)`. The text filter matches case-insensitively (Unicode, as it
    /// always has), so it is applied in Rust over a cursor, newest first: only the
    /// page is kept in memory, never the whole log.
    pub fn audit_page(
        &self,
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<AuditPage> {
        let (offset, limit) = page_of(filter.offset, filter.limit);
        let conn = self.conn();
        let bounds = params![since.map(ts), until.map(ts), filter.job_id];
        let mut entries = Vec::new();
        let total = match needle(filter) {
            None => {
                let total: u32 = conn
                    .prepare_cached(&format!("SELECT COUNT(*) FROM audit WHERE {WHERE}"))?
                    .query_row(bounds, |r| r.get(0))?;
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM audit WHERE {WHERE} ORDER BY seq DESC LIMIT ?4 OFFSET ?5"
                ))?;
                let rows = stmt.query_map(
                    params![since.map(ts), until.map(ts), filter.job_id, limit, offset],
                    entry,
                )?;
                for row in rows {
                    entries.push(row?);
                }
                total
            }
            Some(t) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM audit WHERE {WHERE} ORDER BY seq DESC"
                ))?;
                let mut rows = stmt.query(bounds)?;
                let mut total: u32 = 0;
                while let Some(r) = rows.next()? {
                    keep_hit(entry(r)?, &t, (offset, limit), &mut total, &mut entries);
                }
                total
            }
        };
        entries.reverse();
        Ok(AuditPage {
            entries,
            total,
            offset,
            limit,
        })
    }

    /// Every entry matching `filter` (its `offset`/`limit` ignored), oldest first,
    /// handed to `visit` one by one as the cursor reads them (the exports).
    pub fn audit_each(
        &self,
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        mut visit: impl FnMut(AuditEntry) -> Result<()>,
    ) -> Result<()> {
        let text = needle(filter);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit WHERE {WHERE} ORDER BY seq"
        ))?;
        let mut rows = stmt.query(params![since.map(ts), until.map(ts), filter.job_id])?;
        while let Some(r) = rows.next()? {
            let e = entry(r)?;
            if text.as_deref().is_none_or(|t| hit(&e, t)) {
                visit(e)?;
            }
        }
        Ok(())
    }
}

/// The entry's columns, and its machine's name: the cached machine's DNS name, else
/// the name the job item recorded when it was planned (a machine since gone).
pub(crate) const COLUMNS: &str =
    "seq, at, actor, event, job_id, machine_id, comment, action_id, detail,
     COALESCE(
       (SELECT json_extract(m.json, '$.computerDnsName') FROM machines m
         WHERE m.id = audit.machine_id),
       (SELECT i.machine_name FROM job_items i
         WHERE i.job_id = audit.job_id AND i.machine_id = audit.machine_id))";
const WHERE: &str = "(?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at <= ?2)
                     AND (?3 IS NULL OR job_id = ?3)";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
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
        machine_name: r.get(9)?,
    })
}

/// The text filter, trimmed and lowercased; `None` when empty.
pub(crate) fn needle(filter: &AuditFilter) -> Option<String> {
    filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// Whether `t` (lowercase) is in the actor, event, machine (id or name), comment,
/// detail or action.
/// The text filter's page, newest first: counts `e` when it matches `t` and keeps it
/// when it falls inside `(offset, limit)` (both engines page the same way).
pub(crate) fn keep_hit(
    e: AuditEntry,
    t: &str,
    (offset, limit): (u32, u32),
    total: &mut u32,
    page: &mut Vec<AuditEntry>,
) {
    if !hit(&e, t) {
        return;
    }
    if *total >= offset && *total - offset < limit {
        page.push(e);
    }
    *total = total.saturating_add(1);
}

pub(crate) fn hit(e: &AuditEntry, t: &str) -> bool {
    [
        Some(&e.actor),
        Some(&e.event),
        e.machine_id.as_ref(),
        e.machine_name.as_ref(),
        e.comment.as_ref(),
        Some(&e.detail),
        e.action_id.as_ref(),
    ]
    .into_iter()
    .flatten()
    .any(|f| f.to_lowercase().contains(t))
}
