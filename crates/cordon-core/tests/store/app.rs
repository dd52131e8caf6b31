//! The store behind a core against the demo simulator: caches that survive a restart,
//! an idle refresh's calls, a bulk release seen through to the simulator's own ledger,
//! and a crash that left items `sending` resolved by lookup, not by resending. Part of
//! the `store` test binary.

use std::path::Path;

use chrono::Utc;
use cordon_core::App;
use cordon_core::dto::IsolationState;
use cordon_core::dto::jobs::{
    AuditFilter, BulkRequest, Confirmation, ExportFormat, ItemState, JobKind, JobState,
};
use cordon_core::store::{NewItem, NewJob};
use mde_sim::identities;
use serde_json::Value;

use crate::support::{self, LoggedRequest};

fn app_at(env: &support::Env, path: &Path) -> App {
    let mut cfg = support::config(
        &env.sim.base_url(),
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    );
    cfg.store_path = Some(path.to_owned());
    App::new(cfg).expect("core opens its store")
}

/// Isolated demo machines with no release under way (per the core's derivation).
fn isolated(app: &App, n: usize) -> Vec<String> {
    let rows: Vec<String> = app
        .snapshot()
        .machines
        .into_iter()
        .filter(|r| r.state == IsolationState::Isolated)
        .map(|r| r.id)
        .take(n)
        .collect();
    assert_eq!(rows.len(), n, "the demo has {n} isolated machines");
    rows
}

fn unisolates(ledger: &[Value], machine: &str, comment: &str) -> usize {
    ledger
        .iter()
        .filter(|a| {
            a["type"] == "Unisolate"
                && a["machineId"]
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(machine))
                && a["requestorComment"] == comment
        })
        .count()
}

#[tokio::test]
async fn caches_survive_a_restart() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let (machines, counters, alerts) = {
        let app = app_at(&env, &path);
        let snap = app.refresh().await.expect("sync");
        let alerts = app.store().load_alerts().unwrap().len();
        (snap.machines, snap.counters, alerts)
    };
    assert!(machines.len() >= 300, "{}", machines.len());
    assert!(alerts > 0, "alerts were synced and stored");
    let truth = env.state().await;
    assert_eq!(truth.alert_count, alerts);

    // A new core on the same store shows the last known fleet before any sync.
    let requests_before = env.requests().await.len();
    let again = app_at(&env, &path);
    let snap = again.snapshot();
    // (Ages and "stuck" depend on the clock, which a new core learns at its first answer.)
    let key = |rows: &[cordon_core::dto::MachineRow]| {
        rows.iter()
            .map(|r| (r.id.clone(), r.name.clone(), r.isolated_now))
            .collect::<Vec<_>>()
    };
    assert!(key(&snap.machines) == key(&machines), "the same fleet");
    assert_eq!(
        (snap.counters.total, snap.counters.isolated_now),
        (counters.total, counters.isolated_now)
    );
    assert_eq!(again.store().load_alerts().unwrap().len(), alerts);
    assert_eq!(
        env.requests().await.len(),
        requests_before,
        "no request made"
    );

    // Its first sync goes on incrementally from the last one (not the whole history).
    again.refresh().await.expect("sync");
    let log = env.requests().await;
    let listed = log[requests_before..]
        .iter()
        .find(|r| r.path == "/api/machineactions")
        .expect("actions listed");
    let query = listed.query.as_deref().unwrap_or_default();
    assert!(query.contains("creationDateTimeUtc"), "{query}");
}

/// S-7: a bulk job starts only from the preview the person saw. A sync that lands
/// between the preview and the start (here: a machine released from elsewhere) makes
/// the preview stale: `start_job` refuses it and commits and sends nothing; the new
/// preview's token starts the job.
#[tokio::test]
async fn start_job_refuses_a_preview_that_a_sync_made_stale() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_at(&env, &dir.path().join("j.sqlite3"));
    app.refresh().await.expect("sync");
    let ids: Vec<String> = app
        .snapshot()
        .machines
        .into_iter()
        .filter(|r| r.state == IsolationState::Isolated && r.health == "Active")
        .map(|r| r.id)
        .take(3)
        .collect();
    assert_eq!(ids.len(), 3, "the demo has isolated machines that report");
    let req = BulkRequest {
        kind: JobKind::Release,
        machine_ids: ids.clone(),
        comment: "False positive: stale preview".into(),
        isolation_type: None,
        source: Some("test".into()),
        include_foreign: true,
    };
    let confirmed = app.preview_bulk(&req).await.unwrap();
    assert_eq!(confirmed.will_send.len(), 3, "{:?}", confirmed.excluded);

    // Another analyst's Cordon releases the first machine; the device applies it and
    // this core's sync sees it before the person clicks.
    let other = app_at(&env, &dir.path().join("other.sqlite3"));
    other.refresh().await.expect("sync");
    let out = other
        .release(cordon_core::dto::ReleaseRequest {
            machine_ids: vec![ids[0].clone()],
            comment: "released from another desk".into(),
        })
        .await
        .expect("release");
    assert!(out[0].error.is_none(), "{out:?}");
    env.advance(900).await;
    app.refresh().await.expect("sync");
    let first = app.machine_detail(&ids[0]).unwrap().machine;
    assert_eq!(first.state, IsolationState::NotIsolated, "{first:?}");

    let ledger_before = env.ledger().await.len();
    let e = app
        .start_job(req.clone(), &Confirmation::of(&confirmed))
        .expect_err("a stale preview is refused");
    assert!(
        matches!(&e, cordon_core::CoreError::StalePreview(m) if m.contains("send to 2 machines")),
        "{e:?}"
    );
    assert!(matches!(
        cordon_core::dto::IpcError::from(e),
        cordon_core::dto::IpcError::StalePreview { .. }
    ));
    assert!(app.jobs().unwrap().is_empty(), "nothing committed");
    assert_eq!(env.ledger().await.len(), ledger_before, "nothing sent");

    let now = app.preview_bulk(&req).await.unwrap();
    assert_eq!(now.will_send.len(), 2);
    assert_ne!(now.token, confirmed.token);
    let job = app
        .start_job(req, &Confirmation::of(&now))
        .expect("the new preview starts");
    assert_eq!(job.total, 2);
}

#[tokio::test]
async fn a_bulk_release_is_seen_through_once_per_machine() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let app = app_at(&env, &dir.path().join("j.sqlite3"));
    app.refresh().await.expect("sync");
    let ids = isolated(&app, 10);
    let comment = "False positive: store test";
    let req = BulkRequest {
        kind: JobKind::Release,
        machine_ids: ids.clone(),
        comment: comment.into(),
        isolation_type: None,
        source: Some("test".into()),
        include_foreign: true,
    };
    let preview = app.preview_bulk(&req).await.unwrap();
    assert_eq!(preview.will_send.len(), 10, "{:?}", preview.excluded);
    // By default the storm's isolations (requested by another app) are left out (S-7).
    let own_only = app
        .preview_bulk(&BulkRequest {
            include_foreign: false,
            ..req.clone()
        })
        .await
        .unwrap();
    assert_eq!(own_only.will_send.len(), 0);
    assert!(
        own_only.excluded[0].reason.contains("Isolated by"),
        "{:?}",
        own_only.excluded[0]
    );
    assert_eq!(
        own_only.excluded[0].cause,
        cordon_core::dto::jobs::ExclusionCause::IsolatedByOther
    );
    assert!(own_only.excluded[0].isolated_by.is_some());

    let mut progress = app.subscribe_jobs();
    let ledger_before = env.ledger().await.len();
    let detail = app.run_job_now(req).await.expect("job runs");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_eq!((detail.job.total, detail.job.succeeded), (10, 10));
    assert!(
        detail
            .items
            .iter()
            .all(|i| i.state == ItemState::Done && i.attempts == 1)
    );

    let ledger = env.ledger().await;
    assert_eq!(ledger.len() - ledger_before, 10, "ten new actions, no more");
    for id in &ids {
        assert_eq!(
            unisolates(&ledger, id, comment),
            1,
            "{id}: exactly one Unisolate"
        );
    }
    // Progress: n of N, ending with the whole job done.
    let mut last = None;
    while let Ok(p) = progress.try_recv() {
        last = Some(p);
    }
    let last = last.expect("progress events");
    assert_eq!((last.job.finished, last.job.total), (10, 10));

    // One audit row per transition: planned → sending → done for every machine.
    let audit = app
        .audit_all(&AuditFilter {
            job_id: Some(detail.job.id.clone()),
            ..AuditFilter::default()
        })
        .unwrap();
    for id in &ids {
        let events: Vec<&str> = audit
            .iter()
            .filter(|e| e.machine_id.as_deref() == Some(id.as_str()))
            .map(|e| e.event.as_str())
            .collect();
        assert_eq!(
            events,
            ["item.planned", "item.sending", "item.done"],
            "{id}"
        );
    }
    assert_eq!(audit.first().unwrap().event, "job.created");
    assert_eq!(audit.last().unwrap().event, "job.done");
    let csv = app
        .audit_export(&AuditFilter::default(), ExportFormat::Csv)
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        audit.len() + 1,
        "header + one line per entry"
    );
    assert_eq!(app.jobs().unwrap()[0].id, detail.job.id);
    assert_eq!(app.journal_entries().unwrap().len(), 10);
}

#[tokio::test]
async fn a_crash_that_left_items_sending_is_resolved_by_lookup() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.sqlite3");
    let comment = "False positive: crash test";
    let (job_id, sent, unsent) = {
        let app = app_at(&env, &path);
        app.refresh().await.expect("sync");
        let ids = isolated(&app, 2);
        let (sent, unsent) = (ids[0].clone(), ids[1].clone());
        let job = NewJob {
            id: "crashed-job".into(),
            kind: JobKind::Release,
            comment: comment.into(),
            isolation_type: None,
            requested_by: "test".into(),
            source: None,
            sender: None,
        };
        let items: Vec<NewItem> = ids
            .iter()
            .map(|id| NewItem {
                machine_id: id.clone(),
                machine_name: None,
            })
            .collect();
        let store = app.store();
        store.create_job(&job, &items, Utc::now()).unwrap();
        // Both intents committed as `sending`; only the first POST left before the crash.
        for id in &ids {
            assert!(
                store
                    .claim(
                        &job.id,
                        id,
                        &cordon_core::team::Claimant::ended("test-process"),
                        app.now(),
                        Utc::now()
                    )
                    .unwrap()
            );
        }
        let client = mde_api::Client::new(
            mde_api::Endpoints::custom(&env.sim.base_url(), &env.sim.base_url()).unwrap(),
            support::config(
                &env.sim.base_url(),
                identities::ANALYST_CLIENT_ID,
                identities::ANALYST_SECRET,
            )
            .credentials,
            mde_api::ClientOptions::default(),
        )
        .unwrap();
        let id = mde_api::MachineId::parse(&sent).unwrap();
        client
            .unisolate(&id, comment)
            .await
            .expect("the POST before the crash");
        (job.id, sent, unsent)
    };

    let posts_before = support::posts(&env.requests().await, "/unisolate");
    let app = app_at(&env, &path);
    assert_eq!(
        app.store().unfinished_job_ids().unwrap(),
        vec![job_id.clone()]
    );
    let detail = app.resume_job(&job_id).await.expect("resume");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    let item = |m: &str| {
        detail
            .items
            .iter()
            .find(|i| i.machine_id == m)
            .unwrap()
            .clone()
    };
    assert_eq!(
        item(&sent).state,
        ItemState::Adopted,
        "found by lookup, not resent"
    );
    assert_eq!(item(&sent).attempts, 1);
    assert_eq!(item(&unsent).state, ItemState::Done, "not found, so sent");
    assert_eq!(item(&unsent).attempts, 2);

    let log = env.requests().await;
    assert_eq!(
        support::posts(&log, "/unisolate") - posts_before,
        1,
        "only the unsent one"
    );
    let ledger = env.ledger().await;
    assert_eq!(unisolates(&ledger, &sent, comment), 1);
    assert_eq!(unisolates(&ledger, &unsent, comment), 1);
    // The lookups came before the resend.
    let lookups = log
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/machineactions"))
        .count();
    assert!(lookups >= 2, "{lookups} lookups");
    assert_eq!(app.store().integrity_check().unwrap(), "ok");
}

#[tokio::test]
async fn an_idle_refresh_costs_two_calls_and_alerts_come_with_new_isolations() {
    let env = support::demo().await;
    let app = env.app.clone();
    app.refresh().await.expect("sync");
    let api_calls = |log: &[LoggedRequest]| {
        log.iter()
            .filter(|r| r.path.starts_with("/api/"))
            .map(|r| r.path.clone())
            .collect::<Vec<_>>()
    };
    let before = api_calls(&env.requests().await).len();
    app.refresh().await.expect("idle refresh");
    let calls = api_calls(&env.requests().await);
    assert_eq!(
        calls[before..],
        ["/api/machines", "/api/machineactions"],
        "nothing new: machines and actions only"
    );
    // A new isolation brings the alerts along at the next machine refresh.
    let target = app
        .snapshot()
        .machines
        .into_iter()
        .find(|r| r.state == IsolationState::NotIsolated)
        .unwrap();
    app.isolate(cordon_core::dto::IsolateRequest {
        machine_ids: vec![target.id],
        isolation_type: cordon_core::dto::IsolationKind::Full,
        comment: "store test".into(),
    })
    .await
    .unwrap();
    let before = api_calls(&env.requests().await).len();
    app.refresh().await.expect("refresh");
    let calls = api_calls(&env.requests().await);
    assert!(
        calls[before..].contains(&"/api/alerts".to_owned()),
        "{:?}",
        &calls[before..]
    );
}

/// Finding 1: custom endpoints are an audited choice: the first start on a custom
/// pair writes it to the audit log, once.
#[tokio::test]
async fn custom_endpoints_are_audited_once() {
    let env = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite3");
    let count = |app: &App| {
        app.audit_all(&AuditFilter::default())
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "tenant.custom_endpoints")
            .map(|e| e.detail)
            .collect::<Vec<_>>()
    };
    let mut cfg = support::config(
        &env.sim.base_url(),
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    );
    cfg.store_path = Some(path.clone());
    let first = App::start(cfg.clone()).expect("start");
    let audited = count(&first);
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert!(audited[0].contains(&env.sim.base_url()), "{}", audited[0]);
    drop(first);
    let again = App::start(cfg).expect("start again");
    assert_eq!(count(&again).len(), 1, "not again for the same pair");
    // Finding 12: the app secret the test signs in with is an audited choice too.
    let secret = again
        .audit_all(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "tenant.app_secret")
        .count();
    assert_eq!(secret, 1);
}
