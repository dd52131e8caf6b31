//! The local store against real SQLite files and the demo simulator: pragmas checked
//! at open (D-3), the append-only audit log (D-6), migrations that reopen cleanly,
//! caches that survive a restart, a bulk release seen through to the simulator's own
//! ledger, and a crash that left items `sending` resolved by lookup, not by resending.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use chrono::Utc;
use cordon_core::dto::{IpcError, IsolationState};
use cordon_core::dto_jobs::{AuditFilter, BulkRequest, ExportFormat, ItemState, JobKind, JobState};
use cordon_core::store::{MIN_SQLITE, NewItem, NewJob, Store, version_at_least};
use cordon_core::{App, CoreError};
use mde_sim::identities;
use serde_json::Value;

fn app_at(env: &common::Env, path: &Path) -> App {
    let mut cfg = common::config(
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

#[test]
fn pragmas_are_asserted_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = cordon_core::paths::store_path(dir.path(), "prod tenant");
    assert!(path.ends_with("stores/prod_tenant.sqlite3"));
    let store = Store::open(&path).expect("opens, creating its folder");
    let p = store.pragmas().unwrap();
    assert_eq!(p.journal_mode, "wal");
    assert_eq!(p.synchronous, 2, "FULL");
    assert!(p.foreign_keys);
    assert!(p.busy_timeout_ms >= 5000, "{}", p.busy_timeout_ms);
    assert!(
        version_at_least(&p.sqlite_version, MIN_SQLITE),
        "SQLite {} has the WAL-reset fix",
        p.sqlite_version
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.schema_version().unwrap(), 1);

    // A network path is refused before anything is opened.
    let unc = Store::open(Path::new(r"\\fileserver\share\cordon.sqlite3")).unwrap_err();
    assert!(
        matches!(unc, CoreError::Storage(ref m) if m.contains("network")),
        "{unc}"
    );
    // So is a file that is not a store, with a sentence a person can act on.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let e = Store::open(&junk).unwrap_err();
    match IpcError::from(e) {
        IpcError::Storage { message } => {
            assert!(
                message.starts_with("Cordon's local store failed"),
                "{message}"
            );
            assert!(message.contains("nothing was sent"), "{message}");
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
}

#[test]
fn the_audit_log_is_append_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    let store = Store::open(&path).unwrap();
    let job = NewJob {
        id: "job-1".into(),
        kind: JobKind::Release,
        comment: "False positive".into(),
        isolation_type: None,
        requested_by: "ana@contoso.com".into(),
        source: None,
    };
    let items = [NewItem {
        machine_id: "a".repeat(40),
        machine_name: Some("ws-1".into()),
    }];
    store.create_job(&job, &items, Utc::now()).unwrap();
    let entries = store
        .audit_entries(&AuditFilter::default(), None, None)
        .unwrap();
    assert_eq!(
        entries.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
        ["job.created", "item.planned"]
    );

    // Another connection (as any other program would) cannot rewrite history.
    let other = rusqlite::Connection::open(&path).unwrap();
    let update = other
        .execute("UPDATE audit SET detail = 'nothing happened'", [])
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = other.execute("DELETE FROM audit", []).unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    let count: i64 = other
        .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
    // Appending is allowed (that is what a log is for).
    other
        .execute(
            "INSERT INTO audit (at, actor, event, detail) VALUES ('2026-01-01T00:00:00.000Z', 'x', 'note', 'd')",
            [],
        )
        .unwrap();
    assert_eq!(
        store
            .audit_entries(&AuditFilter::default(), None, None)
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn migrations_apply_once_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        store.set_meta("k", "v").unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
    }
    for _ in 0..3 {
        let store = Store::open(&path).expect("reopens");
        assert_eq!(store.schema_version().unwrap(), 1);
        assert_eq!(store.meta("k").unwrap().as_deref(), Some("v"));
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
    let other = rusqlite::Connection::open(&path).unwrap();
    other.pragma_update(None, "user_version", 99).unwrap();
    drop(other);
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, CoreError::Storage(ref m) if m.contains("newer Cordon")),
        "{e}"
    );
}

#[tokio::test]
async fn caches_survive_a_restart() {
    let env = common::demo().await;
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
    assert_eq!(truth["alertCount"].as_u64().unwrap() as usize, alerts);

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
}

#[tokio::test]
async fn a_bulk_release_is_seen_through_once_per_machine() {
    let env = common::demo().await;
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

    let mut progress = app.subscribe_jobs();
    let ledger_before = env.ledger().await.len();
    let detail = app.run_job(req).await.expect("job runs");
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
        .audit(&AuditFilter {
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
    let env = common::demo().await;
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
            assert!(store.claim(&job.id, id, app.now(), Utc::now()).unwrap());
        }
        let client = mde_api::Client::new(
            mde_api::Endpoints::custom(&env.sim.base_url(), &env.sim.base_url()).unwrap(),
            common::config(
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

    let posts_before = common::posts(&env.requests().await, "/unisolate");
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
        common::posts(&log, "/unisolate") - posts_before,
        1,
        "only the unsent one"
    );
    let ledger = env.ledger().await;
    assert_eq!(unisolates(&ledger, &sent, comment), 1);
    assert_eq!(unisolates(&ledger, &unsent, comment), 1);
    // The lookups came before the resend.
    let lookups = log
        .iter()
        .filter(|r| {
            r["method"] == "GET"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("/machineactions"))
        })
        .count();
    assert!(lookups >= 2, "{lookups} lookups");
    assert_eq!(app.store().integrity_check().unwrap(), "ok");
}

#[tokio::test]
async fn an_idle_refresh_costs_two_calls_and_alerts_come_with_new_isolations() {
    let env = common::demo().await;
    let app = env.app.clone();
    app.refresh().await.expect("sync");
    let api_calls = |log: &[Value]| {
        log.iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/api/")))
            .map(|r| r["path"].as_str().unwrap_or_default().to_owned())
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

#[test]
fn after_a_cancel_nothing_can_be_claimed_and_every_move_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("cancel.sqlite3")).unwrap();
    let job = NewJob {
        id: "job-c".into(),
        kind: JobKind::Release,
        comment: "c".into(),
        isolation_type: None,
        requested_by: "ana".into(),
        source: None,
    };
    let ids: Vec<String> = ["a", "b", "c"].iter().map(|c| c.repeat(40)).collect();
    let items: Vec<NewItem> = ids
        .iter()
        .map(|id| NewItem {
            machine_id: id.clone(),
            machine_name: None,
        })
        .collect();
    store.create_job(&job, &items, Utc::now()).unwrap();
    assert!(
        store
            .claim(&job.id, &ids[0], Utc::now(), Utc::now())
            .unwrap()
    );
    assert!(
        !store
            .claim(&job.id, &ids[0], Utc::now(), Utc::now())
            .unwrap(),
        "claimed once"
    );
    let after = store.cancel_job(&job.id, "bob", Utc::now()).unwrap();
    assert_eq!(after.state, JobState::Cancelled);
    assert!(
        !store
            .claim(&job.id, &ids[1], Utc::now(), Utc::now())
            .unwrap(),
        "no claim after the cancel"
    );
    // The one in flight comes back unanswered and not found: not resent, cancelled.
    let back = cordon_core::store::Transition::new(ItemState::Planned, "not found");
    let moved = store
        .transition(&job.id, &ids[0], ItemState::Sending, &back, Utc::now())
        .unwrap();
    assert_eq!(moved, Some(ItemState::Cancelled));
    // A move from a state the item is no longer in changes nothing.
    assert_eq!(
        store
            .transition(&job.id, &ids[0], ItemState::Sending, &back, Utc::now())
            .unwrap(),
        None
    );
    let states: Vec<ItemState> = store
        .items(&job.id)
        .unwrap()
        .iter()
        .map(|i| i.state)
        .collect();
    assert_eq!(states, [ItemState::Cancelled; 3]);
    assert!(store.unfinished_job_ids().unwrap().is_empty());

    // One audit row per transition, chained per machine (from_state = previous to_state).
    let conn = rusqlite::Connection::open(dir.path().join("cancel.sqlite3")).unwrap();
    let mut stmt = conn
        .prepare("SELECT machine_id, from_state, to_state FROM audit WHERE machine_id IS NOT NULL ORDER BY seq")
        .unwrap();
    let rows: Vec<(String, Option<String>, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for id in &ids {
        let chain: Vec<_> = rows.iter().filter(|r| &r.0 == id).collect();
        assert_eq!(chain[0].1, None);
        for w in chain.windows(2) {
            assert_eq!(w[1].1.as_deref(), Some(w[0].2.as_str()), "{id}: unbroken");
        }
        assert_eq!(chain.last().unwrap().2, "cancelled");
    }
    let first: Vec<&str> = rows
        .iter()
        .filter(|r| r.0 == ids[0])
        .map(|r| r.2.as_str())
        .collect();
    assert_eq!(first, ["planned", "sending", "cancelled"]);
}
