//! Reads of the isolation actions the fleet no longer keeps in memory (issue 15:
//! `fleet/resident.rs` keeps only what the live work needs): a machine's whole
//! timeline, and every action of a creation range, newest first, for History.
//!
//! The range is read in chunks by keyset (`(created, id) < (last)`, both columns as
//! stored, so the order is the byte order on both engines: PostgreSQL's are
//! `COLLATE "C"`), and the store's one connection is taken per chunk, never for the
//! whole walk: a History page over a million actions does not hold the sync's writes.

use std::collections::HashSet;

use mde_api::MachineAction;

use super::SqliteStore;
use super::contract::ActionVisit;
use crate::error::Result;

/// Rows per chunk of a walk.
pub(crate) const CHUNK: u32 = 5_000;

/// The walk's statement with only the bounds given (an `?n IS NULL OR …` would keep
/// the planner off the `(created, id)` index: every chunk a full scan). Placeholders
/// numbered in the order since, until, (after created, after id), limit; `dollar` for
/// PostgreSQL's `$n`, else SQLite's `?n`.
pub(crate) fn walk_sql(since: bool, until: bool, after: bool, dollar: bool) -> String {
    let mut n = 0;
    let mut p = || {
        n += 1;
        if dollar {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    };
    let mut cond = Vec::new();
    if since {
        cond.push(format!("created >= {}", p()));
    }
    if until {
        cond.push(format!("created <= {}", p()));
    }
    if after {
        cond.push(format!("(created, id) < ({}, {})", p(), p()));
    }
    let filter = if cond.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", cond.join(" AND "))
    };
    format!(
        "SELECT created, id, json FROM actions{filter} ORDER BY created DESC, id DESC LIMIT {}",
        p()
    )
}

/// Sorts actions as the store orders them: by stored creation time, then id.
pub(crate) fn oldest_first(actions: &mut [MachineAction]) {
    actions.sort_by_cached_key(|a| (super::ts(a.creation_date_time_utc), a.id.clone()));
}

impl SqliteStore {
    /// Every cached action of these machines (ids in any case), oldest first.
    pub fn machine_actions(&self, ids: &[String]) -> Result<Vec<MachineAction>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT json FROM actions WHERE lower(machine_id) = ?1 ORDER BY created, id",
        )?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for id in ids.iter().map(|i| i.trim().to_ascii_lowercase()) {
            if !seen.insert(id.clone()) {
                continue;
            }
            for json in stmt.query_map([id], |r| r.get::<_, String>(0))? {
                if let Ok(a) = serde_json::from_str(&json?) {
                    out.push(a);
                }
            }
        }
        oldest_first(&mut out);
        Ok(out)
    }

    /// Visits every cached action created in [`since`, `until`] (stored times; `None`:
    /// open), newest first (by stored creation time, then id, both descending).
    pub fn actions_each(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        visit: ActionVisit<'_>,
    ) -> Result<()> {
        let mut after: Option<(String, String)> = None;
        loop {
            let chunk: Vec<(String, String, String)> = {
                let sql = walk_sql(since.is_some(), until.is_some(), after.is_some(), false);
                let mut params: Vec<&dyn rusqlite::ToSql> = Vec::new();
                params.extend(since.as_ref().map(|s| s as &dyn rusqlite::ToSql));
                params.extend(until.as_ref().map(|s| s as &dyn rusqlite::ToSql));
                if let Some((c, i)) = &after {
                    params.push(c);
                    params.push(i);
                }
                params.push(&CHUNK);
                let conn = self.conn();
                let mut stmt = conn.prepare_cached(&sql)?;
                stmt.query_map(params.as_slice(), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let Some((created, id, _)) = chunk.last() else {
                return Ok(());
            };
            after = Some((created.clone(), id.clone()));
            let full = chunk.len() == CHUNK as usize;
            for (_, _, json) in chunk {
                if let Ok(a) = serde_json::from_str(&json) {
                    visit(a)?;
                }
            }
            if !full {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::walk_sql;

    #[test]
    fn the_walk_names_only_the_bounds_it_has_so_the_index_serves_it() {
        assert_eq!(
            walk_sql(false, false, false, false),
            "SELECT created, id, json FROM actions ORDER BY created DESC, id DESC LIMIT ?1"
        );
        assert_eq!(
            walk_sql(true, true, true, true),
            "SELECT created, id, json FROM actions WHERE created >= $1 AND created <= $2 \
             AND (created, id) < ($3, $4) ORDER BY created DESC, id DESC LIMIT $5"
        );
        assert_eq!(
            walk_sql(false, true, true, false),
            "SELECT created, id, json FROM actions WHERE created <= ?1 \
             AND (created, id) < (?2, ?3) ORDER BY created DESC, id DESC LIMIT ?4"
        );
    }
}
