//! Applying the team store's migrations ([`super::migrations`]).
//!
//! `cordon_schema` holds one row per migration applied (`version`, when, by which
//! login); the store's version is the highest. Each migration runs in one transaction
//! with its row, so a crash or a failed statement leaves the old schema or the new one,
//! never a mix. Many Cordon processes may open one new store at the same moment: each
//! migration transaction first takes a transaction-scoped advisory lock (one key for
//! Cordon's schema, in this database), then reads the version *again*, so the
//! processes apply each migration once, one after the other (the primary key on
//! `version` would refuse a second row anyway). The lock is taken before
//! `cordon_schema` exists, so even its creation is serialised.
//!
//! The version is first read without a lock and without writing: an up-to-date store
//! costs one query, and a login that may only read (`cordon_reader`) opens it too. A
//! store whose version is higher than this build's is refused with a sentence, before
//! anything is written to it.

use deadpool_postgres::GenericClient;

use super::{LOCK_KEY, team_error};
use crate::error::Result;

/// The version this build writes (the number of migrations).
pub const PG_SCHEMA_VERSION: u32 = super::migrations::MIGRATIONS.len() as u32;

const CREATE_SCHEMA_TABLE: &str = r#"
    CREATE TABLE cordon_schema (
        version    INTEGER PRIMARY KEY CHECK (version > 0),
        applied_at TEXT COLLATE "C" NOT NULL,
        applied_by TEXT COLLATE "C" NOT NULL DEFAULT session_user
    )"#;

/// The store's version: 0 for a database Cordon never migrated.
pub(crate) async fn read_version(c: &impl GenericClient) -> Result<u32> {
    let exists: bool = c
        .query_one("SELECT to_regclass('cordon_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: i32 = c
        .query_one("SELECT COALESCE(MAX(version), 0) FROM cordon_schema", &[])
        .await?
        .get(0);
    Ok(u32::try_from(v).unwrap_or(0))
}

/// Refuses a store written by a newer Cordon.
fn refuse_newer(current: u32, latest: u32) -> Result<()> {
    if current > latest {
        return Err(team_error(format!(
            "the team store was written by a newer Cordon (schema {current}, this one knows {latest}); update Cordon, nothing was changed"
        )));
    }
    Ok(())
}

/// Applies the missing migrations of `migrations` on `client`, one transaction each.
pub(crate) async fn migrate(
    client: &mut deadpool_postgres::Client,
    migrations: &[&str],
) -> Result<()> {
    let latest = migrations.len() as u32;
    let current = read_version(&*client).await?;
    refuse_newer(current, latest)?;
    if current == latest {
        return Ok(());
    }
    loop {
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await?;
        let current = read_version(&tx).await?;
        // Dropping `tx` on an error rolls it back: nothing is written.
        refuse_newer(current, latest)?;
        let Some(sql) = migrations.get(current as usize) else {
            tx.rollback().await?;
            return Ok(());
        };
        if current == 0 {
            tx.batch_execute(CREATE_SCHEMA_TABLE).await?;
        }
        let next = current + 1;
        tx.batch_execute(sql).await.map_err(|e| {
            team_error(format!(
                "migration {next} of the team store failed: {}",
                super::describe(&e)
            ))
        })?;
        let version = i32::try_from(next).unwrap_or(i32::MAX);
        let now = crate::time::rfc3339_millis(chrono::Utc::now());
        tx.execute(
            "INSERT INTO cordon_schema (version, applied_at) VALUES ($1, $2)",
            &[&version, &now],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version = next, "team store migrated");
    }
}
