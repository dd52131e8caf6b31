//! Two cores (two processes' worth) on one team store share their application's rate
//! budget: with the heartbeats counted, each keeps to half of Defender's limit, and
//! two bulk jobs sent at the same moment earn no 429 from a simulator that enforces
//! the limit. The same burst without the shared count does earn 429s (the control:
//! the test can fail).
//!
//! Needs `CORDON_TEST_PG_URL` (`eval "$(bash scripts/pg.sh start)"`); without it this
//! fails with that hint, unless `CORDON_SKIP_PG=1`.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "pg/harness.rs"]
mod harness;
mod support;

use std::time::Duration;

use cordon_core::App;
use cordon_core::config::StoreUrl;
use cordon_core::dto::jobs::{BulkRequest, JobKind};
use mde_sim::{Scenario, SimConfig, Simulator, identities};

const LIMIT: u32 = 20;
const WINDOW: Duration = Duration::from_secs(2);

fn core(base: &str, url: &str) -> App {
    let mut cfg = support::config(
        base,
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    );
    cfg.store_url = Some(StoreUrl::new(url));
    cfg.client_options.requests_per_minute = Some(LIMIT);
    cfg.client_options.rate_minute_window = WINDOW;
    cfg.client_options.requests_per_hour = None;
    App::new(cfg).unwrap()
}

/// Both cores isolate 30 machines each at the same moment; the 429s the simulator
/// answered.
async fn burst(sim: &mde_sim::SimHandle, a: &App, b: &App, ids: &[String], tag: &str) -> usize {
    let ctl = sim.control();
    ctl.clear_requests().await.unwrap();
    let job = |app: &App, ids: &[String]| {
        let (app, ids) = (app.clone(), ids.to_vec());
        let comment = format!("shared budget {tag}");
        async move {
            app.run_job_now(BulkRequest {
                kind: JobKind::Isolate,
                machine_ids: ids,
                comment,
                isolation_type: None,
                source: None,
                include_foreign: false,
                matching: None,
            })
            .await
            .unwrap()
        }
    };
    let (ja, jb) = tokio::join!(job(a, &ids[..30]), job(b, &ids[30..60]));
    assert_eq!((ja.items.len(), jb.items.len()), (30, 30));
    ctl.requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method == "POST" && r.status == 429)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_under_one_app_share_its_rate_budget() {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Scale {
            machines: 150,
            actions: 0,
        },
        rate_per_minute: LIMIT,
        rate_minute_window: WINDOW,
        rate_per_hour: u32::MAX,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url();
    let ids: Vec<String> = sim
        .control()
        .state()
        .await
        .unwrap()
        .machines
        .into_iter()
        .filter(|m| m.online)
        .map(|m| m.id)
        .collect();
    let (a, b) = (core(&base, &db.url), core(&base, &db.url));
    a.refresh().await.unwrap();
    b.refresh().await.unwrap();

    // The control: each alone in its own mind, the two together send twice the limit.
    let unshared = burst(&sim, &a, &b, &ids[..60], "unshared").await;
    assert!(unshared > 0, "the burst without a shared count earns 429s");

    // With the heartbeats counted (the sync loop beats every 30 s), each keeps to its
    // half: no 429 for the same burst.
    for app in [&a, &b, &a] {
        app.team().heartbeat().await.unwrap();
    }
    tokio::time::sleep(WINDOW * 2).await;
    let shared = burst(&sim, &a, &b, &ids[60..120], "shared").await;
    println!("429s for two simultaneous 30-machine jobs: {unshared} unshared, {shared} shared");
    assert_eq!(shared, 0);
}
