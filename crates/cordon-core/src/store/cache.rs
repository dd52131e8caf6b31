//! The caches: the last known machines, isolation actions and alerts as JSON blobs
//! keyed by id (the wire entities serialise to what they read back), plus small
//! key/value bookkeeping (`meta`: sync watermarks) and the settings. A restart shows
//! the last known fleet before the first sync answers.

use mde_api::{Alert, Machine, MachineAction};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{SqliteStore, ts};
use crate::error::{CoreError, Result};

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Storage(format!("encoding a cache row: {e}")))
}

/// Reads every blob of `table`; a row that no longer decodes is skipped (it is a
/// cache: the next sync brings it back).
fn load_all<T: DeserializeOwned>(store: &SqliteStore, sql: &str) -> Result<Vec<T>> {
    let conn = store.conn();
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for json in rows {
        if let Ok(v) = serde_json::from_str(&json?) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Runs `sql` (an upsert) once per row of `rows`, binding each with `bind`, in `tx`.
fn upsert_in<T>(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> Result<usize>,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(sql)?;
    for r in rows {
        bind(&mut stmt, r)?;
    }
    Ok(())
}

impl SqliteStore {
    /// `upsert_in` in a write of its own; nothing is written when `rows` is empty.
    fn upsert<T>(
        &self,
        sql: &str,
        rows: &[T],
        bind: impl Fn(&mut rusqlite::CachedStatement<'_>, &T) -> Result<usize>,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write(|tx| upsert_in(tx, sql, rows, bind))
    }

    /// Upserts `machines` and forgets `removed` (machines gone from the tenant).
    pub fn save_machines(&self, machines: &[Machine], removed: &[String]) -> Result<()> {
        if machines.is_empty() && removed.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let mut delete = tx.prepare_cached("DELETE FROM machines WHERE id = ?1")?;
            for id in removed {
                delete.execute([id])?;
            }
            upsert_in(
                tx,
                "INSERT INTO machines (id, json) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                machines,
                |stmt, m| Ok(stmt.execute(params![m.id, to_json(m)?])?),
            )
        })
    }

    /// Upserts isolation actions.
    pub fn save_actions(&self, actions: &[MachineAction]) -> Result<()> {
        self.upsert(
            "INSERT INTO actions (id, machine_id, created, json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET json = excluded.json",
            actions,
            |stmt, a| {
                Ok(stmt.execute(params![
                    a.id,
                    a.machine_id,
                    ts(a.creation_date_time_utc),
                    to_json(a)?
                ])?)
            },
        )
    }

    /// Upserts alerts.
    pub fn save_alerts(&self, alerts: &[Alert]) -> Result<()> {
        self.upsert(
            "INSERT INTO alerts (id, created, json) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET json = excluded.json",
            alerts,
            |stmt, a| {
                Ok(stmt.execute(params![a.id, a.alert_creation_time.map(ts), to_json(a)?])?)
            },
        )
    }

    pub fn load_machines(&self) -> Result<Vec<Machine>> {
        load_all(self, "SELECT json FROM machines ORDER BY rowid")
    }

    pub fn load_actions(&self) -> Result<Vec<MachineAction>> {
        load_all(self, "SELECT json FROM actions ORDER BY created, id")
    }

    pub fn load_alerts(&self) -> Result<Vec<Alert>> {
        load_all(self, "SELECT json FROM alerts ORDER BY created, id")
    }

    /// A bookkeeping value (e.g. a sync watermark).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Runs the key/value upsert `sql` with `key` and `value`, in a write of its own.
    fn put(&self, sql: &str, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(sql, params![key, value])?;
            Ok(())
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.put(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            key,
            value,
        )
    }

    /// Binds the store to its tenant: the first open records the tenant id, its
    /// authority and the human name (`meta`); a later open by another tenant is
    /// refused, so two tenants' caches, watermarks and jobs never mix in one file
    /// (whatever its name). The human name follows the latest open.
    pub fn bind_tenant(&self, authority: &str, tenant_id: &str, label: &str) -> Result<()> {
        let (tenant, authority) = tenant_key(authority, tenant_id);
        let file = self
            .path()
            .map_or_else(|| "this store".to_owned(), |p| p.display().to_string());
        let bound = (self.meta(TENANT_ID)?, self.meta(TENANT_AUTHORITY)?);
        if tenant_unbound(bound, &tenant, &authority, &file)? {
            self.set_meta(TENANT_ID, &tenant)?;
            self.set_meta(TENANT_AUTHORITY, &authority)?;
        }
        self.set_meta(TENANT_LABEL, label)
    }

    /// A setting's JSON; `None` when never set.
    pub fn setting_json(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT json FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting_json(&self, key: &str, json: &str) -> Result<()> {
        self.put(
            "INSERT INTO settings (key, json) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET json = excluded.json",
            key,
            json,
        )
    }

    /// A setting stored as JSON, decoded; `None` when never set.
    pub(crate) fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        decode_setting(key, self.setting_json(key)?)
    }
}

/// A stored setting's JSON, decoded (the same rule for every engine).
pub(crate) fn decode_setting<T: DeserializeOwned>(
    key: &str,
    json: Option<String>,
) -> Result<Option<T>> {
    json.map(|j| {
        serde_json::from_str(&j)
            .map_err(|e| CoreError::Storage(format!("setting {key} does not decode: {e}")))
    })
    .transpose()
}

/// The `meta` keys that bind a store to its tenant ([`Store::bind_tenant`]).
pub(crate) const TENANT_ID: &str = "tenant.id";
pub(crate) const TENANT_AUTHORITY: &str = "tenant.authority";
pub(crate) const TENANT_LABEL: &str = "tenant.label";

/// A tenant as a store records it: (id trimmed and lowercased, authority trimmed).
pub(crate) fn tenant_key(authority: &str, tenant_id: &str) -> (String, String) {
    (
        tenant_id.trim().to_ascii_lowercase(),
        authority.trim().to_owned(),
    )
}

/// Whether a store whose `meta` binds it to `bound` (tenant id, authority) must now be
/// bound to `tenant` at `authority` (`true`: not bound yet); refused when it holds
/// another tenant's journal. `store` names the store in the refusal.
pub(crate) fn tenant_unbound(
    bound: (Option<String>, Option<String>),
    tenant: &str,
    authority: &str,
    store: &str,
) -> Result<bool> {
    match bound {
        (Some(t), Some(a)) if t != tenant || a != authority => Err(CoreError::Storage(format!(
            "{store} holds the journal of tenant {t} ({a}), not of {tenant} ({authority}): Cordon does not mix two tenants' journals. Nothing was read or sent."
        ))),
        (Some(_), Some(_)) => Ok(false),
        _ => Ok(true),
    }
}
