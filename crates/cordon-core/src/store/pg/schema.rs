//! Applying the team store's migrations ([`super::migrations`]).
//!
//! `cordon_schema` holds one row per migration applied (`version`, when, by which
//! login); the store's version is the highest. Each migration runs in one transaction
//! with its row, so a crash or a failed statement leaves the old schema or the new one,
//! never a mix. Many Cordon processes may open one new store at the same moment: each
//! migration transaction first locks `cordon_schema` (`EXCLUSIVE`: plain reads go on),
//! then reads the version *again*, so the processes apply each migration once, one
//! after the other (the primary key on `version` would refuse a second row anyway).
//!
//! Why a table lock and not an advisory one: waiting for a relation lock makes the
//! server take in the catalog changes committed meanwhile, so the migrations that the
//! other process committed are seen. After waiting on an advisory lock, a statement in
//! the same transaction may still see the catalog as it was before (a table that now
//! exists looked up as missing): the tests caught exactly that. `cordon_schema` itself
//! is made first, on its own; two processes making it at once is harmless (the loser's
//! duplicate error is ignored).
//!
//! The version is first read without a lock and without writing: an up-to-date store
//! costs one query, and a login that may only read (`cordon_reader`) opens it too. A
//! store whose version is higher than this build's is refused with a sentence, before
//! anything is written to it — unless the migrations since were additive down to this
//! build's version (`cordon_schema.works_with`, recorded since migration 4), so a team
//! can upgrade the agent first and the desktops over the following days.

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;

use super::team_error;
use crate::error::Result;

/// The version this build writes (the number of migrations).
pub const PG_SCHEMA_VERSION: u32 = super::migrations::MIGRATIONS.len() as u32;

const CREATE_SCHEMA_TABLE: &str = r#"
    CREATE TABLE IF NOT EXISTS cordon_schema (
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

/// The oldest program schema that may still use a store at `version`, as recorded
/// by the migration that made it (`None` before migration 4 recorded it).
async fn works_with(c: &impl GenericClient, version: u32) -> Result<Option<u32>> {
    let has: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_name = 'cordon_schema' AND column_name = 'works_with'
                  AND table_schema = current_schema())",
            &[],
        )
        .await?
        .get(0);
    if !has {
        return Ok(None);
    }
    let v = i32::try_from(version).unwrap_or(i32::MAX);
    let row = c
        .query_opt(
            "SELECT works_with FROM cordon_schema WHERE version = $1",
            &[&v],
        )
        .await?;
    Ok(row
        .and_then(|r| r.get::<_, Option<i32>>(0))
        .and_then(|w| u32::try_from(w).ok()))
}

/// Whether this build (schema `latest`) may use a store at `current` without
/// migrating it: the same version, or a newer one whose migrations since were
/// additive down to `latest` ("one release back": the agent upgrades first).
async fn usable_as_is(c: &impl GenericClient, current: u32, latest: u32) -> Result<bool> {
    if current == latest {
        return Ok(true);
    }
    if current < latest {
        return Ok(false);
    }
    match works_with(c, current).await? {
        Some(w) if w <= latest => {
            tracing::info!(
                store = current,
                program = latest,
                "the team store is one additive step ahead: used as is"
            );
            Ok(true)
        }
        _ => refuse_newer(current, latest).map(|()| false),
    }
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

/// Makes `cordon_schema`, unless another process just did: the one that loses the race
/// gets a duplicate error (of the table, its row type or its catalog row, depending on
/// the moment), which only means the table is there; locking it next checks that.
async fn create_schema_table(client: &deadpool_postgres::Client) -> Result<()> {
    match client.batch_execute(CREATE_SCHEMA_TABLE).await {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.code(),
                Some(
                    &SqlState::UNIQUE_VIOLATION
                        | &SqlState::DUPLICATE_TABLE
                        | &SqlState::DUPLICATE_OBJECT
                )
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Applies the missing migrations of `migrations` on `client`, one transaction each.
pub(crate) async fn migrate(
    client: &mut deadpool_postgres::Client,
    migrations: &[&str],
) -> Result<()> {
    let latest = migrations.len() as u32;
    let current = read_version(&*client).await?;
    if usable_as_is(&*client, current, latest).await? {
        return Ok(());
    }
    let cannot = |e: crate::error::CoreError| {
        team_error(format!(
            "cannot bring the team store from schema {current} to {latest}: {}",
            e.to_string().trim_start_matches("team store: ")
        ))
    };
    if current == 0 {
        create_schema_table(client).await.map_err(cannot)?;
    }
    loop {
        let tx = client.transaction().await?;
        tx.batch_execute("LOCK TABLE cordon_schema IN EXCLUSIVE MODE")
            .await
            .map_err(|e| cannot(e.into()))?;
        let current = read_version(&tx).await?;
        // Dropping `tx` on an error rolls it back: nothing is written.
        if current >= latest && usable_as_is(&tx, current, latest).await? {
            tx.rollback().await?;
            return Ok(());
        }
        let Some(sql) = migrations.get(current as usize) else {
            tx.rollback().await?;
            return Ok(());
        };
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
        if let Some(w) = super::migrations::WORKS_WITH
            .get(current as usize)
            .filter(|_| next >= super::migrations::WORKS_WITH_SINCE)
        {
            let w = i32::try_from(*w).unwrap_or(i32::MAX);
            tx.execute(
                "UPDATE cordon_schema SET works_with = $1 WHERE version = $2",
                &[&w, &version],
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!(version = next, "team store migrated");
    }
}
