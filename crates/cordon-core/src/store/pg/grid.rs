//! The machine grid in the team store (SQLite's `store/grid.rs`), with the same SQL
//! (`grid_sql.rs`). The rows of a write go as arrays (`UNNEST`), one round trip however
//! large the fleet; the cursor's `meta` row is locked for the write, so two processes
//! refreshing at once take two cursors, one after the other.

use deadpool_postgres::GenericClient;
use mde_api::{Machine, MachineAction};

use super::PgStore;
use super::cache::{meta_in, put_meta};
use super::grid_columns::{columns, record_of};
use super::sql::{Param, exec, one, rows, u32_of};
use crate::dto::Counters;
use crate::dto::grid::{
    GRID_CHANGED_IDS, GRID_MAX_LIMIT, GridChanges, GridFilter, GridQuery, GridSort,
};
use crate::error::Result;
use crate::store::grid_sql::{
    self, Dialect, GRID_BASIS, GRID_BASIS_KEY, GRID_CURSOR, GridRecord, GridRows, GridWindow,
    SYNCED_AT,
};

fn params(p: &[String]) -> Vec<Param<'_>> {
    p.iter().map(|s| s as Param<'_>).collect()
}

async fn cursor_in(c: &impl GenericClient) -> Result<u32> {
    Ok(meta_in(c, GRID_CURSOR)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

const UPSERT: &str = "INSERT INTO grid
    (id, name, state, since, health, os, risk, exposure, value, grp, tags, last_seen, ip,
     label, risk_word, exposure_word, value_word, act, requestor, comment, version)
    SELECT u.*, $21::bigint FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[],
        $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[],
        $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
        $17::text[], $18::bigint[], $19::text[], $20::text[]) AS u
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, state = excluded.state,
        since = excluded.since, health = excluded.health, os = excluded.os,
        risk = excluded.risk, exposure = excluded.exposure, value = excluded.value,
        grp = excluded.grp, tags = excluded.tags, last_seen = excluded.last_seen,
        ip = excluded.ip, label = excluded.label, risk_word = excluded.risk_word,
        exposure_word = excluded.exposure_word, value_word = excluded.value_word,
        act = excluded.act, requestor = excluded.requestor, comment = excluded.comment,
        version = excluded.version
    WHERE (grid.name, grid.state, grid.since, grid.health, grid.os, grid.risk,
           grid.exposure, grid.value, grid.grp, grid.tags, grid.last_seen, grid.ip,
           grid.label, grid.risk_word, grid.exposure_word, grid.value_word, grid.act,
           grid.requestor, grid.comment)
       IS DISTINCT FROM (excluded.name, excluded.state, excluded.since, excluded.health,
           excluded.os, excluded.risk, excluded.exposure, excluded.value, excluded.grp,
           excluded.tags, excluded.last_seen, excluded.ip, excluded.label,
           excluded.risk_word, excluded.exposure_word, excluded.value_word, excluded.act,
           excluded.requestor, excluded.comment)";

/// A read-only `REPEATABLE READ` transaction: a window's count, rows and cursor (or a
/// whole list) read from one snapshot, however the sync writes meanwhile.
async fn snapshot(c: &mut deadpool_postgres::Client) -> Result<deadpool_postgres::Transaction<'_>> {
    Ok(c.build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?)
}

/// The grid's change cursor, its `meta` row made if missing and locked until the
/// transaction ends (every write of the grid takes the next value).
async fn lock_cursor(tx: &deadpool_postgres::Transaction<'_>) -> Result<u32> {
    exec(
        tx,
        "INSERT INTO meta (key, value) VALUES ($1, '0') ON CONFLICT (key) DO NOTHING",
        &[&GRID_CURSOR],
    )
    .await?;
    Ok(one(
        tx,
        "SELECT value FROM meta WHERE key = $1 FOR UPDATE",
        &[&GRID_CURSOR],
    )
    .await?
    .try_get::<_, String>(0)?
    .parse()
    .unwrap_or(0))
}

impl PgStore {
    /// SQLite's `save_grid`: only rows that differ move, stamped with the next cursor.
    pub fn save_grid(&self, rows: &[GridRecord], removed: &[String], rebuild: bool) -> Result<u32> {
        let c = columns(rows);
        let removed = removed.to_vec();
        self.transaction(move |tx| {
            Box::pin(async move {
                let cursor = lock_cursor(tx).await?;
                let next = cursor.wrapping_add(1);
                let v = i64::from(next);
                let mut changed = 0u64;
                if rebuild {
                    changed += exec(
                        tx,
                        "INSERT INTO grid_gone (id, version)
                         SELECT id, $2 FROM grid WHERE NOT (id = ANY($1))
                         ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                        &[&c.id, &v],
                    )
                    .await?;
                    exec(tx, "DELETE FROM grid WHERE NOT (id = ANY($1))", &[&c.id]).await?;
                }
                let gone = exec(
                    tx,
                    "WITH d AS (DELETE FROM grid WHERE id = ANY($1) RETURNING id)
                     INSERT INTO grid_gone (id, version) SELECT id, $2 FROM d
                     ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    &[&removed, &v],
                )
                .await?;
                changed += gone;
                changed += exec(
                    tx,
                    UPSERT,
                    &[
                        &c.id,
                        &c.name,
                        &c.state,
                        &c.since,
                        &c.health,
                        &c.os,
                        &c.risk,
                        &c.exposure,
                        &c.value,
                        &c.group,
                        &c.tags,
                        &c.last_seen,
                        &c.ip,
                        &c.label,
                        &c.risk_word,
                        &c.exposure_word,
                        &c.value_word,
                        &c.act,
                        &c.requestor,
                        &c.comment,
                        &v,
                    ],
                )
                .await?;
                exec(tx, "DELETE FROM grid_gone WHERE id = ANY($1)", &[&c.id]).await?;
                put_meta(tx, GRID_BASIS_KEY, GRID_BASIS).await?;
                if changed == 0 {
                    return Ok(cursor);
                }
                put_meta(tx, GRID_CURSOR, &next.to_string()).await?;
                Ok(next)
            })
        })
    }

    /// SQLite's `grid_age`.
    pub fn grid_age(&self, from: &str, to: &str) -> Result<u32> {
        let (from, to) = (from.to_owned(), to.to_owned());
        self.transaction(move |tx| {
            Box::pin(async move {
                let cursor = lock_cursor(tx).await?;
                let next = cursor.wrapping_add(1);
                let n = exec(
                    tx,
                    "UPDATE grid SET version = $3 WHERE state = 4 AND since > $1 AND since <= $2",
                    &[&from, &to, &i64::from(next)],
                )
                .await?;
                if n > 0 {
                    put_meta(tx, GRID_CURSOR, &next.to_string()).await?;
                }
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            })
        })
    }

    /// SQLite's `grid_window`, in one `REPEATABLE READ` snapshot.
    pub fn grid_window(&self, q: &GridQuery, cutoff: &str) -> Result<GridWindow> {
        let count = grid_sql::count(Dialect::Pg, &q.filter, cutoff);
        let window = grid_sql::window(
            Dialect::Pg,
            &q.filter,
            q.sort,
            cutoff,
            q.offset,
            Some(q.limit.min(GRID_MAX_LIMIT)),
        );
        self.run(move |c| {
            Box::pin(async move {
                let tx = snapshot(c).await?;
                let total: i64 = one(&tx, &count.text, &params(&count.params))
                    .await?
                    .try_get(0)?;
                let page: Vec<(String, u32)> = rows(&tx, &window.text, &params(&window.params))
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, u32_of(r.try_get(1)?))))
                    .collect::<Result<_>>()?;
                let ids: Vec<String> = page.iter().map(|(id, _)| id.clone()).collect();
                let lower: Vec<String> = ids.iter().map(|i| i.to_ascii_lowercase()).collect();
                let mut machines = Vec::with_capacity(page.len());
                let blobs = rows(
                    &tx,
                    "SELECT id, json FROM machines WHERE id = ANY($1)",
                    &[&ids],
                )
                .await?;
                let by_id: std::collections::HashMap<String, String> = blobs
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect::<Result<_>>()?;
                for (id, version) in &page {
                    let m: Option<Machine> =
                        by_id.get(id).and_then(|j| serde_json::from_str(j).ok());
                    if let Some(m) = m {
                        machines.push((m, *version));
                    }
                }
                let mut actions: Vec<MachineAction> = Vec::new();
                for r in rows(
                    &tx,
                    "SELECT json FROM actions WHERE lower(machine_id) = ANY($1) ORDER BY created, id",
                    &[&lower],
                )
                .await?
                {
                    if let Ok(a) = serde_json::from_str(r.try_get::<_, &str>(0)?) {
                        actions.push(a);
                    }
                }
                let cursor = cursor_in(&tx).await?;
                let as_of = meta_in(&tx, SYNCED_AT).await?;
                tx.commit().await?;
                Ok(GridWindow {
                    total: u32_of(total),
                    cursor,
                    as_of,
                    machines,
                    actions,
                })
            })
        })
    }

    /// SQLite's `grid_rows`, in one `REPEATABLE READ` snapshot.
    pub fn grid_rows(&self, f: &GridFilter, cutoff: &str) -> Result<GridRows> {
        let sql = grid_sql::records(Dialect::Pg, f, cutoff);
        self.run(move |c| {
            Box::pin(async move {
                let tx = snapshot(c).await?;
                let records = rows(&tx, &sql.text, &params(&sql.params))
                    .await?
                    .iter()
                    .map(record_of)
                    .collect::<Result<Vec<_>>>()?;
                let as_of = meta_in(&tx, SYNCED_AT).await?;
                tx.commit().await?;
                Ok(GridRows { as_of, records })
            })
        })
    }

    /// SQLite's `grid_ids`.
    pub fn grid_ids(&self, f: &GridFilter, cutoff: &str) -> Result<Vec<String>> {
        let sql = grid_sql::window(Dialect::Pg, f, GridSort::default(), cutoff, 0, None);
        self.run(move |c| {
            Box::pin(async move {
                rows(&*c, &sql.text, &params(&sql.params))
                    .await?
                    .iter()
                    .map(|r| Ok(r.try_get(0)?))
                    .collect()
            })
        })
    }

    /// SQLite's `grid_counters`.
    pub fn grid_counters(&self, f: &GridFilter, cutoff: &str) -> Result<Counters> {
        let sql = grid_sql::by_state(Dialect::Pg, f, cutoff);
        self.run(move |c| {
            Box::pin(async move {
                let triples: Vec<(i64, i64, i64)> = rows(&*c, &sql.text, &params(&sql.params))
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .collect::<Result<_>>()?;
                Ok(grid_sql::counters(&triples))
            })
        })
    }

    /// SQLite's `grid_changes`.
    pub fn grid_changes(&self, since: u32) -> Result<GridChanges> {
        self.run(move |c| {
            Box::pin(async move {
                let cursor = cursor_in(&*c).await?;
                if since >= cursor {
                    return Ok(GridChanges {
                        cursor,
                        ..GridChanges::default()
                    });
                }
                let s = i64::from(since);
                let changed: i64 = one(&*c, "SELECT COUNT(*) FROM grid WHERE version > $1", &[&s])
                    .await?
                    .try_get(0)?;
                let removed: i64 = one(
                    &*c,
                    "SELECT COUNT(*) FROM grid_gone WHERE version > $1",
                    &[&s],
                )
                .await?
                .try_get(0)?;
                let ids: Vec<String> = rows(
                    &*c,
                    "SELECT id FROM grid WHERE version > $1 ORDER BY version, id LIMIT $2",
                    &[&s, &i64::from(GRID_CHANGED_IDS)],
                )
                .await?
                .iter()
                .map(|r| Ok(r.try_get(0)?))
                .collect::<Result<_>>()?;
                let changed = u32_of(changed);
                Ok(GridChanges {
                    cursor,
                    changed,
                    removed: u32_of(removed),
                    truncated: changed > GRID_CHANGED_IDS,
                    ids,
                })
            })
        })
    }
}
