//! The team store's schema: numbered migrations in PostgreSQL's dialect.
//!
//! Migrations 1 and 2 hold the tables of SQLite's migrations 1 and 2 (same names, same
//! columns, same meaning), so one store contract can read both engines alike. Where
//! PostgreSQL differs:
//! - **Text compares byte by byte.** Every `TEXT` column is `COLLATE "C"`, SQLite's
//!   `BINARY`: times stay RFC 3339 text and sort the same on both engines, and so do
//!   ids, whatever collation the database was created with.
//! - **Integers are `BIGINT`** (SQLite's `INTEGER` is 64-bit); the `seq` columns that
//!   SQLite numbers with `AUTOINCREMENT` are identity columns (`GENERATED ALWAYS`, so no
//!   client picks its own), and `machines` and `jobs` have an `ord` identity where the
//!   SQLite queries order by `rowid` (first insertion).
//! - **For the team**: `job_items.lease_owner` and `lease_until` (the claims' leases),
//!   and a `db_user` on `jobs`, `proposals` and `audit` that a trigger sets
//!   to `session_user` on every `INSERT` (and `UPDATE` for jobs and proposals), over
//!   whatever the client sent: the login that wrote the row, whoever it claims to be.
//! - **The engine keeps the audit append-only**: a statement trigger refuses `UPDATE`,
//!   `DELETE` and `TRUNCATE` on `audit` for every login, its owner and superusers
//!   included, on top of the grants (no role may do them).
//!
//! Migration 4 is SQLite's 3 (the team's leases, leaders and heartbeats; it adds
//! `cordon_schema.works_with`), migration 5 SQLite's 4 (the machine grid), migration 6
//! SQLite's 5 (what a grid row shows, and the grid's indexes at 100,000 machines).
//!
//! Migration 6 is not additive in effect, though it only adds: a Cordon of schema 5
//! writing the grid would move a row's state without its new columns (the named
//! action's requestor and comment), and every newer reader would show a stale sentence.
//! So it works with schema 6 and up only, and a Cordon one release back is refused.
//! Migration 7 is SQLite's 6 (an index on the actions' creation, additive: schema 6
//! goes on).
//!
//! Migration 3 makes the group roles (`NOLOGIN`, created when missing) and their grants;
//! `docs/team-store.md` says what each may do. A migration that adds a table grants on
//! it in the same migration. Never edit a migration that shipped: append one.

/// For each migration, the oldest program schema that may still use the store after
/// it (an additive migration leaves the previous release working).
pub const WORKS_WITH: &[u32] = &[1, 2, 3, 3, 4, 6, 6];
/// The first migration whose `cordon_schema` row can record [`WORKS_WITH`].
pub const WORKS_WITH_SINCE: u32 = 4;

/// The migrations, in order.
pub const MIGRATIONS: &[&str] = &[
    // 1: caches, journal, audit, settings (SQLite's 1), with the team's columns.
    r#"
    CREATE TABLE machines (
        id   TEXT COLLATE "C" PRIMARY KEY,
        json TEXT COLLATE "C" NOT NULL,
        ord  BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
    );
    CREATE TABLE actions (
        id         TEXT COLLATE "C" PRIMARY KEY,
        machine_id TEXT COLLATE "C",
        created    TEXT COLLATE "C" NOT NULL,
        json       TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE alerts (
        id      TEXT COLLATE "C" PRIMARY KEY,
        created TEXT COLLATE "C",
        json    TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE meta (
        key   TEXT COLLATE "C" PRIMARY KEY,
        value TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE settings (
        key  TEXT COLLATE "C" PRIMARY KEY,
        json TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE jobs (
        id              TEXT COLLATE "C" PRIMARY KEY,
        kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('isolate', 'release')),
        state           TEXT COLLATE "C" NOT NULL,
        comment         TEXT COLLATE "C" NOT NULL,
        isolation_type  TEXT COLLATE "C",
        requested_by    TEXT COLLATE "C" NOT NULL,
        source          TEXT COLLATE "C",
        created_at      TEXT COLLATE "C" NOT NULL,
        updated_at      TEXT COLLATE "C" NOT NULL,
        error           TEXT COLLATE "C",
        db_user         TEXT COLLATE "C" NOT NULL,
        ord             BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
    );
    CREATE TABLE job_items (
        job_id        TEXT COLLATE "C" NOT NULL REFERENCES jobs(id),
        seq           BIGINT NOT NULL,
        machine_id    TEXT COLLATE "C" NOT NULL,
        machine_name  TEXT COLLATE "C",
        state         TEXT COLLATE "C" NOT NULL,
        action_id     TEXT COLLATE "C",
        action_status TEXT COLLATE "C",
        attempts      BIGINT NOT NULL DEFAULT 0,
        misses        BIGINT NOT NULL DEFAULT 0,
        error         TEXT COLLATE "C",
        intent_at     TEXT COLLATE "C",
        not_before    TEXT COLLATE "C",
        created_at    TEXT COLLATE "C" NOT NULL,
        updated_at    TEXT COLLATE "C" NOT NULL,
        lease_owner   TEXT COLLATE "C",
        lease_until   TEXT COLLATE "C",
        PRIMARY KEY (job_id, machine_id)
    );
    CREATE INDEX job_items_state ON job_items(state);
    CREATE INDEX job_items_machine ON job_items(machine_id);
    CREATE TABLE audit (
        seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at         TEXT COLLATE "C" NOT NULL,
        actor      TEXT COLLATE "C" NOT NULL,
        event      TEXT COLLATE "C" NOT NULL,
        job_id     TEXT COLLATE "C",
        machine_id TEXT COLLATE "C",
        action_id  TEXT COLLATE "C",
        comment    TEXT COLLATE "C",
        from_state TEXT COLLATE "C",
        to_state   TEXT COLLATE "C",
        detail     TEXT COLLATE "C" NOT NULL,
        db_user    TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX audit_job ON audit(job_id);

    -- The login that wrote the row, over whatever the client sent.
    CREATE FUNCTION cordon_stamp_db_user() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        NEW.db_user := session_user;
        RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER jobs_db_user BEFORE INSERT OR UPDATE ON jobs
        FOR EACH ROW EXECUTE FUNCTION cordon_stamp_db_user();
    CREATE TRIGGER audit_db_user BEFORE INSERT ON audit
        FOR EACH ROW EXECUTE FUNCTION cordon_stamp_db_user();

    -- Per statement, so even a statement that matches no row is refused.
    CREATE FUNCTION cordon_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $fn$;
    CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION cordon_audit_append_only();
    "#,
    // 2: automation (SQLite's 2): the rule's seen alerts, runs and decisions, the
    // approval queue, suppressed detections.
    r#"
    CREATE TABLE rule_seen (
        alert_id TEXT COLLATE "C" PRIMARY KEY,
        created  TEXT COLLATE "C",
        seen_at  TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX rule_seen_at ON rule_seen(seen_at);
    CREATE TABLE rule_runs (
        seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at        TEXT COLLATE "C" NOT NULL,
        mode      TEXT COLLATE "C" NOT NULL,
        alerts    BIGINT NOT NULL,
        decisions BIGINT NOT NULL
    );
    CREATE INDEX rule_runs_at ON rule_runs(at);
    CREATE TABLE rule_decisions (
        seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at           TEXT COLLATE "C" NOT NULL,
        alert_id     TEXT COLLATE "C" NOT NULL,
        machine_id   TEXT COLLATE "C" NOT NULL,
        machine_name TEXT COLLATE "C",
        decision     TEXT COLLATE "C" NOT NULL,
        reason       TEXT COLLATE "C" NOT NULL,
        mode         TEXT COLLATE "C" NOT NULL,
        job_id       TEXT COLLATE "C",
        proposal_id  TEXT COLLATE "C",
        alert_title  TEXT COLLATE "C"
    );
    CREATE INDEX rule_decisions_at ON rule_decisions(at);
    CREATE INDEX rule_decisions_alert ON rule_decisions(alert_id);
    CREATE INDEX rule_decisions_machine ON rule_decisions(machine_id, decision);
    CREATE TABLE proposals (
        id               TEXT COLLATE "C" PRIMARY KEY,
        machine_id       TEXT COLLATE "C" NOT NULL,
        machine_name     TEXT COLLATE "C",
        action           TEXT COLLATE "C" NOT NULL CHECK (action IN ('isolate', 'release')),
        isolation_type   TEXT COLLATE "C",
        comment          TEXT COLLATE "C" NOT NULL,
        reason           TEXT COLLATE "C" NOT NULL,
        alert_id         TEXT COLLATE "C",
        proposed_by      TEXT COLLATE "C" NOT NULL,
        proposed_by_oid  TEXT COLLATE "C" NOT NULL,
        proposed_at      TEXT COLLATE "C" NOT NULL,
        expires_at       TEXT COLLATE "C" NOT NULL,
        state            TEXT COLLATE "C" NOT NULL,
        decided_by       TEXT COLLATE "C",
        decided_by_oid   TEXT COLLATE "C",
        decided_at       TEXT COLLATE "C",
        decision_comment TEXT COLLATE "C",
        job_id           TEXT COLLATE "C",
        override_reason  TEXT COLLATE "C",
        db_user          TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX proposals_state ON proposals(state);
    CREATE TRIGGER proposals_db_user BEFORE INSERT OR UPDATE ON proposals
        FOR EACH ROW EXECUTE FUNCTION cordon_stamp_db_user();
    CREATE TABLE suppressions (
        kind       TEXT COLLATE "C" NOT NULL,
        value      TEXT COLLATE "C" NOT NULL,
        until      TEXT COLLATE "C" NOT NULL,
        by         TEXT COLLATE "C" NOT NULL,
        reason     TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (kind, value)
    );
    "#,
    // 3: the group roles and what each may do (docs/team-store.md). Roles belong to the
    // whole server, so they are made only when missing, and a process migrating another
    // database at the same moment may make them first.
    r#"
    DO $do$
    DECLARE
        r text;
    BEGIN
        FOREACH r IN ARRAY ARRAY['cordon_reader', 'cordon_analyst', 'cordon_agent'] LOOP
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                BEGIN
                    EXECUTE format('CREATE ROLE %I NOLOGIN', r);
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;
                END;
            END IF;
        END LOOP;
    END
    $do$;

    -- Locking the tables, this also brings this session's view of the roles up to date
    -- when another process made them a moment ago (the grants below look them up).
    REVOKE ALL ON cordon_schema, machines, actions, alerts, meta, settings, jobs, job_items,
        audit, rule_seen, rule_runs, rule_decisions, proposals, suppressions FROM PUBLIC;

    -- Everyone reads everything.
    GRANT SELECT ON cordon_schema, machines, actions, alerts, meta, settings, jobs,
        job_items, audit, rule_seen, rule_runs, rule_decisions, proposals, suppressions
        TO cordon_reader, cordon_analyst, cordon_agent;

    -- A person in the app or the CLI: starts and follows jobs, proposes and decides,
    -- changes settings, suppresses detections, refreshes the caches (deleting what
    -- Defender no longer has), and appends to the audit log, never more.
    GRANT INSERT ON audit TO cordon_analyst, cordon_agent;
    GRANT INSERT, UPDATE ON jobs, job_items, proposals, settings, meta, suppressions
        TO cordon_analyst, cordon_agent;
    GRANT INSERT, UPDATE, DELETE ON machines, actions, alerts
        TO cordon_analyst, cordon_agent;

    -- The agent also runs the isolation rule: its memory of seen alerts (pruned), its
    -- runs and its decisions.
    GRANT INSERT ON rule_seen, rule_runs, rule_decisions TO cordon_agent;
    GRANT DELETE ON rule_seen TO cordon_agent;
    "#,
    // 4: the team's columns and tables (`crate::team`): whose processes may send a
    // job, named leases (the sync and automation leaders) and the processes'
    // heartbeats (`job_items` has had its lease columns since 1). Additive: a Cordon
    // of schema 3 may go on using the store (`cordon_schema.works_with`).
    r#"
    ALTER TABLE cordon_schema ADD COLUMN works_with INTEGER;
    ALTER TABLE jobs ADD COLUMN sender TEXT COLLATE "C";
    CREATE TABLE leases (
        name     TEXT COLLATE "C" PRIMARY KEY,
        owner    TEXT COLLATE "C" NOT NULL,
        kind     TEXT COLLATE "C" NOT NULL,
        label    TEXT COLLATE "C" NOT NULL,
        until    TEXT COLLATE "C" NOT NULL,
        taken_at TEXT COLLATE "C" NOT NULL,
        db_user  TEXT COLLATE "C" NOT NULL
    );
    CREATE TRIGGER leases_db_user BEFORE INSERT OR UPDATE ON leases
        FOR EACH ROW EXECUTE FUNCTION cordon_stamp_db_user();
    CREATE TABLE processes (
        owner      TEXT COLLATE "C" PRIMARY KEY,
        kind       TEXT COLLATE "C" NOT NULL,
        label      TEXT COLLATE "C" NOT NULL,
        host       TEXT COLLATE "C" NOT NULL,
        oid        TEXT COLLATE "C",
        app_id     TEXT COLLATE "C",
        started_at TEXT COLLATE "C" NOT NULL,
        seen_at    TEXT COLLATE "C" NOT NULL,
        db_user    TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX processes_seen ON processes(seen_at);
    CREATE TRIGGER processes_db_user BEFORE INSERT OR UPDATE ON processes
        FOR EACH ROW EXECUTE FUNCTION cordon_stamp_db_user();
    REVOKE ALL ON leases, processes FROM PUBLIC;
    GRANT SELECT ON leases, processes TO cordon_reader, cordon_analyst, cordon_agent;
    GRANT INSERT, UPDATE, DELETE ON leases, processes TO cordon_analyst, cordon_agent;
    "#,
    // 5: the machine grid (SQLite's 4): one row per machine with what the grid filters
    // and sorts by, its change cursor, the removals since; the actions of a machine
    // by id. Whoever refreshes the caches refreshes the grid.
    r#"
    CREATE TABLE grid (
        id        TEXT COLLATE "C" PRIMARY KEY,
        name      TEXT COLLATE "C" NOT NULL,
        state     BIGINT NOT NULL,
        since     TEXT COLLATE "C",
        health    TEXT COLLATE "C" NOT NULL,
        os        TEXT COLLATE "C" NOT NULL,
        risk      BIGINT NOT NULL,
        exposure  BIGINT NOT NULL,
        value     BIGINT NOT NULL,
        grp       TEXT COLLATE "C" NOT NULL,
        tags      TEXT COLLATE "C" NOT NULL,
        last_seen TEXT COLLATE "C",
        ip        TEXT COLLATE "C" NOT NULL,
        version   BIGINT NOT NULL
    );
    CREATE INDEX grid_name ON grid(name);
    CREATE INDEX grid_state ON grid(state, since);
    CREATE INDEX grid_version ON grid(version);
    CREATE TABLE grid_gone (
        id      TEXT COLLATE "C" PRIMARY KEY,
        version BIGINT NOT NULL
    );
    CREATE INDEX actions_machine ON actions(lower(machine_id));
    REVOKE ALL ON grid, grid_gone FROM PUBLIC;
    GRANT SELECT ON grid, grid_gone TO cordon_reader, cordon_analyst, cordon_agent;
    GRANT INSERT, UPDATE, DELETE ON grid, grid_gone TO cordon_analyst, cordon_agent;
    "#,
    // 6: what a grid row shows (SQLite's 5), and the grid's indexes at 100,000
    // machines (`grid_sql.rs` says why each); the grid is rebuilt at the next open
    // (`grid.basis` 2). The new columns and indexes fall under the table's grants.
    r#"
    ALTER TABLE grid ADD COLUMN label TEXT COLLATE "C" NOT NULL DEFAULT '';
    ALTER TABLE grid ADD COLUMN risk_word TEXT COLLATE "C";
    ALTER TABLE grid ADD COLUMN exposure_word TEXT COLLATE "C";
    ALTER TABLE grid ADD COLUMN value_word TEXT COLLATE "C";
    ALTER TABLE grid ADD COLUMN act BIGINT;
    ALTER TABLE grid ADD COLUMN requestor TEXT COLLATE "C" NOT NULL DEFAULT '';
    ALTER TABLE grid ADD COLUMN comment TEXT COLLATE "C" NOT NULL DEFAULT '';
    DROP INDEX grid_name;
    CREATE INDEX grid_list ON grid(name, id, version, ip);
    CREATE INDEX grid_isolated ON grid(name, id, version) WHERE state >= 3;
    "#,
    // 7: the actions by creation, newest first (SQLite's 6: History's pages and a
    // range's walk in chunks).
    r#"
    CREATE INDEX actions_created ON actions(created, id);
    "#,
];
