//! Unknown outcomes, cancellation and timeouts: whatever happens to
//! an answer, each machine ends with exactly one release in the simulator's ledger and
//! its item names it. Tests of the `reliability` binary, kept apart for file size.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::{Fault, FaultKind, SettingsPatch};
use cordon_core::dto::jobs::{ItemState, JobState};

use crate::support::fleet::{CoreKnobs, LIMIT, SimKnobs, fault, start_previewed, unisolate_of};
use crate::support::truth::{
    assert_audit_matches, assert_exactly_once, release_posts, secs, wait_releases, wait_settled,
};

/// answers cut after the action was created (30 of 50) and 503s (10) are looked
/// up before anything is resent: 0 duplicate releases, every item names the action the
/// simulator created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r6_unknown_outcomes_are_looked_up_before_any_resend() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 50,
        ..SimKnobs::default()
    })
    .await;
    let app = f.app(&CoreKnobs::default()).await;
    f.faults(vec![
        fault("/unisolate", 30, FaultKind::accept_then_drop()),
        fault("/unisolate", 10, FaultKind::status(503)),
    ])
    .await;
    let comment = "R-6 unknown";
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_eq!(detail.job.failed, 0, "{:?}", detail.job);
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    let log = f.requests().await;
    let posts = release_posts(&log);
    let dropped: Vec<_> = posts.values().flatten().filter(|r| r.dropped).collect();
    assert_eq!(dropped.len(), 30, "the faults fired");
    let mut looked_up = 0;
    for (id, seq) in &posts {
        assert_eq!(
            seq.iter().filter(|r| r.processed() || r.dropped).count(),
            1,
            "{id}: {seq:?}"
        );
        // Between any two POSTs for a machine, and after a cut answer, a lookup names it.
        let positions: Vec<usize> = log
            .iter()
            .enumerate()
            .filter(|(_, r)| r.action_post("unisolate").as_deref() == Some(id.as_str()))
            .map(|(i, _)| i)
            .collect();
        for (n, &p) in positions.iter().enumerate() {
            let unsure = log[p].dropped || log[p].status >= 500;
            if !unsure {
                continue;
            }
            let next = positions.get(n + 1).copied().unwrap_or(log.len());
            assert!(
                log[p + 1..next].iter().any(|r| r.is_lookup_of(id)),
                "{id}: no lookup between the unsure POST and what followed"
            );
            looked_up += 1;
        }
        if seq[0].dropped {
            assert_eq!(
                seq.len(),
                1,
                "{id}: the created action was found, not resent"
            );
        }
    }
    assert_eq!(looked_up, 40);
    assert_audit_matches(&app, &detail);
    eprintln!("R-6: 30 cut answers + 10 × 503 on 50 releases: 40 lookups, 0 duplicates");
}

/// R-6 with late listings: new actions show in Defender's lists only 3 s after their
/// creation, and actions finish at once (so a resend would create a second release, not
/// be answered with the pending one). Answers cut after the action was created (12 of
/// 20) and 503s (4) are looked up no sooner than the settle (2 s) after the intent, and a
/// resend needs three spaced misses: 0 duplicate releases, every item names its action,
/// the cut ones are never resent, and no lookup precedes the settle. (With one immediate
/// lookup and a resend on its miss, the 12 cut answers were each released twice.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r6_late_listed_actions_are_waited_for_not_resent() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 20,
        ..SimKnobs::default()
    })
    .await;
    let settle = Duration::from_secs(2);
    let app = f
        .app(&CoreKnobs {
            lookup_settle: settle,
            ..CoreKnobs::default()
        })
        .await;
    f.configure(SettingsPatch {
        pickup_delay_secs: Some(0),
        execution_delay_secs: Some(0),
        ..SettingsPatch::default()
    })
    .await;
    let set = f.ctl().set_list_visibility_delay(3).await.expect("config");
    assert_eq!(set.list_visibility_delay_secs, 3);
    f.faults(vec![
        fault("/unisolate", 12, FaultKind::accept_then_drop()),
        fault("/unisolate", 4, FaultKind::status(503)),
    ])
    .await;
    let comment = "R-6 late listing";
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    let releases = f.releases(comment).await;
    let twice: Vec<_> = releases
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(id, v)| (id, v.len()))
        .collect();
    assert!(twice.is_empty(), "released more than once: {twice:?}");
    assert_exactly_once(&detail, &f.ids, &releases, &HashMap::new());
    let log = f.requests().await;
    let posts = release_posts(&log);
    let cut: Vec<_> = posts.iter().filter(|(_, s)| s[0].dropped).collect();
    assert_eq!(cut.len(), 12, "the cuts fired");
    for (id, seq) in &cut {
        assert_eq!(seq.len(), 1, "{id}: the cut release was resent: {seq:?}");
        let lookups: Vec<_> = log.iter().filter(|r| r.is_lookup_of(id)).collect();
        assert!(!lookups.is_empty(), "{id}: never looked up");
        // The POST's log time is the sim's; the intent was a little earlier still. The
        // settle is measured on the tenant clock, which Cordon learns from `Date`
        // headers (whole seconds): it may run up to a second ahead, so a lookup may
        // come up to 1 s early; one without any settle would come at once.
        let first = secs(seq[0].time, lookups[0].time);
        assert!(
            first >= settle.as_secs_f64() - 1.3,
            "{id}: looked up {first:.2} s after the POST, before the settle"
        );
    }
    let unavailable: Vec<_> = posts.iter().filter(|(_, s)| s[0].status == 503).collect();
    assert_eq!(unavailable.len(), 4, "the 503s fired");
    for (id, seq) in &unavailable {
        // Nothing was created: resent after three misses, each looked up.
        assert_eq!(seq.len(), 2, "{id}: {seq:?}");
        let misses = log
            .iter()
            .filter(|r| r.is_lookup_of(id) && r.time < seq[1].time)
            .count();
        assert!(misses >= 3, "{id}: resent after {misses} lookups");
    }
    assert_audit_matches(&app, &detail);
    eprintln!("R-6 late listing: 12 cut + 4 × 503 of 20, listed 3 s late: 0 duplicates");
}

/// a slow bulk cancelled mid-way sends nothing after `cancel_job` returns; unsent
/// items are `cancelled`, sent ones name their action.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r9_cancel_stops_sending_and_records_in_flight_items() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 60,
        ..SimKnobs::default()
    })
    .await;
    let app = f
        .app(&CoreKnobs {
            concurrency: 4,
            per_window: 10,
            window: Duration::from_secs(1),
            ..CoreKnobs::default()
        })
        .await;
    let comment = "R-9 cancel";
    let job = start_previewed(&app, f.release(&f.ids, comment))
        .await
        .expect("job starts");
    wait_releases(&f, comment, 15, LIMIT).await;
    let summary = app.cancel_job(&job.id).expect("cancel");
    let cancelled_at = f.sim.now();
    assert_eq!(summary.state, JobState::Cancelled, "{summary:?}");
    let detail = wait_settled(&app, &job.id, LIMIT).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // The log stamps answers: POSTs under way at the cancel (at most the concurrency,
    // 4) may be logged just after it; none may come later (the pacer would have let
    // ten more through in that second).
    let log = f.requests().await;
    let after: Vec<_> = release_posts(&log)
        .into_values()
        .flatten()
        .filter(|r| r.time > cancelled_at)
        .collect();
    assert!(after.len() <= 4, "POSTs after the cancel: {after:?}");
    let late: Vec<_> = after
        .iter()
        .filter(|r| secs(cancelled_at, r.time) > 1.0)
        .collect();
    assert!(late.is_empty(), "POSTs started after the cancel: {late:?}");
    assert_eq!(detail.job.state, JobState::Cancelled);
    let releases = f.releases(comment).await;
    let mut cancelled = 0;
    for it in &detail.items {
        let id = it.machine_id.to_ascii_lowercase();
        let made = releases.get(&id).map_or(0, Vec::len);
        match it.state {
            ItemState::Cancelled => {
                assert_eq!(made, 0, "{}: cancelled but sent", it.machine_id);
                cancelled += 1;
            }
            ItemState::Done | ItemState::Adopted => {
                assert_eq!(made, 1, "{id}");
                assert_eq!(it.action_id.as_deref(), releases[&id][0]["id"].as_str());
            }
            other => panic!("{}: {other:?} after the cancel settled", it.machine_id),
        }
    }
    assert!(
        cancelled > 0 && cancelled < f.ids.len(),
        "cancelled mid-way: {cancelled}"
    );
    assert_eq!(
        releases.values().flatten().count() + cancelled,
        f.ids.len(),
        "nothing lost"
    );
    assert_audit_matches(&app, &detail);
    eprintln!(
        "R-9: cancelled after {} of 60 sent; {cancelled} cancelled, 0 sent later",
        60 - cancelled
    );
}

/// answers that hang longer than the client's timeout (1 s) are aborted near the
/// timeout; the items go through "unknown" and are reconciled; the job ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r10_hung_answers_time_out_and_are_reconciled() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 12,
        ..SimKnobs::default()
    })
    .await;
    let app = f
        .app(&CoreKnobs {
            timeout: Duration::from_secs(1),
            ..CoreKnobs::default()
        })
        .await;
    let hung = &f.ids[..4];
    f.faults(
        hung.iter()
            .map(|id| fault(&unisolate_of(id), 1, FaultKind::delay_ms(4000)))
            .collect(),
    )
    .await;
    let comment = "R-10 hung";
    let t0 = f.sim.now();
    let started = Instant::now();
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert!(
        (0.9..3.5).contains(&took),
        "aborted near the 1 s timeout, not after 4 s: {took:.2} s"
    );
    // Let the hung requests land (or be dropped) before counting what exists.
    tokio::time::sleep(Duration::from_secs_f64((4.5 - took).max(0.0))).await;
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    let log = f.requests().await;
    for id in hung {
        let lookup = log.iter().find(|r| r.is_lookup_of(id)).expect("looked up");
        let after = secs(t0, lookup.time);
        assert!(
            (0.9..2.5).contains(&after),
            "{id}: looked up {after:.2} s after the start"
        );
    }
    eprintln!("R-10: 4 hung answers of 12, job done in {took:.2} s with a 1 s timeout");
}

/// R-10 for reads: the lookups that settle unknown outcomes hang too; they time out,
/// are retried, and the items still end with exactly one release each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r10_hung_lookups_are_retried_and_nothing_is_sent_twice() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 6,
        ..SimKnobs::default()
    })
    .await;
    let app = f
        .app(&CoreKnobs {
            timeout: Duration::from_secs(1),
            ..CoreKnobs::default()
        })
        .await;
    let hung = &f.ids[..2];
    let mut faults: Vec<_> = hung
        .iter()
        .map(|id| fault(&unisolate_of(id), 1, FaultKind::delay_ms(4000)))
        .collect();
    faults.push(
        Fault::new("/api/machineactions", FaultKind::delay_ms(4000))
            .method("GET")
            .count(2),
    );
    f.faults(faults).await;
    let comment = "R-10 hung lookup";
    let started = Instant::now();
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert!(took < 8.0, "no worker hung: {took:.2} s");
    tokio::time::sleep(Duration::from_secs_f64((4.5 - took).max(0.0))).await;
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    let log = f.requests().await;
    for id in hung {
        assert!(
            log.iter().any(|r| r.is_lookup_of(id) && r.status == 200),
            "{id}: a lookup got through"
        );
    }
    assert_audit_matches(&app, &detail);
    eprintln!("R-10: 2 hung releases whose first lookups hung too: done in {took:.2} s");
}
