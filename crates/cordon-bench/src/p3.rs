//! P-3 (calls part): how many API calls Cordon's initial sync and an idle refresh of a
//! `scale:100000:1000000` tenant cost. The bar (quality.md): ⌈machines/10,000⌉ +
//! ⌈isolation actions/10,000⌉ for the initial sync (isolation actions filtered
//! server-side), ≤ 2 for a refresh with nothing new. Counted from the simulator's own
//! request log (token and control calls excluded).

use std::time::{Duration, Instant};

use mde_sim::{Scenario, SimConfig};

use crate::sim::{BenchResult, Logged, Sim};

/// Calls by collection.
#[derive(Debug, Default, Clone, Copy)]
pub struct Calls {
    pub machines: usize,
    pub actions: usize,
    pub alerts: usize,
    pub other: usize,
}

impl Calls {
    pub fn of(log: &[Logged]) -> Self {
        let mut c = Self::default();
        for r in log.iter().filter(|r| r.is_api()) {
            if r.path.starts_with("/api/machineactions") {
                c.actions += 1;
            } else if r.path.starts_with("/api/alerts") {
                c.alerts += 1;
            } else if r.path.starts_with("/api/machines") {
                c.machines += 1;
            } else {
                c.other += 1;
            }
        }
        c
    }

    /// Machines + isolation actions + anything else (alerts reported apart).
    pub fn core(&self) -> usize {
        self.machines + self.actions + self.other
    }
}

pub struct P3 {
    pub machines: usize,
    pub isolation_actions: usize,
    pub all_actions: usize,
    pub expected_initial: usize,
    pub initial: Calls,
    pub initial_time: Duration,
    pub idle: Calls,
}

pub async fn run(machines: u32, actions: u32) -> BenchResult<P3> {
    let sim = Sim::start(SimConfig {
        scenario: Scenario::Scale { machines, actions },
        speed: 0.0,
        // Calls are what is counted here, not pacing: no 429 may blur the count.
        rate_per_minute: u32::MAX,
        rate_per_hour: u32::MAX,
        request_log_capacity: 10_000,
        ..SimConfig::default()
    })
    .await?;
    let isolation_actions = sim.handle.action_count(&["Isolate", "Unisolate"]);
    let machines = machines as usize;
    let expected_initial = machines.div_ceil(10_000) + isolation_actions.div_ceil(10_000);

    let app = cordon_core::App::new(sim.app_config()?)?;
    sim.clear_log().await?;
    let t = Instant::now();
    let snap = app.refresh().await?;
    let initial_time = t.elapsed();
    if snap.machines.len() != machines {
        return Err(format!(
            "initial sync: {} machines cached, the tenant has {machines}",
            snap.machines.len()
        )
        .into());
    }
    let initial = Calls::of(&sim.requests().await?);

    sim.clear_log().await?;
    app.sync_once(false).await?;
    let idle = Calls::of(&sim.requests().await?);
    Ok(P3 {
        machines,
        isolation_actions,
        all_actions: actions as usize,
        expected_initial,
        initial,
        initial_time,
        idle,
    })
}
