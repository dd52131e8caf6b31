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

/// The store contract through each role's login: a reader reads (and opens a store
/// already bound to its tenant) but writes nothing; an analyst runs jobs and decides
/// proposals but cannot record a round of the rule; the agent can. Every row says which
/// login wrote it.
#[test]
fn the_roles_through_the_store_contract() {
    use chrono::Utc;
    use cordon_core::CoreError;
    use cordon_core::dto::automation::RuleMode;
    use cordon_core::dto::jobs::{AuditFilter, JobKind};
    use cordon_core::store::{NewItem, NewJob, Round, Store};

    let Some(mut db) = TestDb::new() else { return };
    let auth = "https://login.microsoftonline.com/";
    let tenant = "11111111-1111-1111-1111-111111111111";
    let owner = Store::open_url(&db.url).unwrap();
    owner.bind_tenant(auth, tenant, "Prod").unwrap();
    let as_role = |config| Store::from_engine(PgStore::open_config(config).unwrap());
    let (_, reader) = db.login("cordon_reader");
    let (analyst_login, analyst) = db.login("cordon_analyst");
    let (_, agent) = db.login("cordon_agent");
    let (reader, analyst, agent) = (as_role(reader), as_role(analyst), as_role(agent));
    let denied = |r: cordon_core::Result<()>| matches!(&r, Err(CoreError::TeamStore(m)) if m.contains("42501"));

    reader
        .bind_tenant(auth, tenant, "Prod")
        .expect("bound already: only read");
    assert!(denied(reader.bind_tenant(auth, tenant, "Prod (renamed)")));
    let job = |id: &str| NewJob {
        id: id.into(),
        kind: JobKind::Isolate,
        comment: "c".into(),
        isolation_type: None,
        requested_by: "ana".into(),
        source: None,
        sender: None,
    };
    let item = [NewItem {
        machine_id: "m1".into(),
        machine_name: None,
    }];
    assert!(denied(reader.create_job(&job("j0"), &item, Utc::now())));

    analyst.bind_tenant(auth, tenant, "Prod (renamed)").unwrap();
    analyst.create_job(&job("j1"), &item, Utc::now()).unwrap();
    assert!(
        analyst
            .claim(
                "j1",
                "m1",
                &cordon_core::team::Claimant::ended("test-process"),
                Utc::now(),
                Utc::now()
            )
            .unwrap()
    );
    analyst.cancel_job("j1", "ana", Utc::now()).unwrap();
    assert_eq!(reader.jobs().unwrap().len(), 1, "the reader reads it");
    let page = reader
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    assert_eq!(page.total, 4);

    let now = Utc::now();
    let round = Round {
        at: now,
        mode: RuleMode::DryRun,
        actor: "rule".into(),
        actor_oid: "rule-oid".into(),
        seen: vec![("al-1".into(), None)],
        decisions: Vec::new(),
        watermark: Some(now),
        breaker: None,
        forget_before: now - chrono::Duration::days(2),
    };
    assert!(
        denied(analyst.commit_round(&round)),
        "an analyst's login cannot record a round of the rule"
    );
    agent.commit_round(&round).expect("the agent's can");
    assert_eq!(
        reader.rule_last_run().unwrap().map(|t| t.timestamp()),
        Some(now.timestamp())
    );

    assert_eq!(
        db.sql("SELECT DISTINCT db_user FROM audit ORDER BY 1"),
        [[Some(analyst_login.clone())]]
    );
    assert_eq!(db.sql("SELECT db_user FROM jobs"), [[Some(analyst_login)]]);
    assert_eq!(
        db.sql("SELECT COUNT(*) FROM rule_runs"),
        [[Some("1".to_owned())]]
    );
}
