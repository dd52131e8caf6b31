//! The caches (machines, isolation actions, alerts as JSON blobs keyed by id), `meta`
//! and the settings in the team store (SQLite's `store/cache.rs`).
//!
//! A refresh is one statement per table: the rows go as arrays (`UNNEST`), one round
//! trip however large the fleet. An id twice in one refresh keeps its first place and
//! its last blob, as SQLite's row-by-row upsert does.

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use mde_api::{Alert, Machine, MachineAction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::PgStore;
use super::sql::{exec, get, opt, rows};
use crate::error::{CoreError, Result};
use crate::store::cache::{TENANT_AUTHORITY, TENANT_ID, TENANT_LABEL, tenant_key, tenant_unbound};
use crate::store::ts;

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Storage(format!("encoding a cache row: {e}")))
}

/// One cache row: its id, up to two more columns, its JSON.
struct Blob {
    id: String,
    a: Option<String>,
    b: Option<String>,
    json: String,
}

/// The rows' columns as arrays, one row per id: an id twice keeps its first row and
/// the last JSON (SQLite's upsert, row by row, updates only the JSON).
struct Columns {
    ids: Vec<String>,
    a: Vec<Option<String>>,
    b: Vec<Option<String>>,
    json: Vec<String>,
}

fn columns(rows: Vec<Blob>) -> Columns {
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Blob> = Vec::with_capacity(rows.len());
    for row in rows {
        match at.get(&row.id) {
            Some(&i) => out[i].json = row.json,
            None => {
                at.insert(row.id.clone(), out.len());
                out.push(row);
            }
        }
    }
    let mut cols = Columns {
        ids: Vec::new(),
        a: Vec::new(),
        b: Vec::new(),
        json: Vec::new(),
    };
    for r in out {
        cols.ids.push(r.id);
        cols.a.push(r.a);
        cols.b.push(r.b);
        cols.json.push(r.json);
    }
    cols
}

/// Every blob `sql` reads; a row that no longer decodes is skipped (it is a cache).
async fn load_all<T: DeserializeOwned>(c: &impl GenericClient, sql: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for r in rows(c, sql, &[]).await? {
        if let Ok(v) = serde_json::from_str(get::<&str>(&r, 0)?) {
            out.push(v);
        }
    }
    Ok(out)
}

pub(super) async fn put_meta(c: &impl GenericClient, key: &str, value: &str) -> Result<()> {
    exec(
        c,
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&key, &value],
    )
    .await?;
    Ok(())
}

pub(super) async fn meta_in(c: &impl GenericClient, key: &str) -> Result<Option<String>> {
    match opt(c, "SELECT value FROM meta WHERE key = $1", &[&key]).await? {
        Some(r) => Ok(Some(get(&r, 0)?)),
        None => Ok(None),
    }
}

impl PgStore {
    /// Upserts `machines` and forgets `removed` (machines gone from the tenant).
    pub fn save_machines(&self, machines: &[Machine], removed: &[String]) -> Result<()> {
        if machines.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let rows = machines
            .iter()
            .map(|m| {
                let (id, json) = (m.id.clone(), to_json(m)?);
                Ok(Blob {
                    id,
                    a: None,
                    b: None,
                    json,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let Columns { ids, json, .. } = columns(rows);
        let removed = removed.to_vec();
        self.transaction(move |tx| {
            Box::pin(async move {
                exec(tx, "DELETE FROM machines WHERE id = ANY($1)", &[&removed]).await?;
                exec(
                    tx,
                    "INSERT INTO machines (id, json)
                     SELECT id, json FROM UNNEST($1::text[], $2::text[])
                         WITH ORDINALITY AS u(id, json, n) ORDER BY n
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    &[&ids, &json],
                )
                .await?;
                Ok(())
            })
        })
    }

    /// Upserts isolation actions.
    pub fn save_actions(&self, actions: &[MachineAction]) -> Result<()> {
        if actions.is_empty() {
            return Ok(());
        }
        let rows = actions
            .iter()
            .map(|a| {
                Ok(Blob {
                    id: a.id.clone(),
                    a: a.machine_id.clone(),
                    b: Some(ts(a.creation_date_time_utc)),
                    json: to_json(a)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let Columns {
            ids,
            a: machines,
            b: created,
            json,
        } = columns(rows);
        self.transaction(move |tx| {
            Box::pin(async move {
                exec(
                    tx,
                    "INSERT INTO actions (id, machine_id, created, json)
                     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    &[&ids, &machines, &created, &json],
                )
                .await?;
                Ok(())
            })
        })
    }

    /// Upserts alerts.
    pub fn save_alerts(&self, alerts: &[Alert]) -> Result<()> {
        if alerts.is_empty() {
            return Ok(());
        }
        let rows = alerts
            .iter()
            .map(|a| {
                Ok(Blob {
                    id: a.id.clone(),
                    a: a.alert_creation_time.map(ts),
                    b: None,
                    json: to_json(a)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let Columns {
            ids,
            a: created,
            json,
            ..
        } = columns(rows);
        self.transaction(move |tx| {
            Box::pin(async move {
                exec(
                    tx,
                    "INSERT INTO alerts (id, created, json)
                     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])
                     ON CONFLICT (id) DO UPDATE SET json = excluded.json",
                    &[&ids, &created, &json],
                )
                .await?;
                Ok(())
            })
        })
    }

    pub fn load_machines(&self) -> Result<Vec<Machine>> {
        self.run(|c| {
            Box::pin(async move { load_all(&*c, "SELECT json FROM machines ORDER BY ord").await })
        })
    }

    pub fn load_actions(&self) -> Result<Vec<MachineAction>> {
        self.run(|c| {
            Box::pin(
                async move { load_all(&*c, "SELECT json FROM actions ORDER BY created, id").await },
            )
        })
    }

    /// Alerts by creation time, those without one first (SQLite sorts NULL first;
    /// PostgreSQL, unless told, last).
    pub fn load_alerts(&self) -> Result<Vec<Alert>> {
        self.run(|c| {
            Box::pin(async move {
                load_all(
                    &*c,
                    "SELECT json FROM alerts ORDER BY created NULLS FIRST, id",
                )
                .await
            })
        })
    }

    /// A bookkeeping value (e.g. a sync watermark).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.run(move |c| Box::pin(async move { meta_in(&*c, &key).await }))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.transaction(move |tx| Box::pin(async move { put_meta(tx, &key, &value).await }))
    }

    /// Binds the store to its tenant, as SQLite's engine does; the check and the first
    /// binding run in one transaction that holds a lock on `meta` against another
    /// binding, so two processes opening a new team store for two tenants cannot both
    /// bind it. A store already bound to this tenant under this name is only read, so
    /// a login that may not write (`cordon_reader`) opens it too.
    pub fn bind_tenant(&self, authority: &str, tenant_id: &str, label: &str) -> Result<()> {
        let (tenant, authority) = tenant_key(authority, tenant_id);
        let (label, store) = (label.to_owned(), format!("the team store {}", self.label()));
        let bound = (self.meta(TENANT_ID)?, self.meta(TENANT_AUTHORITY)?);
        if !tenant_unbound(bound, &tenant, &authority, &store)?
            && self.meta(TENANT_LABEL)?.as_deref() == Some(label.as_str())
        {
            return Ok(());
        }
        self.transaction(move |tx| {
            Box::pin(async move {
                tx.batch_execute("LOCK TABLE meta IN SHARE ROW EXCLUSIVE MODE")
                    .await?;
                let bound = (
                    meta_in(tx, TENANT_ID).await?,
                    meta_in(tx, TENANT_AUTHORITY).await?,
                );
                if tenant_unbound(bound, &tenant, &authority, &store)? {
                    put_meta(tx, TENANT_ID, &tenant).await?;
                    put_meta(tx, TENANT_AUTHORITY, &authority).await?;
                }
                put_meta(tx, TENANT_LABEL, &label).await
            })
        })
    }

    /// A setting's JSON; `None` when never set.
    pub fn setting_json(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.run(move |c| {
            Box::pin(async move {
                match opt(&*c, "SELECT json FROM settings WHERE key = $1", &[&key]).await? {
                    Some(r) => Ok(Some(get(&r, 0)?)),
                    None => Ok(None),
                }
            })
        })
    }

    pub fn set_setting_json(&self, key: &str, json: &str) -> Result<()> {
        let (key, json) = (key.to_owned(), json.to_owned());
        self.transaction(move |tx| Box::pin(async move { put_setting(tx, &key, &json).await }))
    }
}

pub(super) async fn put_setting(c: &impl GenericClient, key: &str, json: &str) -> Result<()> {
    exec(
        c,
        "INSERT INTO settings (key, json) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET json = excluded.json",
        &[&key, &json],
    )
    .await?;
    Ok(())
}
