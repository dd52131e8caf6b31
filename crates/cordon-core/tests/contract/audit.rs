//! The audit log: pages counted from the newest end, the filters, the text filter's
//! totals, the exports' walk, and a log that nothing rewrites.

use cordon_core::dto::jobs::{AuditEntry, AuditFilter, JobKind};
use cordon_core::store::{NewAudit, Store};

use super::{Fixture, new_items, new_job, t};

/// Every entry matching `filter`, oldest first (the exports' walk).
fn all(store: &Store, filter: &AuditFilter) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    store
        .audit_each(filter, None, None, &mut |e| {
            out.push(e);
            Ok(())
        })
        .unwrap();
    out
}

fn note(store: &Store, minutes: i64, actor: &str, detail: &str) {
    let row = NewAudit {
        actor: actor.into(),
        event: "note".into(),
        detail: detail.into(),
        ..NewAudit::default()
    };
    store.audit_append(t(minutes), &row).unwrap();
}

/// `n` machine tags: `m000`, `m001`, …
fn tags(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("m{i:03}")).collect()
}

/// A log of 1 + 1 + 1200 + 3 rows: longer than any chunk an engine reads at once.
fn fill(store: &Store) {
    note(store, 0, "ana", "first");
    let tags = tags(1200);
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    store
        .create_job(
            &new_job("big", JobKind::Isolate, None),
            &new_items(&tags),
            t(1),
        )
        .unwrap();
    note(store, 2, "Élodie", "Straße geschlossen");
    note(store, 3, "bob", "ÉLODIE asked again");
    note(store, 4, "bob", "last");
}

pub fn audit_pages_count_from_the_newest_end(store: &Store) {
    fill(store);
    let everything = all(store, &AuditFilter::default());
    assert_eq!(everything.len(), 1205);
    let seqs: Vec<u32> = everything.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert_eq!(everything[0].detail, "first");
    assert_eq!(everything[1].event, "job.created");
    assert_eq!(everything[1204].detail, "last");

    let page = |offset: u32, limit: u32| {
        let filter = AuditFilter {
            offset: Some(offset),
            limit: Some(limit),
            ..AuditFilter::default()
        };
        store.audit_page(&filter, None, None).unwrap()
    };
    let first = page(0, 10);
    assert_eq!((first.total, first.offset, first.limit), (1205, 0, 10));
    assert_eq!(
        first.entries,
        everything[1195..],
        "the newest, oldest first"
    );
    let last = page(1200, 10);
    assert_eq!(last.entries, everything[..5], "a short last page");
    assert!(page(5000, 10).entries.is_empty());
    assert_eq!(page(5000, 10).total, 1205);
    let default = store
        .audit_page(&AuditFilter::default(), None, None)
        .unwrap();
    assert_eq!(default.limit, 1000, "the default page");
    assert_eq!(default.entries, everything[205..]);

    // One job's entries; a time window (inclusive at both ends).
    let job = AuditFilter {
        job_id: Some("big".into()),
        limit: Some(5),
        ..AuditFilter::default()
    };
    let big = store.audit_page(&job, None, None).unwrap();
    assert_eq!(big.total, 1201);
    assert!(
        big.entries
            .iter()
            .all(|e| e.job_id.as_deref() == Some("big"))
    );
    let window = store
        .audit_page(&AuditFilter::default(), Some(t(2)), Some(t(3)))
        .unwrap();
    assert_eq!(window.total, 2);
    assert_eq!(window.entries[0].actor, "Élodie");
    let mut visited = 0;
    store
        .audit_each(&AuditFilter::default(), Some(t(1)), Some(t(1)), &mut |e| {
            assert_eq!(e.job_id.as_deref(), Some("big"));
            visited += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(visited, 1201);
    // A visitor's error stops the walk and comes back.
    let mut seen = 0;
    let stopped = store.audit_each(&AuditFilter::default(), None, None, &mut |_| {
        seen += 1;
        if seen == 700 {
            return Err(cordon_core::CoreError::Storage("stop".into()));
        }
        Ok(())
    });
    assert!(matches!(stopped, Err(cordon_core::CoreError::Storage(m)) if m == "stop"));
    assert_eq!(seen, 700);
}

pub fn the_text_filter_pages_and_counts_its_matches(store: &Store) {
    fill(store);
    let text = |needle: &str, offset: u32, limit: u32| {
        let filter = AuditFilter {
            text: Some(needle.into()),
            offset: Some(offset),
            limit: Some(limit),
            ..AuditFilter::default()
        };
        store.audit_page(&filter, None, None).unwrap()
    };
    // Case-insensitive in Unicode, in the actor and the detail alike.
    let elodie = text("élodie", 0, 10);
    assert_eq!(elodie.total, 2);
    assert_eq!(
        elodie
            .entries
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>(),
        ["Straße geschlossen", "ÉLODIE asked again"]
    );
    assert_eq!(text("  STRASSE ", 0, 10).total, 0, "no folding beyond case");
    assert_eq!(text("straße", 0, 10).total, 1);
    // Machines m050…m059: their planned rows, counted across the whole log, paged
    // from the newest.
    let m05 = text("M05", 0, 1000);
    assert_eq!(m05.total, 10);
    assert_eq!(m05.entries.len(), 10);
    assert!(m05.entries.windows(2).all(|w| w[0].seq < w[1].seq));
    let middle = text("M05", 2, 3);
    assert_eq!((middle.total, middle.offset, middle.limit), (10, 2, 3));
    assert_eq!(middle.entries, m05.entries[5..8], "the 3rd to 5th newest");
    // Every planned row mentions "intent": the total runs past the chunks read.
    let intent = text("intent committed", 1150, 100);
    assert_eq!(intent.total, 1200);
    assert_eq!(intent.entries.len(), 50);
    assert!(
        intent.entries[0]
            .machine_id
            .as_deref()
            .unwrap()
            .ends_with("m000")
    );
    // The exports apply the same filter, oldest first.
    let filter = AuditFilter {
        text: Some("élodie".into()),
        ..AuditFilter::default()
    };
    assert_eq!(all(store, &filter), elodie.entries);
    // A blank text filter is no filter.
    assert_eq!(text("   ", 0, 10).total, 1205);
}

pub fn the_audit_log_is_append_only(f: &Fixture) {
    let store = &f.store;
    store
        .create_job(
            &new_job("job-1", JobKind::Release, None),
            &new_items(&["a"]),
            t(0),
        )
        .unwrap();
    let before = all(store, &AuditFilter::default());
    assert_eq!(before.len(), 2);
    for sql in [
        "UPDATE audit SET detail = 'nothing happened'",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE seq = 1",
    ] {
        let refused = f.raw_sql(sql).unwrap_err();
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    assert_eq!(all(store, &AuditFilter::default()), before);
    // Appending is allowed (that is what a log is for).
    f.raw_sql(
        "INSERT INTO audit (at, actor, event, detail) VALUES ('2026-03-02T11:00:00.000Z', 'x', 'note', 'd')",
    )
    .unwrap();
    let after = all(store, &AuditFilter::default());
    assert_eq!(after.len(), 3);
    assert_eq!(after[..2], before);
}

/// Entries name their machine when read: the cached machine's DNS name, else the name
/// its job item recorded (a machine no longer in the cache), else none; the text
/// filter finds entries by that name.
pub fn entries_name_their_machines(store: &Store) {
    let cached: mde_api::Machine = serde_json::from_value(serde_json::json!({
        "id": super::machine("a"),
        "computerDnsName": "cached-a.contoso.local",
        "healthStatus": "Active",
    }))
    .unwrap();
    store.save_machines(&[cached], &[]).unwrap();
    store
        .create_job(
            &new_job("named", JobKind::Release, None),
            &new_items(&["a", "b"]),
            t(1),
        )
        .unwrap();
    let stray = NewAudit {
        actor: "ana".into(),
        event: "note".into(),
        machine_id: Some(super::machine("c")),
        detail: "a machine nobody knows".into(),
        ..NewAudit::default()
    };
    store.audit_append(t(2), &stray).unwrap();
    let named: Vec<(Option<String>, Option<String>)> = all(store, &AuditFilter::default())
        .into_iter()
        .filter(|e| e.machine_id.is_some())
        .map(|e| (e.machine_id, e.machine_name))
        .collect();
    assert_eq!(
        named,
        [
            (
                Some(super::machine("a")),
                Some("cached-a.contoso.local".into())
            ),
            (Some(super::machine("b")), Some("ws-b".into())),
            (Some(super::machine("c")), None),
        ]
    );
    let by_name = AuditFilter {
        text: Some("CACHED-A".into()),
        ..AuditFilter::default()
    };
    let page = store.audit_page(&by_name, None, None).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(
        page.entries[0].machine_name.as_deref(),
        Some("cached-a.contoso.local")
    );
    assert_eq!(all(store, &by_name).len(), 1);
}
