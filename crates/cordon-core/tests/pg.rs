//! The team store (PostgreSQL) against a real server: migrations applied once, even by
//! processes opening a new store together; a store from a newer Cordon refused and left
//! as it was; the append-only audit kept by the engine; the roles' grants; the
//! `session_user` stamp; and the synchronous API called from runtimes and threads.
//!
//! The server's URL comes from `CORDON_TEST_PG_URL` (`eval "$(bash scripts/pg.sh
//! start)"`); without it these tests fail, unless `CORDON_SKIP_PG=1`. Each test works
//! in a database of its own, dropped at its end.
#![allow(clippy::unwrap_used)]

#[path = "pg/harness.rs"]
mod harness;
#[path = "pg/roles.rs"]
mod pg_roles;
#[path = "pg/threads.rs"]
mod pg_threads;

use std::sync::{Arc, Barrier};

use cordon_core::CoreError;
use cordon_core::store::pg::{PG_MIGRATIONS, PG_SCHEMA_VERSION, PG_WORKS_WITH, PgStore};
use harness::{TestDb, scalar, sqlstate};

/// Every table of the team store, `cordon_schema` included.
pub const TABLES: &[&str] = &[
    "cordon_schema",
    "machines",
    "actions",
    "alerts",
    "meta",
    "settings",
    "jobs",
    "job_items",
    "audit",
    "rule_seen",
    "rule_runs",
    "rule_decisions",
    "proposals",
    "suppressions",
    "leases",
    "processes",
    "grid",
    "grid_gone",
];

/// The applied migrations, as `version` lines.
fn applied(db: &TestDb) -> Vec<String> {
    db.sql("SELECT version, applied_at, applied_by FROM cordon_schema ORDER BY version")
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn tables(db: &TestDb) -> Vec<String> {
    db.sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

#[test]
fn migrations_apply_and_a_second_open_is_a_no_op() {
    let Some(db) = TestDb::new() else { return };
    let store = PgStore::open(&db.url).unwrap();
    assert_eq!(store.schema_version().unwrap(), PG_SCHEMA_VERSION);
    const { assert!(PG_SCHEMA_VERSION >= 3) };
    let mut want: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    want.sort();
    assert_eq!(tables(&db), want);
    let first = applied(&db);
    assert_eq!(first.len(), PG_SCHEMA_VERSION as usize);
    for (i, line) in first.iter().enumerate() {
        assert!(line.starts_with(&format!("{} ", i + 1)), "{line}");
        assert!(line.ends_with(" postgres"), "applied by the login: {line}");
    }
    drop(store);

    let again = PgStore::open_config(db.config.clone()).unwrap();
    assert_eq!(again.schema_version().unwrap(), PG_SCHEMA_VERSION);
    assert_eq!(applied(&db), first, "reopening applies nothing");
    // Times are text in the C collation: byte order, as in SQLite.
    assert_eq!(
        scalar(&again, "SELECT collation_name FROM information_schema.columns WHERE table_name = 'audit' AND column_name = 'at'").as_deref(),
        Some("C")
    );
}

#[test]
fn opens_at_the_same_moment_apply_each_migration_once() {
    for _ in 0..3 {
        let Some(db) = TestDb::new() else { return };
        let n = 4;
        let barrier = Arc::new(Barrier::new(n));
        let opens: Vec<_> = (0..n)
            .map(|_| {
                let (config, barrier) = (db.config.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    PgStore::open_config(config)
                })
            })
            .collect();
        let stores: Vec<PgStore> = opens
            .into_iter()
            .map(|h| h.join().unwrap().expect("every open succeeds"))
            .collect();
        for s in &stores {
            assert_eq!(s.schema_version().unwrap(), PG_SCHEMA_VERSION);
        }
        let versions: Vec<String> = applied(&db)
            .iter()
            .map(|l| l.split(' ').next().unwrap_or_default().to_owned())
            .collect();
        let want: Vec<String> = (1..=PG_SCHEMA_VERSION).map(|v| v.to_string()).collect();
        assert_eq!(versions, want, "one row per migration");
    }
}

/// A catalog snapshot: tables, columns, triggers, schema rows, audit rows.
fn snapshot(db: &TestDb) -> Vec<Vec<Option<String>>> {
    db.sql(
        "SELECT table_name || '.' || column_name FROM information_schema.columns
           WHERE table_schema = current_schema()
         UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
         UNION ALL SELECT 'schema ' || version || ' ' || applied_at FROM cordon_schema
         ORDER BY 1",
    )
}

/// The `works_with` recorded for migration `version`.
fn works_with(db: &TestDb, version: usize) -> Option<String> {
    db.sql(&format!(
        "SELECT works_with FROM cordon_schema WHERE version = {version}"
    ))[0][0]
        .clone()
}

#[test]
fn a_cordon_one_additive_release_back_uses_the_store_and_two_back_is_refused() {
    let Some(db) = TestDb::new() else { return };
    // The newest additive migration: a store at it works with the release before.
    let at = (1..=PG_MIGRATIONS.len())
        .rev()
        .find(|&v| (PG_WORKS_WITH[v - 1] as usize) < v)
        .expect("an additive migration");
    let back = at - 1;
    drop(PgStore::open_with(db.config.clone(), &PG_MIGRATIONS[..at]).unwrap());
    assert_eq!(
        works_with(&db, at),
        Some(back.to_string()),
        "migration {at} is additive: the previous release may go on"
    );
    let before = snapshot(&db);
    // The previous release opens it as is and writes no migration.
    let previous = PgStore::open_with(db.config.clone(), &PG_MIGRATIONS[..back])
        .expect("one additive release back opens the store");
    assert_eq!(previous.schema_version().unwrap(), at as u32);
    drop(previous);
    assert_eq!(snapshot(&db), before, "nothing written");
    // Two releases back is refused with the sentence.
    match PgStore::open_with(db.config.clone(), &PG_MIGRATIONS[..back - 1]) {
        Err(CoreError::TeamStore(m)) => assert!(
            m.contains(&format!(
                "newer Cordon (schema {at}, this one knows {})",
                back - 1
            )),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_migration_an_older_writer_would_undo_refuses_the_release_before_it() {
    let Some(db) = TestDb::new() else { return };
    drop(PgStore::open_config(db.config.clone()).unwrap());
    // Migration 6 adds grid columns a Cordon of schema 5 would leave stale when it
    // writes the grid: it works with schema 6 only.
    assert_eq!(PG_WORKS_WITH[5], 6);
    assert_eq!(works_with(&db, 6), Some("6".to_owned()));
    let before = snapshot(&db);
    let latest = PG_SCHEMA_VERSION;
    match PgStore::open_with(db.config.clone(), &PG_MIGRATIONS[..5]) {
        Err(CoreError::TeamStore(m)) => assert!(
            m.contains(&format!("newer Cordon (schema {latest}, this one knows 5)")),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&db), before, "nothing written");
}

#[test]
fn a_store_from_a_newer_cordon_is_refused_and_left_untouched() {
    let Some(db) = TestDb::new() else { return };
    drop(PgStore::open_config(db.config.clone()).unwrap());
    let newer = PG_SCHEMA_VERSION + 1;
    db.sql(&format!(
        "INSERT INTO cordon_schema (version, applied_at) VALUES ({newer}, '2099-01-01T00:00:00.000Z')"
    ));
    let before = snapshot(&db);
    let refused = PgStore::open_config(db.config.clone());
    let sentence = format!(
        "the team store was written by a newer Cordon (schema {newer}, this one knows {PG_SCHEMA_VERSION}); update Cordon, nothing was changed"
    );
    match &refused {
        Err(CoreError::TeamStore(m)) => assert_eq!(m, &sentence),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        refused.unwrap_err().to_string(),
        format!("team store: {sentence}")
    );
    assert_eq!(snapshot(&db), before, "nothing written");

    // A database that holds only a newer version table gets no table of this Cordon.
    let Some(bare) = TestDb::new() else { return };
    bare.sql(
        "CREATE TABLE cordon_schema (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, applied_by TEXT);
         INSERT INTO cordon_schema VALUES (99, 'then', 'someone')",
    );
    assert!(matches!(
        PgStore::open_config(bare.config.clone()),
        Err(CoreError::TeamStore(m)) if m.contains("schema 99, this one knows")
    ));
    assert_eq!(tables(&bare), vec!["cordon_schema".to_owned()]);
}

/// The store's migrations and one more (`extra`), as a later Cordon would have them.
fn with_one_more(extra: &'static str) -> &'static [&'static str] {
    let mut all = PG_MIGRATIONS.to_vec();
    all.push(extra);
    Box::leak(all.into_boxed_slice())
}

#[test]
fn a_failing_migration_leaves_the_old_schema_and_a_later_one_applies_once() {
    let Some(db) = TestDb::new() else { return };
    drop(PgStore::open_config(db.config.clone()).unwrap());
    let before = snapshot(&db);
    let broken = PgStore::open_with(
        db.config.clone(),
        with_one_more("CREATE TABLE half (a INT); SELEC 'broken'"),
    );
    let next = PG_SCHEMA_VERSION + 1;
    assert!(
        matches!(&broken, Err(CoreError::TeamStore(m)) if m.starts_with(&format!("migration {next} of the team store failed: syntax error")) && m.contains("42601")),
        "{broken:?}"
    );
    assert_eq!(
        snapshot(&db),
        before,
        "nothing of the failed migration is left"
    );

    let later = with_one_more("CREATE TABLE later (a INT)");
    let store = PgStore::open_with(db.config.clone(), later).unwrap();
    assert_eq!(store.schema_version().unwrap(), next);
    drop(PgStore::open_with(db.config.clone(), later).unwrap());
    assert_eq!(applied(&db).len(), next as usize, "applied once");
    assert!(tables(&db).contains(&"later".to_owned()));
    assert!(matches!(
        PgStore::open_config(db.config.clone()),
        Err(CoreError::TeamStore(m)) if m.contains("newer Cordon")
    ));
}

#[test]
fn the_audit_log_refuses_update_delete_and_truncate_even_for_its_owner() {
    let Some(db) = TestDb::new() else { return };
    let store = PgStore::open_config(db.config.clone()).unwrap();
    assert_eq!(
        scalar(
            &store,
            "SELECT tableowner FROM pg_tables WHERE tablename = 'audit'"
        ),
        scalar(&store, "SELECT current_user")
    );
    assert_eq!(
        sqlstate(
            &store,
            "INSERT INTO audit (at, actor, event, detail) VALUES ('2026-12-06T10:00:00.000Z', 'ana', 'job.created', '')"
        ),
        None
    );
    for sql in [
        "UPDATE audit SET actor = 'mallory'",
        "UPDATE audit SET actor = 'mallory' WHERE false",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE seq = 1",
        "TRUNCATE audit",
    ] {
        assert_eq!(sqlstate(&store, sql).as_deref(), Some("42501"), "{sql}");
    }
    let refused = store.run(|c| {
        Box::pin(async move {
            c.batch_execute("DELETE FROM audit").await?;
            Ok(())
        })
    });
    assert!(
        matches!(&refused, Err(CoreError::TeamStore(m)) if m.contains("the audit log is append-only (DELETE refused)") && m.contains("42501")),
        "{refused:?}"
    );
    assert_eq!(
        db.sql("SELECT actor FROM audit"),
        vec![vec![Some("ana".to_owned())]]
    );
}

#[test]
fn an_unreachable_server_is_an_error_without_the_password() {
    let r = PgStore::open("postgres://u:secret-pw@127.0.0.1:1/x?connect_timeout=2");
    let m = match r {
        Err(CoreError::TeamStore(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(m.contains("cannot connect"), "{m}");
    assert!(!m.contains("secret-pw"), "{m}");
}
