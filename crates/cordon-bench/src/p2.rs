//! P-2: the storm's release, 80 machines, with 200 ms of latency on every release
//! POST (a simulator fault on `/unisolate`), under the limit: Cordon's bulk release
//! (`App::run_job`, journaled, 16 at once) against a sequential one-at-a-time loop of
//! plain client calls (what the scripts our users run today do), side by side in one
//! run on two disjoint sets of 80 isolated machines. Bar: ≥ 8× faster.
//!
//! The simulator's limit is raised for this figure so that the two runs do not share
//! one minute's budget: each of them stays under Defender's 100 calls/min on its own.

use std::time::{Duration, Instant};

use cordon_core::App;
use cordon_core::dto::jobs::{BulkRequest, JobKind};
use mde_sim::control_client::{Fault, FaultKind};
use mde_sim::{Scenario, SimConfig};

use crate::sim::{BenchResult, Sim, isolate_online, lost_and_duplicated};

pub struct P2 {
    pub machines: usize,
    pub latency: Duration,
    pub cordon: Duration,
    pub sequential: Duration,
    pub lost: usize,
    pub duplicated: usize,
}

impl P2 {
    pub fn ratio(&self) -> f64 {
        self.sequential.as_secs_f64() / self.cordon.as_secs_f64().max(1e-9)
    }
}

pub async fn run(machines: usize, latency: Duration) -> BenchResult<P2> {
    let sim = Sim::start(SimConfig {
        scenario: Scenario::Scale {
            machines: (machines * 3) as u32,
            actions: 0,
        },
        speed: 1.0,
        ..SimConfig::default()
    })
    .await?;
    let targets = isolate_online(&sim, machines * 2, 1000).await?;
    let (by_cordon, by_loop) = targets.split_at(machines);
    sim.ctl
        .add_fault(
            Fault::new(
                "/unisolate",
                FaultKind::delay_ms(latency.as_millis() as u64),
            )
            .method("POST")
            .count(1_000_000),
        )
        .await?;
    let before = sim.state().await?.action_count;

    let mut cfg = sim.app_config()?;
    cfg.concurrency = 16;
    let app = App::new(cfg)?;
    app.refresh().await?;
    let t = Instant::now();
    app.run_job_now(BulkRequest {
        kind: JobKind::Release,
        machine_ids: by_cordon.to_vec(),
        comment: "P-2 benchmark: Cordon".into(),
        isolation_type: None,
        source: Some("benchmark".into()),
        include_foreign: true,
        matching: None,
    })
    .await?;
    let cordon = t.elapsed();

    // The script: one call after the other, the default client (token fetched first,
    // as Cordon's was by its sync).
    let client = mde_api::Client::new(
        sim.endpoints()?.0,
        sim.endpoints()?.1,
        mde_api::ClientOptions::default(),
    )?;
    client.granted_permissions().await?;
    let t = Instant::now();
    for id in by_loop {
        let mid = mde_api::MachineId::parse(id)?;
        client.unisolate(&mid, "P-2 benchmark: loop").await?;
    }
    let sequential = t.elapsed();

    let ledger = sim.actions_since(before).await?;
    let (lost, duplicated) = lost_and_duplicated(&ledger, "Unisolate", &targets);
    Ok(P2 {
        machines,
        latency,
        cordon,
        sequential,
        lost,
        duplicated,
    })
}
