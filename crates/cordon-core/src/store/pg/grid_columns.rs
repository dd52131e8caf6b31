//! The grid's records as the PostgreSQL engine moves them: a write's records as one
//! array per column (`UNNEST`, one round trip however large the fleet), and a record
//! back from a row.

use std::collections::HashSet;

use crate::error::Result;
use crate::store::grid_sql::GridRecord;

/// The records as columns, one row per id (the last record of an id wins).
pub(super) struct Columns {
    pub(super) id: Vec<String>,
    pub(super) name: Vec<String>,
    pub(super) state: Vec<i64>,
    pub(super) since: Vec<Option<String>>,
    pub(super) health: Vec<String>,
    pub(super) os: Vec<String>,
    pub(super) risk: Vec<i64>,
    pub(super) exposure: Vec<i64>,
    pub(super) value: Vec<i64>,
    pub(super) group: Vec<String>,
    pub(super) tags: Vec<String>,
    pub(super) last_seen: Vec<Option<String>>,
    pub(super) ip: Vec<String>,
    pub(super) label: Vec<String>,
    pub(super) risk_word: Vec<Option<String>>,
    pub(super) exposure_word: Vec<Option<String>>,
    pub(super) value_word: Vec<Option<String>>,
    pub(super) act: Vec<Option<i64>>,
    pub(super) requestor: Vec<String>,
    pub(super) comment: Vec<String>,
}

pub(super) fn columns(rows: &[GridRecord]) -> Columns {
    let mut seen = HashSet::new();
    let mut c = Columns {
        id: Vec::new(),
        name: Vec::new(),
        state: Vec::new(),
        since: Vec::new(),
        health: Vec::new(),
        os: Vec::new(),
        risk: Vec::new(),
        exposure: Vec::new(),
        value: Vec::new(),
        group: Vec::new(),
        tags: Vec::new(),
        last_seen: Vec::new(),
        ip: Vec::new(),
        label: Vec::new(),
        risk_word: Vec::new(),
        exposure_word: Vec::new(),
        value_word: Vec::new(),
        act: Vec::new(),
        requestor: Vec::new(),
        comment: Vec::new(),
    };
    for r in rows.iter().rev() {
        if !seen.insert(r.id.as_str()) {
            continue;
        }
        c.id.push(r.id.clone());
        c.name.push(r.name.clone());
        c.state.push(r.state);
        c.since.push(r.since.clone());
        c.health.push(r.health.clone());
        c.os.push(r.os.clone());
        c.risk.push(r.risk);
        c.exposure.push(r.exposure);
        c.value.push(r.value);
        c.group.push(r.group.clone());
        c.tags.push(r.tags.clone());
        c.last_seen.push(r.last_seen.clone());
        c.ip.push(r.ip.clone());
        c.label.push(r.label.clone());
        c.risk_word.push(r.risk_word.clone());
        c.exposure_word.push(r.exposure_word.clone());
        c.value_word.push(r.value_word.clone());
        c.act.push(r.act);
        c.requestor.push(r.requestor.clone());
        c.comment.push(r.comment.clone());
    }
    c
}

/// A record from a row of [`crate::store::grid_sql::RECORD_COLUMNS`].
pub(super) fn record_of(r: &tokio_postgres::Row) -> Result<GridRecord> {
    Ok(GridRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        state: r.try_get(2)?,
        since: r.try_get(3)?,
        health: r.try_get(4)?,
        os: r.try_get(5)?,
        risk: r.try_get(6)?,
        exposure: r.try_get(7)?,
        value: r.try_get(8)?,
        group: r.try_get(9)?,
        tags: r.try_get(10)?,
        last_seen: r.try_get(11)?,
        ip: r.try_get(12)?,
        label: r.try_get(13)?,
        risk_word: r.try_get(14)?,
        exposure_word: r.try_get(15)?,
        value_word: r.try_get(16)?,
        act: r.try_get(17)?,
        requestor: r.try_get(18)?,
        comment: r.try_get(19)?,
    })
}
