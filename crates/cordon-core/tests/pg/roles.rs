//! The group roles' grants and the `session_user` stamp, through logins granted them.

use cordon_core::store::pg::{PG_SCHEMA_VERSION, PgStore};

use super::TABLES;
use super::harness::{TestDb, scalar, sqlstate};

const DENIED: Option<&str> = Some("42501");

#[test]
fn a_reader_opens_the_store_and_cannot_insert_anything() {
    let Some(mut db) = TestDb::new() else { return };
    drop(PgStore::open_config(db.config.clone()).unwrap());
    let (_, config) = db.login("cordon_reader");
    let reader = PgStore::open_config(config).expect("a reader opens an up-to-date store");
    assert_eq!(reader.schema_version().unwrap(), PG_SCHEMA_VERSION);
    for t in TABLES {
        assert_eq!(
            sqlstate(&reader, &format!("SELECT * FROM {t}")),
            None,
            "SELECT {t}"
        );
        let insert = format!("INSERT INTO {t} DEFAULT VALUES");
        assert_eq!(sqlstate(&reader, &insert).as_deref(), DENIED, "{insert}");
        let delete = format!("DELETE FROM {t}");
        assert_eq!(sqlstate(&reader, &delete).as_deref(), DENIED, "{delete}");
    }
    assert_eq!(
        sqlstate(&reader, "UPDATE meta SET value = 'x'").as_deref(),
        DENIED
    );
    assert_eq!(
        sqlstate(&reader, "CREATE TABLE mine (a INT)").as_deref(),
        DENIED
    );
}

/// What the app and the agent do, and whether each role may: `(sql, analyst, agent)`.
/// `{r}` is the role's own suffix, so both run the same list.
const MATRIX: &[(&str, bool, bool)] = &[
    (
        "INSERT INTO audit (at, actor, event, detail) VALUES ('2026-12-06T10:00:00.000Z', '{r}', 'job.created', '')",
        true,
        true,
    ),
    (
        "INSERT INTO jobs (id, kind, state, comment, requested_by, created_at, updated_at) VALUES ('j{r}', 'isolate', 'running', 'c', 'ana', 't', 't')",
        true,
        true,
    ),
    (
        "UPDATE jobs SET state = 'done' WHERE id = 'j{r}'",
        true,
        true,
    ),
    (
        "INSERT INTO job_items (job_id, seq, machine_id, state, created_at, updated_at) VALUES ('j{r}', 0, 'm1', 'planned', 't', 't')",
        true,
        true,
    ),
    (
        "UPDATE job_items SET state = 'sending', lease_owner = '{r}', lease_until = 't' WHERE job_id = 'j{r}'",
        true,
        true,
    ),
    (
        "INSERT INTO proposals (id, machine_id, action, comment, reason, proposed_by, proposed_by_oid, proposed_at, expires_at, state) VALUES ('p{r}', 'm1', 'isolate', 'c', 'r', 'ana', 'oid', 't', 't', 'waiting')",
        true,
        true,
    ),
    (
        "UPDATE proposals SET state = 'approved' WHERE id = 'p{r}'",
        true,
        true,
    ),
    (
        "INSERT INTO meta (key, value) VALUES ('k{r}', 'v') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        true,
        true,
    ),
    (
        "INSERT INTO meta (key, value) VALUES ('k{r}', 'w') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        true,
        true,
    ),
    (
        "INSERT INTO settings (key, json) VALUES ('s{r}', '{}') ON CONFLICT (key) DO UPDATE SET json = excluded.json",
        true,
        true,
    ),
    (
        "INSERT INTO suppressions (kind, value, until, by, reason, created_at) VALUES ('machine', '{r}', 't', 'ana', 'r', 't') ON CONFLICT (kind, value) DO UPDATE SET until = excluded.until",
        true,
        true,
    ),
    (
        "INSERT INTO machines (id, json) VALUES ('m{r}', '{}') ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        true,
        true,
    ),
    ("DELETE FROM machines WHERE id = 'm{r}'", true, true),
    (
        "INSERT INTO actions (id, created, json) VALUES ('a{r}', 't', '{}')",
        true,
        true,
    ),
    (
        "INSERT INTO alerts (id, json) VALUES ('al{r}', '{}')",
        true,
        true,
    ),
    (
        "INSERT INTO rule_seen (alert_id, seen_at) VALUES ('al{r}', 't') ON CONFLICT DO NOTHING",
        false,
        true,
    ),
    (
        "INSERT INTO rule_runs (at, mode, alerts, decisions) VALUES ('t', 'dry-run', 1, 0)",
        false,
        true,
    ),
    (
        "INSERT INTO rule_decisions (at, alert_id, machine_id, decision, reason, mode) VALUES ('t', 'al{r}', 'm1', 'skipped', 'r', 'dry-run')",
        false,
        true,
    ),
    ("DELETE FROM rule_seen WHERE seen_at < 'u'", false, true),
    ("UPDATE audit SET actor = 'mallory'", false, false),
    ("DELETE FROM audit", false, false),
    ("TRUNCATE audit", false, false),
    ("DELETE FROM jobs", false, false),
    ("DELETE FROM job_items", false, false),
    ("DELETE FROM proposals", false, false),
    ("TRUNCATE machines", false, false),
    (
        "INSERT INTO cordon_schema (version, applied_at) VALUES (1000, 't')",
        false,
        false,
    ),
    ("CREATE TABLE mine (a INT)", false, false),
];

#[test]
fn the_analyst_appends_to_the_audit_and_the_agent_also_runs_the_rule() {
    let Some(mut db) = TestDb::new() else { return };
    drop(PgStore::open_config(db.config.clone()).unwrap());
    for (role, column) in [("cordon_analyst", 1), ("cordon_agent", 2)] {
        let (user, config) = db.login(role);
        let store = PgStore::open_config(config).unwrap();
        for (sql, analyst, agent) in MATRIX {
            let allowed = if column == 1 { *analyst } else { *agent };
            let sql = sql.replace("{r}", &user);
            let got = sqlstate(&store, &sql);
            let want = if allowed { None } else { DENIED };
            assert_eq!(got.as_deref(), want, "{role}: {sql}");
        }
        // Its audit row is there, unchanged.
        assert_eq!(
            scalar(
                &store,
                &format!("SELECT count(*) FROM audit WHERE actor = '{user}'")
            )
            .as_deref(),
            Some("1")
        );
    }
}

#[test]
fn db_user_is_the_session_user_whatever_the_insert_says() {
    let Some(mut db) = TestDb::new() else { return };
    let owner = PgStore::open_config(db.config.clone()).unwrap();
    let superuser = scalar(&owner, "SELECT session_user").unwrap();
    let (user, config) = db.login("cordon_analyst");
    let analyst = PgStore::open_config(config).unwrap();
    let stamp = |sql: &str| scalar(&owner, sql).unwrap();
    let ok = |store: &PgStore, sql: &str| assert_eq!(sqlstate(store, sql), None, "{sql}");

    ok(
        &analyst,
        &format!(
            "INSERT INTO audit (at, actor, event, detail, db_user) VALUES ('t', 'ana', 'e', '', '{superuser}')"
        ),
    );
    assert_eq!(stamp("SELECT db_user FROM audit"), user);

    ok(
        &analyst,
        "INSERT INTO jobs (id, kind, state, comment, requested_by, created_at, updated_at, db_user) VALUES ('j1', 'isolate', 'running', 'c', 'ana', 't', 't', 'mallory')",
    );
    assert_eq!(stamp("SELECT db_user FROM jobs"), user);
    ok(
        &analyst,
        "UPDATE jobs SET db_user = 'mallory', state = 'halted'",
    );
    assert_eq!(stamp("SELECT db_user FROM jobs"), user);
    ok(&owner, "UPDATE jobs SET state = 'done'");
    assert_eq!(
        stamp("SELECT db_user FROM jobs"),
        superuser,
        "the last writer"
    );

    ok(
        &analyst,
        "INSERT INTO proposals (id, machine_id, action, comment, reason, proposed_by, proposed_by_oid, proposed_at, expires_at, state, db_user) VALUES ('p1', 'm1', 'isolate', 'c', 'r', 'ana', 'oid', 't', 't', 'waiting', 'mallory')",
    );
    assert_eq!(stamp("SELECT db_user FROM proposals"), user);
    ok(
        &owner,
        "UPDATE proposals SET state = 'approved', db_user = 'mallory'",
    );
    assert_eq!(stamp("SELECT db_user FROM proposals"), superuser);

    // A role taken with SET ROLE is not who logged in: the stamp keeps the login.
    ok(
        &owner,
        "BEGIN; SET LOCAL ROLE cordon_analyst; INSERT INTO audit (at, actor, event, detail) VALUES ('u', 'x', 'e', ''); COMMIT",
    );
    assert_eq!(stamp("SELECT db_user FROM audit WHERE at = 'u'"), superuser);
}
