//! `cordon --store URL` (and `CORDON_STORE_URL`): the real binary against the
//! simulator journals into a team store on PostgreSQL (a fresh database), read back
//! through the store contract, and a second process sees the same job; no local store
//! file is made. The agent runs the rule a person set in the team store and records
//! its round there.
//!
//! Needs `CORDON_TEST_PG_URL` (`eval "$(bash scripts/pg.sh start)"`); without it this
//! fails with that hint, unless `CORDON_SKIP_PG=1`.

#![allow(clippy::unwrap_used)]

mod support;

#[allow(dead_code)]
#[path = "../../cordon-core/tests/pg/harness.rs"]
mod harness;

use cordon_core::dto::automation::{DecisionKind, RuleMode};
use cordon_core::dto::jobs::{AuditFilter, ItemState, JobKind, JobState};
use cordon_core::store::Store;
use mde_sim::control_client::NewAlert;

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_journals_into_a_team_store_that_a_second_process_reads() {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let env = support::demo().await;
    let state = env.state().await;
    let target = state
        .machines
        .into_iter()
        .find(|m| m.online && !m.isolated)
        .expect("the demo has online machines that are not isolated");

    let run = env
        .cordon(&[
            "--store",
            &db.url,
            "--json",
            "isolate",
            &target.id,
            "--comment",
            "INC-42 team store",
        ])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let job_id = run.json()["job"]["job"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a job id: {}", run.stdout))
        .to_owned();
    assert!(
        files(env.dir.path())
            .iter()
            .all(|p| p.extension().is_none_or(|e| e != "sqlite3")),
        "no local store: {:?}",
        files(env.dir.path())
    );
    let posts = env.api_posts().await;
    assert_eq!(posts.len(), 1, "one isolate sent");

    // The journal and the audit log are in PostgreSQL, as the contract reads them.
    let store = tokio::task::spawn_blocking({
        let url = db.url.clone();
        move || Store::open_url(&url).expect("the team store opens")
    })
    .await
    .expect("join");
    let store = std::sync::Arc::new(store);
    let read = std::sync::Arc::clone(&store);
    let (jobs, items, audit, tenant) = tokio::task::spawn_blocking(move || {
        (
            read.jobs().unwrap(),
            read.items(&job_id).unwrap(),
            read.audit_page(&AuditFilter::default(), None, None)
                .unwrap(),
            read.meta("tenant.id").unwrap(),
        )
    })
    .await
    .expect("join");
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!((job.kind, job.state), (JobKind::Isolate, JobState::Done));
    assert_eq!(job.comment, "INC-42 team store");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].machine_id, target.id);
    assert_eq!(items[0].state, ItemState::Done);
    assert!(items[0].action_id.is_some(), "the action Defender created");
    assert_eq!(
        tenant.as_deref(),
        Some(mde_sim::identities::TENANT_ID.to_ascii_lowercase().as_str())
    );
    let events: Vec<&str> = audit
        .entries
        .iter()
        .filter(|e| e.job_id.as_deref() == Some(job.id.as_str()))
        .map(|e| e.event.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "job.created",
            "item.planned",
            "item.sending",
            "item.done",
            "job.done"
        ]
    );
    let db_users = db.sql(&format!(
        "SELECT DISTINCT db_user FROM audit WHERE job_id = '{}'",
        job.id
    ));
    assert_eq!(
        db_users,
        [[Some("postgres".to_owned())]],
        "stamped by the server"
    );

    // A second process, given the store by the variable, lists the same job.
    let url = db.url.clone();
    let list = env
        .cordon_with(&["--json", "jobs"], &[("CORDON_STORE_URL", url.as_str())])
        .await;
    assert_eq!(list.code, 0, "{}\n{}", list.stdout, list.stderr);
    let listed = list.json();
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], job.id.as_str());
    assert_eq!(listed[0]["state"], "done");
    // Without the store, the same tenant's local journal is another (empty) one.
    let local = env.cordon(&["--json", "jobs"]).await;
    assert_eq!(local.code, 0, "{}", local.stderr);
    assert_eq!(local.json().as_array().map(Vec::len), Some(0));
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_url_that_is_not_postgresql_is_refused_without_echoing_it() {
    let env = support::demo().await;
    let run = env
        .cordon(&[
            "--store",
            "mysql://ana:pw-secret@db.example/cordon",
            "--json",
            "jobs",
        ])
        .await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("pw-secret") && !run.stderr.contains("pw-secret"));
    assert!(run.stdout.contains("postgres://"), "{}", run.stdout);
    // An unreachable server is the store failing (5), named without the password.
    let down = env
        .cordon(&[
            "--store",
            "postgres://ana:pw-secret@127.0.0.1:1/cordon?connect_timeout=2",
            "jobs",
        ])
        .await;
    assert_eq!(down.code, 5, "{}\n{}", down.stdout, down.stderr);
    assert!(
        !down.stdout.contains("pw-secret") && !down.stderr.contains("pw-secret"),
        "{}",
        down.stderr
    );
    assert!(down.stderr.contains("team store"), "{}", down.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_runs_the_rule_a_person_set_in_the_team_store() {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let env = support::demo().await;
    let vars = [("CORDON_STORE_URL", db.url.as_str())];
    let set = env
        .cordon_with(
            &[
                "rule",
                "set",
                "--mode",
                "automatic",
                "--max-per-hour",
                "5",
                "--yes",
            ],
            &vars,
        )
        .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let state = env.state().await;
    let alerts: Vec<NewAlert> = state
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated)
        .take(2)
        .map(|m| NewAlert::new(m.id.clone(), "High"))
        .collect();
    env.ctl().post_alerts(&alerts).await.expect("alerts posted");

    // The agent, another process, reads the rule from the team store and records its
    // round there.
    let run = env.cordon_with(&["agent", "--once"], &vars).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.json()["decisions"].as_u64().unwrap() >= 2,
        "{}",
        run.stdout
    );
    let url = db.url.clone();
    let (mode, decisions, rule_jobs) = tokio::task::spawn_blocking(move || {
        let store = Store::open_url(&url).expect("the team store opens");
        let mode = store.rule_settings().unwrap().mode;
        let decisions = store
            .rule_decisions(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH, 100)
            .unwrap();
        let jobs: Vec<_> = store
            .jobs()
            .unwrap()
            .into_iter()
            .filter(|j| j.source.as_deref().is_some_and(|s| s.starts_with("rule:")))
            .collect();
        (mode, decisions, jobs)
    })
    .await
    .expect("join");
    assert_eq!(mode, RuleMode::Automatic);
    let isolated = decisions
        .iter()
        .filter(|d| d.decision == DecisionKind::Isolated)
        .count();
    assert_eq!(isolated, 2, "{decisions:?}");
    assert_eq!(rule_jobs.len(), 2);
    assert!(
        rule_jobs.iter().all(|j| j.state == JobState::Done),
        "{rule_jobs:?}"
    );
}
