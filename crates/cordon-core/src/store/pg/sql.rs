//! The engine's few helpers: statements prepared once per connection, the rows of the
//! journal read back into the store's types, and numbers between `BIGINT` and `u32`.
//!
//! Every column is read with `try_get` (a wrong type is an error, never a panic); the
//! text encodings (states, kinds, times, errors) are SQLite's, from [`super::super::rows`].

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};

use crate::error::Result;
use crate::store::parse_ts;
use crate::store::rows::{
    ItemRow, JobRow, error_of, isolation_kind, item_state, job_state, kind, opt_ts,
};

/// One statement parameter.
pub(super) type Param<'a> = &'a (dyn ToSql + Sync);

/// Every row of `sql`.
pub(super) async fn rows(c: &impl GenericClient, sql: &str, p: &[Param<'_>]) -> Result<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query(&stmt, p).await?)
}

/// The row of `sql`, if any (at most one is expected).
pub(super) async fn opt(c: &impl GenericClient, sql: &str, p: &[Param<'_>]) -> Result<Option<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, p).await?)
}

/// The one row of `sql` (an aggregate).
pub(super) async fn one(c: &impl GenericClient, sql: &str, p: &[Param<'_>]) -> Result<Row> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_one(&stmt, p).await?)
}

/// Runs `sql`; the number of rows it changed.
pub(super) async fn exec(c: &impl GenericClient, sql: &str, p: &[Param<'_>]) -> Result<u64> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.execute(&stmt, p).await?)
}

/// Column `i` of `r`.
pub(super) fn get<'a, T: FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    Ok(r.try_get(i)?)
}

/// A `BIGINT` column as the store's `u32` (counts, attempts, sequence numbers).
pub(super) fn count(r: &Row, i: usize) -> Result<u32> {
    Ok(u32_of(get::<i64>(r, i)?))
}

/// A `BIGINT` as `u32` (saturating: the store never writes more).
pub(super) fn u32_of(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// A job as [`super::super::rows::JOB_COLS`] lists its columns.
pub(super) fn job_row(r: &Row) -> Result<JobRow> {
    let iso: Option<String> = get(r, 4)?;
    Ok(JobRow {
        id: get(r, 0)?,
        kind: kind(get(r, 1)?),
        state: job_state(get(r, 2)?),
        comment: get(r, 3)?,
        isolation_type: iso.as_deref().map(isolation_kind),
        requested_by: get(r, 5)?,
        source: get(r, 6)?,
        created_at: parse_ts(get(r, 7)?),
        updated_at: parse_ts(get(r, 8)?),
        error: error_of(get(r, 9)?),
        sender: get(r, 10)?,
    })
}

/// An item as [`super::super::rows::ITEM_COLS`] lists its columns.
pub(super) fn item_row(r: &Row) -> Result<ItemRow> {
    Ok(ItemRow {
        job_id: get(r, 0)?,
        seq: count(r, 1)?,
        machine_id: get(r, 2)?,
        machine_name: get(r, 3)?,
        state: item_state(get(r, 4)?),
        action_id: get(r, 5)?,
        action_status: get(r, 6)?,
        attempts: count(r, 7)?,
        misses: count(r, 8)?,
        error: error_of(get(r, 9)?),
        intent_at: opt_ts(get(r, 10)?),
        not_before: opt_ts(get(r, 11)?),
        created_at: parse_ts(get(r, 12)?),
        updated_at: parse_ts(get(r, 13)?),
        lease_owner: get(r, 14)?,
        lease_until: opt_ts(get(r, 15)?),
    })
}
