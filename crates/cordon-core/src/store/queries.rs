//! Reads of the journal: jobs, their items and counts, the unfinished ones, and the
//! journal as the pure functions see it ([`JournalEntry`]).

use rusqlite::OptionalExtension;

use super::SqliteStore;
use super::parse_ts;
use super::rows::{
    ITEM_COLS, ItemRow, JOB_COLS, JobCounts, JobRow, item_row, item_state, job_row, kind, opt_ts,
};
use crate::error::Result;
use crate::store::journal_entry::JournalEntry;

impl SqliteStore {
    pub fn job(&self, id: &str) -> Result<Option<JobRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {JOB_COLS} FROM jobs WHERE id = ?1"),
                [id],
                job_row,
            )
            .optional()?)
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {JOB_COLS} FROM jobs ORDER BY created_at DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map([], job_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A job's items in request order.
    pub fn items(&self, job_id: &str) -> Result<Vec<ItemRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {ITEM_COLS} FROM job_items WHERE job_id = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map([job_id], item_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn item(&self, job_id: &str, machine_id: &str) -> Result<Option<ItemRow>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {ITEM_COLS} FROM job_items WHERE job_id = ?1 AND machine_id = ?2"),
                [job_id, machine_id],
                item_row,
            )
            .optional()?)
    }

    /// A job's items counted by state.
    pub fn job_counts(&self, job_id: &str) -> Result<JobCounts> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT state, COUNT(*), MAX(not_before), MAX(updated_at) FROM job_items
             WHERE job_id = ?1 GROUP BY state",
        )?;
        let mut rows = stmt.query([job_id])?;
        let mut c = JobCounts::default();
        while let Some(r) = rows.next()? {
            let state: String = r.get(0)?;
            c.add(&state, r.get(1)?, r.get(2)?, r.get(3)?);
        }
        Ok(c)
    }

    /// Jobs with work left: running or halted, or with an item not yet terminal
    /// (e.g. a cancelled job's item whose POST outcome is still unknown). Oldest first.
    pub fn unfinished_job_ids(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM jobs j WHERE state IN ('running', 'halted')
                OR EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = j.id
                           AND i.state IN ('planned', 'sending', 'unknown'))
             ORDER BY created_at, rowid",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every item of every job, as the pure functions read the journal.
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT i.job_id, j.kind, i.machine_id, i.state, i.action_id, i.attempts, j.source,
                    i.created_at, i.updated_at, i.not_before
             FROM job_items i JOIN jobs j ON j.id = i.job_id
             ORDER BY i.created_at, i.job_id, i.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(JournalEntry {
                job_id: r.get(0)?,
                kind: kind(&r.get::<_, String>(1)?),
                machine_id: r.get(2)?,
                state: item_state(&r.get::<_, String>(3)?),
                action_id: r.get(4)?,
                attempts: r.get(5)?,
                source: r.get(6)?,
                created_at: parse_ts(&r.get::<_, String>(7)?),
                updated_at: parse_ts(&r.get::<_, String>(8)?),
                not_before: opt_ts(r.get(9)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
