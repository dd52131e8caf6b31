//! The reads of actions the fleet does not keep in memory, on PostgreSQL (SQLite's
//! `store/action_reads.rs`: the same order, the same chunks).

use mde_api::MachineAction;

use super::PgStore;
use super::sql::{Param, get, rows};
use crate::error::Result;
use crate::store::action_reads::{CHUNK, oldest_first, walk_sql};
use crate::store::contract::ActionVisit;

impl PgStore {
    /// Every cached action of these machines (ids in any case), oldest first.
    pub fn machine_actions(&self, ids: &[String]) -> Result<Vec<MachineAction>> {
        let mut lower: Vec<String> = ids.iter().map(|i| i.trim().to_ascii_lowercase()).collect();
        lower.sort();
        lower.dedup();
        let mut out: Vec<MachineAction> = self.run(move |c| {
            Box::pin(async move {
                let mut out = Vec::new();
                for r in rows(
                    &*c,
                    "SELECT json FROM actions WHERE lower(machine_id) = ANY($1)",
                    &[&lower],
                )
                .await?
                {
                    if let Ok(a) = serde_json::from_str(get::<&str>(&r, 0)?) {
                        out.push(a);
                    }
                }
                Ok(out)
            })
        })?;
        oldest_first(&mut out);
        Ok(out)
    }

    /// Visits every cached action created in [`since`, `until`], newest first.
    pub fn actions_each(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        visit: ActionVisit<'_>,
    ) -> Result<()> {
        let (since, until) = (since.map(str::to_owned), until.map(str::to_owned));
        let mut after: Option<(String, String)> = None;
        loop {
            let (since, until, a) = (since.clone(), until.clone(), after.clone());
            let sql = walk_sql(since.is_some(), until.is_some(), a.is_some(), true);
            let chunk: Vec<(String, String, String)> = self.run(move |c| {
                Box::pin(async move {
                    let limit = i64::from(CHUNK);
                    let mut p: Vec<Param<'_>> = Vec::new();
                    p.extend(since.as_ref().map(|s| s as Param<'_>));
                    p.extend(until.as_ref().map(|s| s as Param<'_>));
                    if let Some((c, i)) = &a {
                        p.push(c);
                        p.push(i);
                    }
                    p.push(&limit);
                    rows(&*c, &sql, &p)
                        .await?
                        .iter()
                        .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
                        .collect()
                })
            })?;
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
