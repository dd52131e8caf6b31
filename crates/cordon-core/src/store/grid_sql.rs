//! The grid's table and its SQL, written once for both engines.
//!
//! Why a table of its own: filtering, sorting, searching and counting 100,000 machines
//! must run in the store, over columns it can index, not over JSON blobs in memory.
//! `grid` holds one row per machine with only what the grid filters and sorts by, in
//! compact encodings (ranks for risk, exposure and value; a small integer for the
//! derived state), and the change cursor at which the row last changed (`version`).
//! The rows a window *shows* are derived again from the machine and its actions (the
//! pure derivation, with the tenant's `now`), so what is shown is never staler than
//! the cache; a whole list (`records`) is explained from the records' own columns
//! (`grid_codes.rs`), which the same write keeps current.
//!
//! The only part of the derivation that moves with time alone is a release turning
//! "stuck" after the threshold: the table stores an in-flight release as `releasing`
//! with its creation time in `since`, and every query reads the *effective* state,
//! `releasing` older than the cut-off (now − threshold) being `release stuck`.
//!
//! **Indexes** (SQLite migration 5, PostgreSQL 6), each for a question the grid asks
//! of 100,000 machines within 100 ms (P-4), measured by `cordon-bench --only grid`:
//! - `grid_list (name, id, version, ip)`: the default order (by name, ties by id) with
//!   what a window returns, so a window at any offset walks the index alone (no sort,
//!   no row read); a search scans this narrow index instead of the table (it holds
//!   every searched column; the id's lowercase is computed from it).
//! - `grid_isolated (name, id, version) WHERE state >= 3`: "isolated now" (half of a
//!   large fleet may be) in name order: its first window reads 60 entries, its ids
//!   ("select all matching", `cordon machines --isolated`) come in order without a sort.
//! - `grid_state (state, since)` (migration 4): state filters and counters. They read
//!   the *stored* state: `releasing` past the cut-off is `state = 4 AND since <= ?`, a
//!   range of this index, never an expression computed per row; counters group by the
//!   stored state and count the stuck part of `releasing` with a `FILTER`.
//! - `grid_version (version)` (migration 4): what changed since a cursor.
//!
//! The builder emits SQL with numbered placeholders (`?N` for SQLite, `$N` for
//! PostgreSQL) and every parameter as text; integers (states, ranks, offsets) are
//! written inline from Rust values, never from the caller's text.

use std::fmt::Write;

use crate::dto::grid::{GridColumn, GridFilter, GridSort};

use super::grid_codes::dto_code;
pub use super::grid_codes::{
    GridRecord, GridRows, exposure_rank, frame_tags, risk_rank, state_code, state_of, unframe_tags,
    value_rank,
};

/// A window of the grid as an engine reads it, in one consistent read: the matching
/// total, the window's machines (as stored, with their row versions) in order, their
/// isolation actions, the change cursor and the last sync time. The core derives the
/// rows it shows from these.
#[derive(Debug, Clone, Default)]
pub struct GridWindow {
    pub total: u32,
    pub cursor: u32,
    pub as_of: Option<String>,
    pub machines: Vec<(mde_api::Machine, u32)>,
    pub actions: Vec<mde_api::MachineAction>,
}

/// The `meta` key of the grid's change cursor.
pub const GRID_CURSOR: &str = "grid.cursor";
/// The `meta` key of the last successful action sync (`fleet::sync` writes it).
pub const SYNCED_AT: &str = "actions_synced_at";
/// The `meta` key naming how the grid's rows were derived: when it is not
/// [`GRID_BASIS`] (a new store, a new derivation, a sync cut short between the caches
/// and the grid) the fleet rebuilds the grid from its cache at open.
pub const GRID_BASIS_KEY: &str = "grid.basis";
/// The current derivation of the grid's rows.
/// "2": records hold what a row shows (label, wire words, the named action).
pub const GRID_BASIS: &str = "2";

/// Which engine's dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Pg,
}

/// A statement's text and its (text) parameters, in order.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<String>,
    dialect: Option<Dialect>,
    /// The cut-off's placeholder, once bound (an unused parameter is an error).
    cut: Option<String>,
}

impl Sql {
    fn new(d: Dialect) -> Self {
        Self {
            text: String::new(),
            params: Vec::new(),
            dialect: Some(d),
            cut: None,
        }
    }

    /// The cut-off's placeholder, binding `cutoff` on first use.
    fn cut(&mut self, cutoff: &str) -> String {
        match &self.cut {
            Some(p) => p.clone(),
            None => {
                let p = self.bind(cutoff);
                self.cut = Some(p.clone());
                p
            }
        }
    }

    /// The effective state (a sort key only: filters and counts read the index).
    fn state(&mut self, cutoff: &str) -> String {
        let p = self.cut(cutoff);
        effective_state(&p)
    }

    /// Adds `v` as the next parameter; its placeholder.
    fn bind(&mut self, v: impl Into<String>) -> String {
        self.params.push(v.into());
        match self.dialect {
            Some(Dialect::Pg) => format!("${}", self.params.len()),
            _ => format!("?{}", self.params.len()),
        }
    }
}

/// The effective state: an in-flight release older than the cut-off is stuck.
/// `cutoff` is a placeholder for (now − threshold), as stored times are written.
fn effective_state(cutoff: &str) -> String {
    format!("(CASE WHEN state = 4 AND since <= {cutoff} THEN 5 ELSE state END)")
}

/// The effective state in `codes` (sorted, distinct), as terms over the stored state
/// and `since` that the `(state, since)` index answers: only `releasing` (4) and
/// `release stuck` (5) depend on the cut-off, an in-flight release being stored as 4.
fn states_in(sql: &mut Sql, codes: &[i64], cutoff: &str) -> String {
    let (four, five) = (codes.contains(&4), codes.contains(&5));
    let mut plain: Vec<i64> = codes.iter().copied().filter(|c| *c < 4).collect();
    let mut terms = Vec::new();
    if five {
        plain.push(5);
    }
    match (four, five) {
        (true, true) => plain.push(4),
        (true, false) => {
            let c = sql.cut(cutoff);
            terms.push(format!("(state = 4 AND (since IS NULL OR since > {c}))"));
        }
        (false, true) => {
            let c = sql.cut(cutoff);
            terms.push(format!("(state = 4 AND since <= {c})"));
        }
        (false, false) => {}
    }
    if !plain.is_empty() {
        plain.sort_unstable();
        let list: Vec<String> = plain.iter().map(i64::to_string).collect();
        terms.insert(0, format!("state IN ({})", list.join(", ")));
    }
    format!("({})", terms.join(" OR "))
}

/// `column IN (…)` over text values, or nothing when `values` is empty.
fn text_in(sql: &mut Sql, clauses: &mut Vec<String>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let ps: Vec<String> = values.iter().map(|v| sql.bind(v.trim())).collect();
    clauses.push(format!("{column} IN ({})", ps.join(", ")));
}

/// `column IN (ranks)` (inline integers), or nothing when `values` is empty.
fn rank_in(clauses: &mut Vec<String>, column: &str, values: &[String], rank: fn(&str) -> i64) {
    if values.is_empty() {
        return;
    }
    let mut ranks: Vec<i64> = values.iter().map(|v| rank(v.trim())).collect();
    ranks.sort_unstable();
    ranks.dedup();
    let list: Vec<String> = ranks.iter().map(i64::to_string).collect();
    clauses.push(format!("{column} IN ({})", list.join(", ")));
}

/// The `WHERE` clause (possibly empty) of `f`.
fn where_clause(sql: &mut Sql, f: &GridFilter, cutoff: &str) -> String {
    let mut clauses: Vec<String> = Vec::new();
    if let Some(needle) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let needle = needle.to_lowercase();
        let p = sql.bind(needle.as_str());
        let has = |col: &str| match sql.dialect {
            Some(Dialect::Pg) => format!("strpos({col}, {p}) > 0"),
            _ => format!("instr({col}, {p}) > 0"),
        };
        // A term that cannot match is left out (each one costs a pass over every row):
        // Defender's machine ids are 40 hex digits, an IP address is hex digits, dots
        // and colons (and an IPv6 zone's `%`).
        let mut terms = vec![has("name")];
        if needle.chars().all(|c| c.is_ascii_hexdigit()) {
            terms.push(has("lower(id)"));
        }
        if needle
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '%'))
        {
            terms.push(has("ip"));
        }
        clauses.push(format!("({})", terms.join(" OR ")));
    }
    if f.isolated_now {
        clauses.push("state >= 3".to_owned());
    }
    if f.pending {
        // `act`: the status of the action the state names (0 Pending, 1 InProgress),
        // the machine's pending one when it has one.
        clauses.push("act IN (0, 1)".to_owned());
    }
    if !f.states.is_empty() {
        let mut codes: Vec<i64> = f.states.iter().map(|s| dto_code(*s)).collect();
        codes.sort_unstable();
        codes.dedup();
        clauses.push(states_in(sql, &codes, cutoff));
    }
    text_in(sql, &mut clauses, "health", &f.health);
    text_in(sql, &mut clauses, "os", &f.os);
    text_in(sql, &mut clauses, "grp", &f.groups);
    rank_in(&mut clauses, "risk", &f.risk, risk_rank);
    rank_in(&mut clauses, "exposure", &f.exposure, exposure_rank);
    rank_in(&mut clauses, "value", &f.device_value, value_rank);
    if !f.tags.is_empty() {
        let any: Vec<String> = f
            .tags
            .iter()
            .map(|t| {
                let p = sql.bind(format!("\n{}\n", t.trim()));
                match sql.dialect {
                    Some(Dialect::Pg) => format!("strpos(tags, {p}) > 0"),
                    _ => format!("instr(tags, {p}) > 0"),
                }
            })
            .collect();
        clauses.push(format!("({})", any.join(" OR ")));
    }
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// The sort key of a column (the state's is the effective state).
fn order_by(sql: &mut Sql, s: GridSort, cutoff: &str) -> String {
    let dir = if s.descending { "DESC" } else { "ASC" };
    let state = if s.column == GridColumn::State {
        sql.state(cutoff)
    } else {
        String::new()
    };
    let key = match s.column {
        GridColumn::Name => return format!(" ORDER BY name {dir}, id {dir}"),
        GridColumn::State => &state,
        GridColumn::Since => "since",
        GridColumn::Health => "health",
        GridColumn::LastSeen => "last_seen",
        GridColumn::Os => "os",
        GridColumn::Risk => "risk",
        GridColumn::Exposure => "exposure",
        GridColumn::DeviceValue => "value",
        GridColumn::Group => "grp",
        GridColumn::Tags => "tags",
        GridColumn::Ip => "ip",
    };
    // Missing times sort first ascending on both engines (PostgreSQL puts NULLs last).
    let nulls = match (s.column, s.descending) {
        (GridColumn::Since | GridColumn::LastSeen, false) => " NULLS FIRST",
        (GridColumn::Since | GridColumn::LastSeen, true) => " NULLS LAST",
        _ => "",
    };
    format!(" ORDER BY {key} {dir}{nulls}, name, id")
}

/// Counts the machines matching `f`.
pub(crate) fn count(d: Dialect, f: &GridFilter, cutoff: &str) -> Sql {
    let mut sql = Sql::new(d);
    let w = where_clause(&mut sql, f, cutoff);
    sql.text = format!("SELECT COUNT(*) FROM grid{w}");
    sql
}

/// The ids (and versions) of a window of the machines matching `f`, sorted by `sort`;
/// `limit` `None` reads them all.
pub(crate) fn window(
    d: Dialect,
    f: &GridFilter,
    sort: GridSort,
    cutoff: &str,
    offset: u32,
    limit: Option<u32>,
) -> Sql {
    let mut sql = Sql::new(d);
    let w = where_clause(&mut sql, f, cutoff);
    let order = order_by(&mut sql, sort, cutoff);
    let mut text = format!("SELECT id, version FROM grid{w}{order}");
    if let Some(l) = limit {
        let _ = write!(text, " LIMIT {l}");
    }
    if offset > 0 {
        if limit.is_none() && d == Dialect::Sqlite {
            text.push_str(" LIMIT -1");
        }
        let _ = write!(text, " OFFSET {offset}");
    }
    sql.text = text;
    sql
}

/// A record's columns, in [`GridRecord`]'s order.
pub(crate) const RECORD_COLUMNS: &str = "id, name, state, since, health, os, risk, exposure, \
    value, grp, tags, last_seen, ip, label, risk_word, exposure_word, value_word, act, \
    requestor, comment";

/// Every record matching `f`, by name (the grid's default order): one statement, read
/// as a stream, no window and no offset.
pub(crate) fn records(d: Dialect, f: &GridFilter, cutoff: &str) -> Sql {
    let mut sql = Sql::new(d);
    let w = where_clause(&mut sql, f, cutoff);
    let order = order_by(&mut sql, GridSort::default(), cutoff);
    sql.text = format!("SELECT {RECORD_COLUMNS} FROM grid{w}{order}");
    sql
}

/// Machines matching `f` per effective state code.
/// Grouped by the *stored* state (the `(state, since)` index, no expression per row),
/// each group with how many of its rows are past the cut-off: `(state, rows, stuck)`
/// ([`counters`] moves the stuck `releasing` rows to `release stuck`).
pub(crate) fn by_state(d: Dialect, f: &GridFilter, cutoff: &str) -> Sql {
    let mut sql = Sql::new(d);
    let c = sql.cut(cutoff);
    let w = where_clause(&mut sql, f, cutoff);
    sql.text = format!(
        "SELECT state, COUNT(*), COUNT(*) FILTER (WHERE state = 4 AND since <= {c}) \
         FROM grid{w} GROUP BY state"
    );
    sql
}

/// The counters from [`by_state`]'s `(stored state, rows, stuck)` triples.
pub(crate) fn counters(triples: &[(i64, i64, i64)]) -> crate::dto::Counters {
    let mut pairs = Vec::with_capacity(triples.len() + 1);
    for &(s, n, stuck) in triples {
        if s == 4 {
            pairs.push((4, n - stuck));
            pairs.push((5, stuck));
        } else {
            pairs.push((s, n));
        }
    }
    effective_counters(&pairs)
}

/// The counters from (effective state code, count) pairs.
fn effective_counters(pairs: &[(i64, i64)]) -> crate::dto::Counters {
    let mut c = crate::dto::Counters::default();
    for &(s, n) in pairs {
        let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        c.total += n;
        match s {
            1 => c.isolating += n,
            2 => c.isolation_failed += n,
            4 => c.releasing += n,
            5 => c.stuck += n,
            _ => {}
        }
        if s >= 3 {
            c.isolated_now += n;
        }
    }
    c
}

#[cfg(test)]
#[path = "grid_sql_tests.rs"]
mod tests;
