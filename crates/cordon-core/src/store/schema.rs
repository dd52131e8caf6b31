//! The store's schema, as embedded, numbered migrations.
//!
//! `PRAGMA user_version` holds the number of migrations applied. Each migration runs
//! in one `IMMEDIATE` transaction together with its `user_version` bump, so a crash
//! leaves the old or the new schema, never a mix (D-7); reopening applies only what is
//! missing. A store from a newer Cordon (a higher version) is refused, not guessed at.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{CoreError, Result};

/// The migrations, in order; never edit one that shipped, append a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: caches, journal, audit, settings.
    r#"
    CREATE TABLE machines (
        id   TEXT PRIMARY KEY,
        json TEXT NOT NULL
    );
    CREATE TABLE actions (
        id         TEXT PRIMARY KEY,
        machine_id TEXT,
        created    TEXT NOT NULL,
        json       TEXT NOT NULL
    );
    CREATE TABLE alerts (
        id      TEXT PRIMARY KEY,
        created TEXT,
        json    TEXT NOT NULL
    );
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE settings (
        key  TEXT PRIMARY KEY,
        json TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('isolate', 'release')),
        state           TEXT NOT NULL,
        comment         TEXT NOT NULL,
        isolation_type  TEXT,
        requested_by    TEXT NOT NULL,
        source          TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        error           TEXT
    );
    CREATE TABLE job_items (
        job_id       TEXT NOT NULL REFERENCES jobs(id),
        seq          INTEGER NOT NULL,
        machine_id   TEXT NOT NULL,
        machine_name TEXT,
        state        TEXT NOT NULL,
        action_id    TEXT,
        action_status TEXT,
        attempts     INTEGER NOT NULL DEFAULT 0,
        misses       INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        intent_at    TEXT,
        not_before   TEXT,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (job_id, machine_id)
    );
    CREATE INDEX job_items_state ON job_items(state);
    CREATE INDEX job_items_machine ON job_items(machine_id);
    CREATE TABLE audit (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        at         TEXT NOT NULL,
        actor      TEXT NOT NULL,
        event      TEXT NOT NULL,
        job_id     TEXT,
        machine_id TEXT,
        action_id  TEXT,
        comment    TEXT,
        from_state TEXT,
        to_state   TEXT,
        detail     TEXT NOT NULL
    );
    CREATE INDEX audit_job ON audit(job_id);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: automation: the rule's seen alerts, runs and decisions, the approval queue,
    // suppressed detections.
    r#"
    CREATE TABLE rule_seen (
        alert_id TEXT PRIMARY KEY,
        created  TEXT,
        seen_at  TEXT NOT NULL
    );
    CREATE INDEX rule_seen_at ON rule_seen(seen_at);
    CREATE TABLE rule_runs (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        at        TEXT NOT NULL,
        mode      TEXT NOT NULL,
        alerts    INTEGER NOT NULL,
        decisions INTEGER NOT NULL
    );
    CREATE INDEX rule_runs_at ON rule_runs(at);
    CREATE TABLE rule_decisions (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        alert_id     TEXT NOT NULL,
        machine_id   TEXT NOT NULL,
        machine_name TEXT,
        decision     TEXT NOT NULL,
        reason       TEXT NOT NULL,
        mode         TEXT NOT NULL,
        job_id       TEXT,
        proposal_id  TEXT,
        alert_title  TEXT
    );
    CREATE INDEX rule_decisions_at ON rule_decisions(at);
    CREATE INDEX rule_decisions_alert ON rule_decisions(alert_id);
    CREATE INDEX rule_decisions_machine ON rule_decisions(machine_id, decision);
    CREATE TABLE proposals (
        id               TEXT PRIMARY KEY,
        machine_id       TEXT NOT NULL,
        machine_name     TEXT,
        action           TEXT NOT NULL CHECK (action IN ('isolate', 'release')),
        isolation_type   TEXT,
        comment          TEXT NOT NULL,
        reason           TEXT NOT NULL,
        alert_id         TEXT,
        proposed_by      TEXT NOT NULL,
        proposed_by_oid  TEXT NOT NULL,
        proposed_at      TEXT NOT NULL,
        expires_at       TEXT NOT NULL,
        state            TEXT NOT NULL,
        decided_by       TEXT,
        decided_by_oid   TEXT,
        decided_at       TEXT,
        decision_comment TEXT,
        job_id           TEXT,
        override_reason  TEXT
    );
    CREATE INDEX proposals_state ON proposals(state);
    CREATE TABLE suppressions (
        kind       TEXT NOT NULL,
        value      TEXT NOT NULL,
        until      TEXT NOT NULL,
        by         TEXT NOT NULL,
        reason     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (kind, value)
    );
    "#,
    // 3: the team's columns and tables (`crate::team`): whose processes may send a
    // job, item leases, named leases (the sync and automation leaders) and the
    // processes' heartbeats. Additive: a Cordon of schema 2 ignores them.
    r#"
    ALTER TABLE jobs ADD COLUMN sender TEXT;
    ALTER TABLE job_items ADD COLUMN lease_owner TEXT;
    ALTER TABLE job_items ADD COLUMN lease_until TEXT;
    CREATE TABLE leases (
        name     TEXT PRIMARY KEY,
        owner    TEXT NOT NULL,
        kind     TEXT NOT NULL,
        label    TEXT NOT NULL,
        until    TEXT NOT NULL,
        taken_at TEXT NOT NULL
    );
    CREATE TABLE processes (
        owner      TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        label      TEXT NOT NULL,
        host       TEXT NOT NULL,
        oid        TEXT,
        app_id     TEXT,
        started_at TEXT NOT NULL,
        seen_at    TEXT NOT NULL
    );
    CREATE INDEX processes_seen ON processes(seen_at);
    "#,
    // 4: the machine grid (`grid_sql.rs`): one row per machine with what the grid
    // filters and sorts by, its change cursor, the removals since; the actions of a
    // machine by id (a window derives its rows from them).
    r#"
    CREATE TABLE grid (
        id        TEXT PRIMARY KEY,
        name      TEXT NOT NULL,
        state     INTEGER NOT NULL,
        since     TEXT,
        health    TEXT NOT NULL,
        os        TEXT NOT NULL,
        risk      INTEGER NOT NULL,
        exposure  INTEGER NOT NULL,
        value     INTEGER NOT NULL,
        grp       TEXT NOT NULL,
        tags      TEXT NOT NULL,
        last_seen TEXT,
        ip        TEXT NOT NULL,
        version   INTEGER NOT NULL
    );
    CREATE INDEX grid_name ON grid(name);
    CREATE INDEX grid_state ON grid(state, since);
    CREATE INDEX grid_version ON grid(version);
    CREATE TABLE grid_gone (
        id      TEXT PRIMARY KEY,
        version INTEGER NOT NULL
    );
    CREATE INDEX actions_machine ON actions(lower(machine_id));
    "#,
    // 5: what a grid row shows (`grid_codes.rs`: the display name, the wire words,
    // the named action's status, requestor and comment), so a whole list is one read
    // of `grid`; the grid is rebuilt at the next open (`grid.basis` 2). Indexes for
    // the grid's questions at 100,000 machines, each justified in `grid_sql.rs`.
    r#"
    ALTER TABLE grid ADD COLUMN label TEXT NOT NULL DEFAULT '';
    ALTER TABLE grid ADD COLUMN risk_word TEXT;
    ALTER TABLE grid ADD COLUMN exposure_word TEXT;
    ALTER TABLE grid ADD COLUMN value_word TEXT;
    ALTER TABLE grid ADD COLUMN act INTEGER;
    ALTER TABLE grid ADD COLUMN requestor TEXT NOT NULL DEFAULT '';
    ALTER TABLE grid ADD COLUMN comment TEXT NOT NULL DEFAULT '';
    DROP INDEX grid_name;
    CREATE INDEX grid_list ON grid(name, id, version, ip);
    CREATE INDEX grid_isolated ON grid(name, id, version) WHERE state >= 3;
    "#,
    // 6: the actions by creation, newest first (`action_reads.rs`: History's pages and
    // a range's walk in chunks, now that the fleet keeps only the live actions).
    r#"
    CREATE INDEX actions_created ON actions(created, id);
    "#,
];

/// The schema version this build writes (the number of migrations).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Applies the missing migrations, each in its own transaction. The version is read
/// again inside each transaction, so two processes opening a new store at once do not
/// both apply the same migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_with(conn, MIGRATIONS)
}

/// Applies only the first `version` migrations: a store as an older Cordon left it,
/// for the crash-during-migration tests (D-7).
#[doc(hidden)]
pub fn migrate_to(conn: &mut Connection, version: u32) -> Result<()> {
    let n = (version as usize).min(MIGRATIONS.len());
    migrate_with(conn, MIGRATIONS.get(..n).unwrap_or(MIGRATIONS))
}

/// Applies the missing migrations of `migrations` (the store's own list, or a test's
/// list with a longer migration appended, so a kill can land inside one).
#[doc(hidden)]
pub fn migrate_with(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    let latest = migrations.len() as u32;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > latest {
            return Err(CoreError::Storage(format!(
                "the store was written by a newer Cordon (schema {current}, this one knows {latest}); update Cordon"
            )));
        }
        let Some(sql) = migrations.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
        tracing::info!(version = current + 1, "store migrated");
    }
}
