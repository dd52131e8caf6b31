//! The machine grid in the SQLite engine: the `grid` table's writes (only rows that
//! differ move, each stamped with the next change cursor) and its reads (a window, the
//! matching ids, counters, what changed since a cursor). The SQL is shared with the
//! PostgreSQL engine (`grid_sql.rs`).

use rusqlite::{OptionalExtension, params, params_from_iter};

use super::SqliteStore;
use super::grid_sql::{
    self, Dialect, GRID_BASIS, GRID_BASIS_KEY, GRID_CURSOR, GridRecord, GridRows, GridWindow,
    SYNCED_AT,
};
use crate::dto::Counters;
use crate::dto::grid::{
    GRID_CHANGED_IDS, GRID_MAX_LIMIT, GridChanges, GridFilter, GridQuery, GridSort,
};
use crate::error::Result;

/// Upserts a record unless the stored row is the same (then nothing moves).
pub(crate) const UPSERT: &str = "INSERT INTO grid
    (id, name, state, since, health, os, risk, exposure, value, grp, tags, last_seen, ip,
     label, risk_word, exposure_word, value_word, act, requestor, comment, version)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
        ?18, ?19, ?20, ?21)
    ON CONFLICT(id) DO UPDATE SET name = excluded.name, state = excluded.state,
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
       IS NOT (excluded.name, excluded.state, excluded.since, excluded.health, excluded.os,
           excluded.risk, excluded.exposure, excluded.value, excluded.grp, excluded.tags,
           excluded.last_seen, excluded.ip, excluded.label, excluded.risk_word,
           excluded.exposure_word, excluded.value_word, excluded.act, excluded.requestor,
           excluded.comment)";

/// A record from a row of [`grid_sql::RECORD_COLUMNS`].
fn record_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<GridRecord> {
    Ok(GridRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        state: r.get(2)?,
        since: r.get(3)?,
        health: r.get(4)?,
        os: r.get(5)?,
        risk: r.get(6)?,
        exposure: r.get(7)?,
        value: r.get(8)?,
        group: r.get(9)?,
        tags: r.get(10)?,
        last_seen: r.get(11)?,
        ip: r.get(12)?,
        label: r.get(13)?,
        risk_word: r.get(14)?,
        exposure_word: r.get(15)?,
        value_word: r.get(16)?,
        act: r.get(17)?,
        requestor: r.get(18)?,
        comment: r.get(19)?,
    })
}

fn cursor_in(tx: &rusqlite::Connection) -> Result<u32> {
    let v: Option<String> = tx
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [GRID_CURSOR],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

fn put_meta(tx: &rusqlite::Connection, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

impl SqliteStore {
    /// Writes `rows` and forgets `removed`, in one transaction; with `rebuild`, every
    /// other row goes (the grid is rebuilt from the cache). Rows equal to the stored
    /// ones do not move; the others (and the removals) take the next cursor, which is
    /// returned (the same cursor when nothing changed). Marks the grid current
    /// ([`GRID_BASIS`]).
    pub fn save_grid(&self, rows: &[GridRecord], removed: &[String], rebuild: bool) -> Result<u32> {
        self.write(|tx| {
            let cursor = cursor_in(tx)?;
            let next = cursor.wrapping_add(1);
            let mut changed = 0usize;
            if rebuild {
                tx.execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS grid_keep (id TEXT PRIMARY KEY);
                     DELETE FROM grid_keep;",
                )?;
                let mut keep =
                    tx.prepare_cached("INSERT OR IGNORE INTO grid_keep (id) VALUES (?1)")?;
                for r in rows {
                    keep.execute([&r.id])?;
                }
                changed += tx.execute(
                    "INSERT OR REPLACE INTO grid_gone (id, version)
                     SELECT id, ?1 FROM grid WHERE id NOT IN (SELECT id FROM grid_keep)",
                    [next],
                )?;
                tx.execute(
                    "DELETE FROM grid WHERE id NOT IN (SELECT id FROM grid_keep)",
                    [],
                )?;
                tx.execute("DELETE FROM grid_keep", [])?;
            }
            {
                let mut delete = tx.prepare_cached("DELETE FROM grid WHERE id = ?1")?;
                let mut gone = tx.prepare_cached(
                    "INSERT OR REPLACE INTO grid_gone (id, version) VALUES (?1, ?2)",
                )?;
                for id in removed {
                    if delete.execute([id])? > 0 {
                        gone.execute(params![id, next])?;
                        changed += 1;
                    }
                }
                let mut upsert = tx.prepare_cached(UPSERT)?;
                let mut back = tx.prepare_cached("DELETE FROM grid_gone WHERE id = ?1")?;
                for r in rows {
                    let n = upsert.execute(params![
                        r.id,
                        r.name,
                        r.state,
                        r.since,
                        r.health,
                        r.os,
                        r.risk,
                        r.exposure,
                        r.value,
                        r.group,
                        r.tags,
                        r.last_seen,
                        r.ip,
                        r.label,
                        r.risk_word,
                        r.exposure_word,
                        r.value_word,
                        r.act,
                        r.requestor,
                        r.comment,
                        next
                    ])?;
                    if n > 0 {
                        back.execute([&r.id])?;
                        changed += n;
                    }
                }
            }
            put_meta(tx, GRID_BASIS_KEY, GRID_BASIS)?;
            if changed == 0 {
                return Ok(cursor);
            }
            put_meta(tx, GRID_CURSOR, &next.to_string())?;
            Ok(next)
        })
    }

    /// Moves the rows whose in-flight release crossed the stuck threshold since the
    /// last round (`since` in (`from`, `to`], both cut-offs): their effective state
    /// changed with time alone, so they take the next cursor. The rows moved.
    pub fn grid_age(&self, from: &str, to: &str) -> Result<u32> {
        self.write(|tx| {
            let cursor = cursor_in(tx)?;
            let next = cursor.wrapping_add(1);
            let n = tx.execute(
                "UPDATE grid SET version = ?3 WHERE state = 4 AND since > ?1 AND since <= ?2",
                params![from, to, next],
            )?;
            if n > 0 {
                put_meta(tx, GRID_CURSOR, &next.to_string())?;
            }
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// A window of the machines matching `q` (see [`GridWindow`]); `cutoff` is
    /// (now − the stuck threshold) as stored times are written.
    pub fn grid_window(&self, q: &GridQuery, cutoff: &str) -> Result<GridWindow> {
        let conn = self.conn();
        let total = {
            let sql = grid_sql::count(Dialect::Sqlite, &q.filter, cutoff);
            let n: i64 = conn
                .prepare_cached(&sql.text)?
                .query_row(params_from_iter(&sql.params), |r| r.get(0))?;
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        let limit = q.limit.min(GRID_MAX_LIMIT);
        let sql = grid_sql::window(
            Dialect::Sqlite,
            &q.filter,
            q.sort,
            cutoff,
            q.offset,
            Some(limit),
        );
        let page: Vec<(String, u32)> = {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(params_from_iter(&sql.params), |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut machines = Vec::with_capacity(page.len());
        {
            let mut stmt = conn.prepare_cached("SELECT json FROM machines WHERE id = ?1")?;
            for (id, version) in &page {
                let json: Option<String> = stmt.query_row([id], |r| r.get(0)).optional()?;
                if let Some(m) = json.and_then(|j| serde_json::from_str(&j).ok()) {
                    machines.push((m, *version));
                }
            }
        }
        let mut actions = Vec::new();
        {
            let mut stmt = conn.prepare_cached(
                "SELECT json FROM actions WHERE lower(machine_id) = ?1 ORDER BY created, id",
            )?;
            for (id, _) in &page {
                let rows = stmt.query_map([id.to_ascii_lowercase()], |r| r.get::<_, String>(0))?;
                for json in rows {
                    if let Ok(a) = serde_json::from_str(&json?) {
                        actions.push(a);
                    }
                }
            }
        }
        let as_of: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [SYNCED_AT], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(GridWindow {
            total,
            cursor: cursor_in(&conn)?,
            as_of,
            machines,
            actions,
        })
    }

    /// Every record matching `f`, by name, with the last sync time, in one read.
    pub fn grid_rows(&self, f: &GridFilter, cutoff: &str) -> Result<GridRows> {
        let sql = grid_sql::records(Dialect::Sqlite, f, cutoff);
        let conn = self.conn();
        let records = {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let rows = stmt.query_map(params_from_iter(&sql.params), record_of)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let as_of: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [SYNCED_AT], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(GridRows { as_of, records })
    }

    /// Every machine id matching `f`, by name (a bulk selection of "all matching").
    pub fn grid_ids(&self, f: &GridFilter, cutoff: &str) -> Result<Vec<String>> {
        let sql = grid_sql::window(Dialect::Sqlite, f, GridSort::default(), cutoff, 0, None);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql.text)?;
        let rows = stmt.query_map(params_from_iter(&sql.params), |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The counters of the machines matching `f` (the default filter: the fleet).
    pub fn grid_counters(&self, f: &GridFilter, cutoff: &str) -> Result<Counters> {
        let sql = grid_sql::by_state(Dialect::Sqlite, f, cutoff);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql.text)?;
        let rows = stmt.query_map(params_from_iter(&sql.params), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let triples: Vec<(i64, i64, i64)> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(grid_sql::counters(&triples))
    }

    /// What changed since `since` (a cursor a page carried).
    pub fn grid_changes(&self, since: u32) -> Result<GridChanges> {
        let conn = self.conn();
        let cursor = cursor_in(&conn)?;
        if since >= cursor {
            return Ok(GridChanges {
                cursor,
                ..GridChanges::default()
            });
        }
        let changed: u32 = conn.query_row(
            "SELECT COUNT(*) FROM grid WHERE version > ?1",
            [since],
            |r| r.get(0),
        )?;
        let removed: u32 = conn.query_row(
            "SELECT COUNT(*) FROM grid_gone WHERE version > ?1",
            [since],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM grid WHERE version > ?1 ORDER BY version, id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![since, GRID_CHANGED_IDS], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(GridChanges {
            cursor,
            changed,
            removed,
            truncated: changed > GRID_CHANGED_IDS,
            ids,
        })
    }
}
