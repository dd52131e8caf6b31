//! The local store against real SQLite files: pragmas checked at open (D-3), the
//! append-only audit log (D-6), migrations that reopen cleanly, and the journal's
//! cancel rule; with the demo simulator ([`store_app`]): caches that survive a restart,
//! a bulk release seen through to the simulator's own ledger, and a crash that left
//! items `sending` resolved by lookup, not by resending.
#![allow(clippy::unwrap_used)]

#[path = "store/app.rs"]
mod store_app;
#[path = "store/durability.rs"]
mod store_durability;
#[path = "store/migrate_kill.rs"]
mod store_migrate_kill;
mod support;

use std::path::Path;

use chrono::Utc;
use cordon_core::CoreError;
use cordon_core::dto::IpcError;
use cordon_core::dto::jobs::{AuditFilter, ItemState, JobKind, JobState};
use cordon_core::store::{MIN_SQLITE, NewItem, NewJob, SCHEMA_VERSION, Store, version_at_least};

#[test]
fn pragmas_are_asserted_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let endpoints = mde_api::Endpoints::global();
    let tenant = "11111111-2222-3333-4444-555555555555";
    let path = cordon_core::tenant::paths::store_path(dir.path(), &endpoints, tenant);
    assert!(path.ends_with("stores/9a4446b7da955a5fa95264249a23302d.sqlite3"));
    let store = Store::open(&path).expect("opens, creating its folder");
    let p = store.sqlite().unwrap().pragmas().unwrap();
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
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);

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
        sender: None,
    };
    let items = [NewItem {
        machine_id: "a".repeat(40),
        machine_name: Some("ws-1".into()),
    }];
    store.create_job(&job, &items, Utc::now()).unwrap();
    let entries = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap()
        .entries;
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
            .audit_page(&AuditFilter::default(), None, None)
            .unwrap()
            .entries
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
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
    for _ in 0..3 {
        let store = Store::open(&path).expect("reopens");
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
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
        sender: None,
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
            .claim(
                &job.id,
                &ids[0],
                &cordon_core::team::Claimant::ended("test-process"),
                Utc::now(),
                Utc::now()
            )
            .unwrap()
    );
    assert!(
        !store
            .claim(
                &job.id,
                &ids[0],
                &cordon_core::team::Claimant::ended("test-process"),
                Utc::now(),
                Utc::now()
            )
            .unwrap(),
        "claimed once"
    );
    let after = store.cancel_job(&job.id, "bob", Utc::now()).unwrap();
    assert_eq!(after.state, JobState::Cancelled);
    assert!(
        !store
            .claim(
                &job.id,
                &ids[1],
                &cordon_core::team::Claimant::ended("test-process"),
                Utc::now(),
                Utc::now()
            )
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

/// Finding 11: the audit log is read a page at a time (newest first), never whole.
#[test]
fn the_audit_log_is_read_a_page_at_a_time() {
    use cordon_core::dto::jobs::{DEFAULT_PAGE, MAX_PAGE};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cordon.sqlite3");
    let store = Store::open(&path).unwrap();
    // 12,000 rows in one transaction on another connection (fast; appending is allowed).
    let mut other = rusqlite::Connection::open(&path).unwrap();
    let tx = other.transaction().unwrap();
    for i in 0..12_000u32 {
        let detail = if i % 10 == 0 { "Needle found" } else { "ok" };
        tx.execute(
            "INSERT INTO audit (at, actor, event, detail) VALUES ('2026-01-01T00:00:00.000Z', 'ana@contoso.com', 'note', ?1)",
            [format!("{detail} {i}")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let page = |f: AuditFilter| store.audit_page(&f, None, None).unwrap();

    // No limit: the default page, the newest entries, oldest first within the page.
    let first = page(AuditFilter::default());
    assert_eq!(first.total, 12_000);
    assert_eq!((first.offset, first.limit), (0, DEFAULT_PAGE));
    assert_eq!(first.entries.len(), DEFAULT_PAGE as usize);
    assert!(
        first.offset + (first.entries.len() as u32) < first.total,
        "more exist"
    );
    assert_eq!(
        first.entries.first().unwrap().seq,
        12_000 - DEFAULT_PAGE + 1
    );
    assert_eq!(first.entries.last().unwrap().seq, 12_000);

    // offset/limit are honoured.
    let p = page(AuditFilter {
        offset: Some(10),
        limit: Some(5),
        ..AuditFilter::default()
    });
    assert_eq!(
        p.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [11_986, 11_987, 11_988, 11_989, 11_990]
    );
    // The last page is short; past the end is empty.
    let tail = page(AuditFilter {
        offset: Some(11_998),
        limit: Some(5),
        ..AuditFilter::default()
    });
    assert_eq!(
        tail.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        page(AuditFilter {
            offset: Some(20_000),
            ..AuditFilter::default()
        })
        .entries
        .is_empty()
    );

    // A limit above the maximum is capped.
    let big = page(AuditFilter {
        limit: Some(1_000_000),
        ..AuditFilter::default()
    });
    assert_eq!(big.limit, MAX_PAGE);
    assert_eq!(big.entries.len(), MAX_PAGE as usize);

    // The text filter does not defeat the limit: only matches, a page of them.
    let hits = page(AuditFilter {
        text: Some("NEEDLE".into()),
        limit: Some(7),
        offset: Some(3),
        ..AuditFilter::default()
    });
    assert_eq!(hits.total, 1_200);
    assert_eq!(hits.entries.len(), 7);
    assert!(hits.entries.iter().all(|e| e.detail.starts_with("Needle")));
    // Matches are every tenth row (seq 1, 11, …, 11_991): skip the newest three.
    assert_eq!(hits.entries.last().unwrap().seq, 11_991 - 30);
    assert_eq!(hits.entries.first().unwrap().seq, 11_991 - 90);

    // The export path reads every match, oldest first.
    let mut n = 0u32;
    let mut last = 0u32;
    store
        .audit_each(
            &AuditFilter {
                text: Some("needle".into()),
                limit: Some(1),
                ..AuditFilter::default()
            },
            None,
            None,
            &mut |e| {
                assert!(e.seq > last);
                last = e.seq;
                n += 1;
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(n, 1_200);
}
