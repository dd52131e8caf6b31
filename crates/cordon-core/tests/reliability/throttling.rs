//! Throttled sends and cancels: the client returns an action's 429 at once
//! and the runner alone decides whether to send again after the `Retry-After`, so a
//! cancel that lands while a job's POSTs are throttled stops it with no further POST,
//! and a throttled job that is not cancelled ends with exactly one release per machine.
//! Tests of the `reliability` binary, kept apart for file size.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::FaultKind;
use cordon_core::dto::jobs::{ItemState, JobState};

use crate::support::fleet::{CoreKnobs, Fleet, LIMIT, SimKnobs, fault, start_previewed};
use crate::support::truth::{
    assert_audit_matches, assert_exactly_once, release_posts, secs, wait_settled,
};

/// The `Retry-After` (seconds) the simulator answers the throttled POSTs with.
const RETRY_AFTER: u64 = 3;

/// Unisolate POSTs answered so far, and how many of them were 429s.
async fn posts_and_429s(f: &Fleet) -> (usize, usize) {
    let posts = release_posts(&f.requests().await);
    let all: Vec<_> = posts.values().flatten().collect();
    (all.len(), all.iter().filter(|r| r.status == 429).count())
}

/// A cancel stops a job whose POSTs are being throttled, with no further POST: every
/// release is answered 429 (Retry-After 3 s); once one was, the job is cancelled; past
/// the Retry-After the simulator's log holds no later release POST, nothing was created
/// and every item is `cancelled`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_stops_a_throttled_job_with_no_further_post() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 6,
        ..SimKnobs::default()
    })
    .await;
    let app = f.app(&CoreKnobs::default()).await;
    // Every release POST (far more than the job could send) is throttled.
    f.faults(vec![fault(
        "/unisolate",
        1000,
        FaultKind::throttle(RETRY_AFTER),
    )])
    .await;
    let comment = "throttled then cancelled";
    let job = start_previewed(&app, f.release(&f.ids, comment))
        .await
        .expect("job starts");
    let start = Instant::now();
    loop {
        let (_, throttled) = posts_and_429s(&f).await;
        if throttled > 0 {
            break;
        }
        assert!(start.elapsed() < LIMIT, "no POST was answered 429");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled_at = f.sim.now();
    let summary = app.cancel_job_and_wait(&job.id).await.expect("cancel");
    assert_eq!(summary.state, JobState::Cancelled, "{summary:?}");
    let (sent, throttled) = posts_and_429s(&f).await;
    assert!(throttled >= 1);
    assert_eq!(sent, throttled, "every POST so far was answered 429");

    // Past the Retry-After (and the pacer's hold): nothing more went out.
    tokio::time::sleep(Duration::from_secs(RETRY_AFTER) + Duration::from_millis(1500)).await;
    let (later, _) = posts_and_429s(&f).await;
    assert_eq!(
        later,
        sent,
        "a release POST after the cancel (at {cancelled_at}): {:#?}",
        release_posts(&f.requests().await)
    );
    let detail = wait_settled(&app, &job.id, LIMIT).await;
    assert_eq!(detail.job.state, JobState::Cancelled);
    for it in &detail.items {
        assert_eq!(
            it.state,
            ItemState::Cancelled,
            "{}: {:?}",
            it.machine_id,
            it.error
        );
        assert_eq!(it.action_id, None, "{}", it.machine_id);
    }
    assert!(
        f.releases(comment).await.is_empty(),
        "nothing was created in Defender"
    );
    assert_audit_matches(&app, &detail);
    eprintln!(
        "throttled cancel: {sent} POSTs, all 429, none after the cancel; {} items cancelled",
        detail.items.len()
    );
}

/// The same throttling without a cancel: each machine's first release POST is answered
/// 429 (Retry-After 3 s); the job ends `done` after the Retry-After with exactly one
/// release per machine, each sent again only after the Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_job_completes_after_the_retry_after_with_one_action_per_machine() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 6,
        ..SimKnobs::default()
    })
    .await;
    let app = f.app(&CoreKnobs::default()).await;
    f.faults(
        f.ids
            .iter()
            .map(|id| {
                fault(
                    &crate::support::fleet::unisolate_of(id),
                    1,
                    FaultKind::throttle(RETRY_AFTER),
                )
            })
            .collect(),
    )
    .await;
    let comment = "throttled then done";
    let started = Instant::now();
    let detail = app
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    let took = started.elapsed();
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_eq!(detail.job.failed, 0, "a 429 never fails an item");
    assert!(
        took >= Duration::from_secs(RETRY_AFTER),
        "done after {took:?}, before the Retry-After"
    );
    assert_exactly_once(&detail, &f.ids, &f.releases(comment).await, &HashMap::new());
    let posts = release_posts(&f.requests().await);
    for id in &f.ids {
        let seq = &posts[id];
        assert_eq!(seq.len(), 2, "{id}: one 429, then one release: {seq:?}");
        assert_eq!(seq[0].status, 429, "{id}");
        assert!(seq[1].processed(), "{id}: {seq:?}");
        let gap = secs(seq[0].time, seq[1].time);
        assert!(
            gap >= RETRY_AFTER as f64 - 0.01,
            "{id}: resent {gap:.3} s after a 429 with Retry-After {RETRY_AFTER}"
        );
    }
    assert_audit_matches(&app, &detail);
    eprintln!(
        "throttled job: {} machines, one 429 each, done in {:.1} s",
        f.ids.len(),
        took.as_secs_f64()
    );
}
