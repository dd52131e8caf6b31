//! Storage failures (D-8) and a crash in the middle of a job: nothing is sent without a
//! committed intent, and a resumed job neither loses nor repeats a release. Tests of the
//! `reliability` binary, kept apart for file size.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cordon_core::dto::IpcError;
use cordon_core::dto::jobs::{ItemState, JobState};
use cordon_core::{App, CoreError};

use crate::support::fleet::{CoreKnobs, LIMIT, SimKnobs, start_previewed};
use crate::support::truth::{
    assert_audit_matches, assert_exactly_once, release_posts, wait_releases,
};

/// D-8: while another connection holds the store's write lock, starting a job fails
/// with a storage error and nothing is sent; after the lock is gone the same request
/// releases every machine exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d8_a_locked_store_refuses_to_start_and_sends_nothing() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 6,
        ..SimKnobs::default()
    })
    .await;
    let app = f.app(&CoreKnobs::default()).await;
    let lock = rusqlite::Connection::open(f.store_path()).unwrap();
    lock.busy_timeout(Duration::from_secs(10)).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let comment = "D-8 locked";
    let e = start_previewed(&app, f.release(&f.ids, comment))
        .await
        .expect_err("fails closed");
    assert!(matches!(e, CoreError::Storage(_)), "{e:?}");
    assert!(matches!(IpcError::from(e), IpcError::Storage { .. }));
    assert!(
        release_posts(&f.requests().await).is_empty(),
        "nothing sent without an intent"
    );
    lock.execute_batch("ROLLBACK;").unwrap();
    drop(lock);
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    assert_eq!(detail.job.state, JobState::Done);
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
}

/// D-8: a store that fails while a job runs halts the job; no release goes out without
/// a committed intent; resuming after the lock is gone finishes with one each.
// More workers: a store call blocks its thread up to the busy timeout (5 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn d8_a_store_failing_mid_job_halts_it_and_resume_finishes() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 24,
        ..SimKnobs::default()
    })
    .await;
    let app = f
        .app(&CoreKnobs {
            concurrency: 2,
            per_window: 4,
            window: Duration::from_secs(1),
            ..CoreKnobs::default()
        })
        .await;
    let comment = "D-8 mid-job";
    let job = start_previewed(&app, f.release(&f.ids, comment))
        .await
        .expect("job starts");
    wait_releases(&f, comment, 4, LIMIT).await;
    let lock = rusqlite::Connection::open(f.store_path()).unwrap();
    lock.busy_timeout(Duration::from_secs(10)).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    let started = Instant::now();
    let halted = loop {
        if let Ok(d) = app.job(&job.id)
            && d.job.state == JobState::Halted
        {
            break d;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the job did not halt"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        matches!(halted.job.error, Some(IpcError::Storage { .. })),
        "{:?}",
        halted.job
    );
    let sent = release_posts(&f.requests().await).len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        release_posts(&f.requests().await).len(),
        sent,
        "nothing sent once halted"
    );
    lock.execute_batch("ROLLBACK;").unwrap();
    drop(lock);
    // Every release that went out had its intent committed first.
    let at_halt = app.job(&job.id).unwrap();
    let releases = f.releases(comment).await;
    for it in &at_halt.items {
        if releases.contains_key(&it.machine_id.to_ascii_lowercase()) {
            assert!(
                !matches!(it.state, ItemState::Planned | ItemState::Cancelled),
                "{}: sent without a committed intent ({:?})",
                it.machine_id,
                it.state
            );
        }
    }
    assert!(sent < f.ids.len(), "halted mid-way ({sent} sent)");
    let detail = app.resume_job(&job.id).await.expect("resume");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    assert_audit_matches(&app, &detail);
    eprintln!(
        "D-8: halted after {sent} of {} sent; resumed to one each",
        f.ids.len()
    );
}

/// A crash in the middle of a bulk release (the core's runtime dies with everything on
/// it, requests in flight included), then a new core on the same store resumes: 0 lost,
/// 0 duplicated. (The process-level `kill -9` harness is the CLI's.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_bulk_then_resume_loses_and_duplicates_nothing() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 60,
        ..SimKnobs::default()
    })
    .await;
    let knobs = CoreKnobs {
        concurrency: 8,
        per_window: 20,
        window: Duration::from_secs(1),
        ..CoreKnobs::default()
    };
    let comment = "crash";
    let doomed = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (cfg, req) = (f.config(&knobs), f.release(&f.ids, comment));
    doomed.spawn(async move {
        let app = App::new(cfg).expect("core");
        app.refresh().await.expect("sync");
        let job = start_previewed(&app, req).await.expect("job starts");
        let _ = tx.send(job.id);
        std::future::pending::<()>().await;
    });
    let job_id = rx.await.expect("job id");
    wait_releases(&f, comment, 25, LIMIT).await;
    doomed.shutdown_background(); // every task of the first core stops where it is
    let before = f.releases(comment).await.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let app = f.app(&knobs).await;
    let detail = app.resume_job(&job_id).await.expect("resume");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    assert_audit_matches(&app, &detail);
    eprintln!("crash: {before} of 60 released before the crash; resumed to one each");
}
