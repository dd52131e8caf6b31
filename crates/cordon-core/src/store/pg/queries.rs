//! Reads of the journal in the team store (SQLite's `store/queries.rs`): jobs, their
//! items and counts, the unfinished ones, and the journal as the pure functions see it.
//! `ord` (first insertion) stands for SQLite's `rowid`.

use super::PgStore;
use super::sql::{count, get, item_row, job_row, opt, rows};
use crate::error::Result;
use crate::store::journal_entry::JournalEntry;
use crate::store::parse_ts;
use crate::store::rows::{
    ITEM_COLS, ItemRow, JOB_COLS, JobCounts, JobRow, item_state, kind, opt_ts,
};

impl PgStore {
    pub fn job(&self, id: &str) -> Result<Option<JobRow>> {
        let id = id.to_owned();
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
                opt(&*c, &sql, &[&id])
                    .await?
                    .as_ref()
                    .map(job_row)
                    .transpose()
            })
        })
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Result<Vec<JobRow>> {
        self.run(|c| {
            Box::pin(async move {
                let sql = format!("SELECT {JOB_COLS} FROM jobs ORDER BY created_at DESC, ord DESC");
                rows(&*c, &sql, &[]).await?.iter().map(job_row).collect()
            })
        })
    }

    /// A job's items in request order.
    pub fn items(&self, job_id: &str) -> Result<Vec<ItemRow>> {
        let job_id = job_id.to_owned();
        self.run(move |c| {
            Box::pin(async move {
                let sql =
                    format!("SELECT {ITEM_COLS} FROM job_items WHERE job_id = $1 ORDER BY seq");
                rows(&*c, &sql, &[&job_id])
                    .await?
                    .iter()
                    .map(item_row)
                    .collect()
            })
        })
    }

    pub fn item(&self, job_id: &str, machine_id: &str) -> Result<Option<ItemRow>> {
        let (job_id, machine_id) = (job_id.to_owned(), machine_id.to_owned());
        self.run(move |c| {
            Box::pin(async move {
                let sql = format!(
                    "SELECT {ITEM_COLS} FROM job_items WHERE job_id = $1 AND machine_id = $2"
                );
                opt(&*c, &sql, &[&job_id, &machine_id])
                    .await?
                    .as_ref()
                    .map(item_row)
                    .transpose()
            })
        })
    }

    /// A job's items counted by state.
    pub fn job_counts(&self, job_id: &str) -> Result<JobCounts> {
        let job_id = job_id.to_owned();
        self.run(move |c| {
            Box::pin(async move {
                let found = rows(
                    &*c,
                    "SELECT state, COUNT(*), MAX(not_before), MAX(updated_at) FROM job_items
                     WHERE job_id = $1 GROUP BY state",
                    &[&job_id],
                )
                .await?;
                let mut counts = JobCounts::default();
                for r in &found {
                    counts.add(get(r, 0)?, count(r, 1)?, get(r, 2)?, get(r, 3)?);
                }
                Ok(counts)
            })
        })
    }

    /// Jobs with work left: running or halted, or with an item not yet terminal.
    /// Oldest first.
    pub fn unfinished_job_ids(&self) -> Result<Vec<String>> {
        self.run(|c| {
            Box::pin(async move {
                rows(
                    &*c,
                    "SELECT id FROM jobs j WHERE state IN ('running', 'halted')
                        OR EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = j.id
                                   AND i.state IN ('planned', 'sending', 'unknown'))
                     ORDER BY created_at, ord",
                    &[],
                )
                .await?
                .iter()
                .map(|r| get(r, 0))
                .collect()
            })
        })
    }

    /// Every item of every job, as the pure functions read the journal.
    pub fn journal_entries(&self) -> Result<Vec<JournalEntry>> {
        self.run(|c| {
            Box::pin(async move {
                let found = rows(
                    &*c,
                    "SELECT i.job_id, j.kind, i.machine_id, i.state, i.action_id, i.attempts, j.source,
                            i.created_at, i.updated_at, i.not_before
                     FROM job_items i JOIN jobs j ON j.id = i.job_id
                     ORDER BY i.created_at, i.job_id, i.seq",
                    &[],
                )
                .await?;
                found
                    .iter()
                    .map(|r| {
                        Ok(JournalEntry {
                            job_id: get(r, 0)?,
                            kind: kind(get(r, 1)?),
                            machine_id: get(r, 2)?,
                            state: item_state(get(r, 3)?),
                            action_id: get(r, 4)?,
                            attempts: count(r, 5)?,
                            source: get(r, 6)?,
                            created_at: parse_ts(get(r, 7)?),
                            updated_at: parse_ts(get(r, 8)?),
                            not_before: opt_ts(get(r, 9)?),
                        })
                    })
                    .collect()
            })
        })
    }
}
