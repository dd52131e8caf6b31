//! Refusals from a live tenant rather than injected ones (`quality.md`, "Bad input"):
//! an app without Machine.Isolate gets 403 naming the permission, and a machine that
//! no longer exists gets 404; each is sent once, fails with a clear sentence, and
//! nothing is created. Tests of the `reliability` binary, kept apart for file size.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use cordon_core::App;
use cordon_core::dto::IpcError;
use cordon_core::dto::jobs::{ItemState, JobState};
use mde_sim::identities;

use crate::support::fleet::{CoreKnobs, SimKnobs};
use crate::support::truth::{assert_exactly_once, release_posts};

/// A read-only app's release: one 403 per machine, the missing permission named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r4_a_missing_permission_is_named_and_not_retried() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 4,
        ..SimKnobs::default()
    })
    .await;
    let mut cfg = f.config(&CoreKnobs::default());
    cfg.credentials =
        crate::support::credentials_of(identities::READER_CLIENT_ID, identities::READER_SECRET);
    let reader = App::new(cfg).expect("core");
    reader.refresh().await.expect("a reader can sync");
    let comment = "R-4 reader";
    let detail = reader
        .run_job_now(f.release(&f.ids, comment))
        .await
        .expect("job");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_eq!(detail.job.failed, 4);
    assert!(f.releases(comment).await.is_empty(), "nothing created");
    let posts = release_posts(&f.requests().await);
    for it in &detail.items {
        assert_eq!(
            posts[&it.machine_id].len(),
            1,
            "{}: not retried",
            it.machine_id
        );
        assert_eq!(it.state, ItemState::Failed);
        match &it.error {
            Some(IpcError::Forbidden {
                permission,
                message,
                ..
            }) => {
                assert_eq!(permission.as_deref(), Some("Machine.Isolate"), "{message}");
                assert!(
                    message.starts_with("Missing permission Machine.Isolate"),
                    "{message}"
                );
            }
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }
}

/// A machine Defender no longer knows (a well-formed id): one 404, a clear sentence;
/// the rest of the job is unaffected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r4_a_machine_gone_from_defender_fails_alone() {
    let f = crate::support::fleet::fleet(&SimKnobs {
        machines: 3,
        ..SimKnobs::default()
    })
    .await;
    let app = f.app(&CoreKnobs::default()).await;
    let gone = "0123456789abcdef0123456789abcdef01234567".to_owned();
    let mut ids = f.ids.clone();
    ids.push(gone.clone());
    let comment = "R-4 gone";
    let detail = app
        .run_job_now(f.release(&ids, comment))
        .await
        .expect("job");
    assert_eq!(detail.job.state, JobState::Done, "{:?}", detail.job);
    assert_eq!(
        detail.items.len(),
        4,
        "the unknown id was sent, not dropped"
    );
    let posts = release_posts(&f.requests().await);
    assert_eq!(posts[&gone].len(), 1, "not retried");
    assert_eq!(posts[&gone][0].status, 404);
    let it = detail.items.iter().find(|i| i.machine_id == gone).unwrap();
    assert_eq!(it.state, ItemState::Failed);
    match &it.error {
        Some(IpcError::Defender {
            status: 404,
            message,
            code,
            correlation_id,
            ..
        }) => {
            assert!(
                message.starts_with("Machine no longer exists in Defender"),
                "{message}"
            );
            assert_eq!(code.as_deref(), Some("ResourceNotFound"));
            assert!(correlation_id.is_some());
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    let rest = cordon_core::dto::jobs::JobDetail {
        job: detail.job.clone(),
        items: detail
            .items
            .iter()
            .filter(|i| i.machine_id != gone)
            .cloned()
            .collect(),
    };
    assert_exactly_once(&rest, &f.ids, &f.releases(comment).await, &HashMap::new());
}
