//! The audit log in the team store: appended inside the transaction of the change it
//! describes, as in SQLite; the engine's trigger refuses `UPDATE`, `DELETE` and
//! `TRUNCATE` (migration 1) and stamps `db_user`.
//!
//! Reading: a page without a text filter is SQL `LIMIT`/`OFFSET` and `COUNT(*)` in one
//! snapshot (`REPEATABLE READ`). The text filter matches case-insensitively in Unicode,
//! as SQLite's engine does (PostgreSQL's `lower()` under the `C` collation folds only
//! ASCII), so it is applied in Rust over chunks of [`CHUNK`] rows read newest first:
//! only the page is kept, never the whole log. The exports read in chunks too, oldest
//! first, each handed to the visitor on the caller's thread.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use super::sql::{Param, count, exec, get, one, rows};
use crate::dto::jobs::{AuditEntry, AuditFilter, AuditPage, page_of};
use crate::error::Result;
use crate::store::audit::{NewAudit, hit, keep_hit, needle};
use crate::store::contract::AuditVisit;
use crate::store::ts;

/// Rows read at once when the text filter or an export walks the log.
const CHUNK: i64 = 500;

/// The entry's columns, and its machine's name as SQLite's engine resolves it: the
/// cached machine's DNS name, else the name its job item recorded.
const COLUMNS: &str = "seq, at, actor, event, job_id, machine_id, comment, action_id, detail,
     COALESCE(
       (SELECT m.json::jsonb ->> 'computerDnsName' FROM machines m
         WHERE m.id = audit.machine_id),
       (SELECT i.machine_name FROM job_items i
         WHERE i.job_id = audit.job_id AND i.machine_id = audit.machine_id))";

/// The filter's bounds: since ($1), until ($2), job ($3).
const WHERE: &str = "($1::text IS NULL OR at >= $1) AND ($2::text IS NULL OR at <= $2)
                     AND ($3::text IS NULL OR job_id = $3)";

/// Appends `row` at `at` on `c` (inside the caller's transaction).
pub(super) async fn append(
    c: &impl GenericClient,
    at: DateTime<Utc>,
    row: &NewAudit,
) -> Result<()> {
    exec(
        c,
        "INSERT INTO audit (at, actor, event, job_id, machine_id, action_id, comment,
                            from_state, to_state, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &ts(at),
            &row.actor,
            &row.event,
            &row.job_id,
            &row.machine_id,
            &row.action_id,
            &row.comment,
            &row.from_state,
            &row.to_state,
            &row.detail,
        ],
    )
    .await?;
    Ok(())
}

fn entry(r: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: count(r, 0)?,
        at: get(r, 1)?,
        actor: get(r, 2)?,
        event: get(r, 3)?,
        job_id: get(r, 4)?,
        machine_id: get(r, 5)?,
        comment: get(r, 6)?,
        action_id: get(r, 7)?,
        detail: get(r, 8)?,
        machine_name: get(r, 9)?,
    })
}

/// The filter's bounds as owned parameters.
#[derive(Clone)]
struct Bounds {
    since: Option<String>,
    until: Option<String>,
    job_id: Option<String>,
}

impl Bounds {
    fn of(
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Self {
        Bounds {
            since: since.map(ts),
            until: until.map(ts),
            job_id: filter.job_id.clone(),
        }
    }
}

/// Up to [`CHUNK`] entries within `b`, past `after` (a `seq`) in the direction asked:
/// newest first (`seq < after`) or oldest first (`seq > after`).
async fn chunk(
    c: &impl GenericClient,
    b: &Bounds,
    after: Option<i64>,
    newest_first: bool,
) -> Result<Vec<AuditEntry>> {
    let sql = if newest_first {
        format!(
            "SELECT {COLUMNS} FROM audit WHERE {WHERE} AND ($4::bigint IS NULL OR seq < $4)
             ORDER BY seq DESC LIMIT $5"
        )
    } else {
        format!(
            "SELECT {COLUMNS} FROM audit WHERE {WHERE} AND ($4::bigint IS NULL OR seq > $4)
             ORDER BY seq LIMIT $5"
        )
    };
    let p: [Param<'_>; 5] = [&b.since, &b.until, &b.job_id, &after, &CHUNK];
    rows(c, &sql, &p).await?.iter().map(entry).collect()
}

impl PgStore {
    /// Appends one row in its own transaction.
    pub fn audit_append(&self, at: DateTime<Utc>, row: &NewAudit) -> Result<()> {
        let row = row.clone();
        self.transaction(move |tx| Box::pin(async move { append(tx, at, &row).await }))
    }

    /// One page of the entries matching `filter`, counted from the newest end; the
    /// page's entries are oldest first (SQLite's engine's reading).
    pub fn audit_page(
        &self,
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<AuditPage> {
        let (offset, limit) = page_of(filter.offset, filter.limit);
        let b = Bounds::of(filter, since, until);
        let text = needle(filter);
        self.transaction(move |tx| {
            Box::pin(async move {
                tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?;
                let mut entries = Vec::new();
                let total = match text {
                    None => {
                        let p: [Param<'_>; 3] = [&b.since, &b.until, &b.job_id];
                        let sql = format!("SELECT COUNT(*) FROM audit WHERE {WHERE}");
                        let total = count(&one(tx, &sql, &p).await?, 0)?;
                        let sql = format!(
                            "SELECT {COLUMNS} FROM audit WHERE {WHERE}
                             ORDER BY seq DESC LIMIT $4 OFFSET $5"
                        );
                        let (lim, off) = (i64::from(limit), i64::from(offset));
                        let p: [Param<'_>; 5] = [&b.since, &b.until, &b.job_id, &lim, &off];
                        for r in rows(tx, &sql, &p).await? {
                            entries.push(entry(&r)?);
                        }
                        total
                    }
                    Some(t) => {
                        let mut total: u32 = 0;
                        let mut after = None;
                        loop {
                            let part = chunk(tx, &b, after, true).await?;
                            let Some(last) = part.last() else { break };
                            after = Some(i64::from(last.seq));
                            for e in part {
                                keep_hit(e, &t, (offset, limit), &mut total, &mut entries);
                            }
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
            })
        })
    }

    /// Every entry matching `filter` (its `offset`/`limit` ignored), oldest first,
    /// handed to `visit` chunk by chunk. Entries appended after the export began are
    /// left out (it reads up to the newest `seq` it saw first).
    pub fn audit_each(
        &self,
        filter: &AuditFilter,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        visit: AuditVisit<'_>,
    ) -> Result<()> {
        let text = needle(filter);
        let b = Bounds::of(filter, since, until);
        let newest: Option<i64> = self.run(|c| {
            Box::pin(async move { get(&one(&*c, "SELECT MAX(seq) FROM audit", &[]).await?, 0) })
        })?;
        let Some(newest) = newest else {
            return Ok(());
        };
        let mut after = None;
        loop {
            let b = b.clone();
            let part =
                self.run(move |c| Box::pin(async move { chunk(&*c, &b, after, false).await }))?;
            let Some(last) = part.last() else {
                return Ok(());
            };
            after = Some(i64::from(last.seq));
            for e in part {
                if i64::from(e.seq) > newest {
                    return Ok(());
                }
                if text.as_deref().is_none_or(|t| hit(&e, t)) {
                    visit(e)?;
                }
            }
        }
    }
}
