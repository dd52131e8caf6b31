//! P-1: bulk release of 500 isolated machines with the simulator enforcing a compressed
//! limit (100 calls per 6 s instead of per minute, the hour window compressed alike)
//! and Cordon's client configured to match. Bar: sustained throughput ≥ 95 % of the
//! limit, 0 lost, 0 duplicated, at most one 429 per window.
//!
//! Set-up: a `scale:1000:0` tenant (no history); 500 online machines are isolated
//! through the API with the limit lifted, the clock is advanced until they are isolated,
//! and the limit is put back (the isolate API's calls count apart from the release
//! API's anyway). Then Cordon runs one journaled bulk release job (`App::run_job`).
//!
//! Sustained throughput is read from the simulator's request log (server-side times
//! of the accepted release POSTs): under a sliding window a call and the 100th call
//! after it are at least 6 s apart, and exactly 6 s apart when no budget is wasted; the
//! figure is 6 s ÷ their mean distance (see [`sustained`]). At most 1.0; a client that
//! leaves budget unused scores less, whether it sends in bursts or evenly. The plain end-to-end rate (500 ÷ job time,
//! the first window's burst included) is printed beside it.

use std::time::{Duration, Instant};

use cordon_core::App;
use cordon_core::dto::jobs::{BulkRequest, ItemState, JobKind};
use mde_sim::{Scenario, SimConfig};

use crate::sim::{BenchResult, Sim, isolate_online, lost_and_duplicated};

pub struct P1 {
    pub machines: usize,
    pub limit: u32,
    pub window: Duration,
    pub job_time: Duration,
    /// Steady-state use of the limit (see [`sustained`]).
    pub sustained: f64,
    /// (machines ÷ job time) ÷ (limit ÷ window).
    pub end_to_end: f64,
    pub throttled: usize,
    pub max_throttled_per_window: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub items_terminal: usize,
}

pub async fn run(machines: usize, limit: u32, window: Duration) -> BenchResult<P1> {
    let hour = window * 60;
    let sim = Sim::start(SimConfig {
        scenario: Scenario::Scale {
            machines: (machines * 2) as u32,
            actions: 0,
        },
        speed: 1.0,
        rate_per_minute: limit,
        rate_minute_window: window,
        rate_hour_window: hour,
        ..SimConfig::default()
    })
    .await?;
    let targets = isolate_online(&sim, machines, limit).await?;

    let mut cfg = sim.app_config()?;
    cfg.client_options.requests_per_minute = Some(limit);
    cfg.client_options.rate_minute_window = window;
    cfg.client_options.rate_hour_window = hour;
    cfg.concurrency = 16;
    let app = App::new(cfg)?;
    app.refresh().await?;
    let before = sim.state().await?.action_count;
    sim.clear_log().await?;

    let t = Instant::now();
    let detail = app
        .run_job_now(BulkRequest {
            kind: JobKind::Release,
            machine_ids: targets.clone(),
            comment: "P-1 benchmark: bulk release".into(),
            isolation_type: None,
            source: Some("benchmark".into()),
            include_foreign: true,
            matching: None,
        })
        .await?;
    let job_time = t.elapsed();

    let log = sim.requests().await?;
    let posts: Vec<_> = log
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/unisolate"))
        .collect();
    if std::env::var_os("CORDON_BENCH_TRACE").is_some() {
        let t0 = posts.first().and_then(|r| r.time);
        for r in &posts {
            if let (Some(t), Some(t0)) = (r.time, t0) {
                eprintln!(
                    "{:>9.3} {}",
                    (t - t0).num_microseconds().unwrap_or(0) as f64 / 1e6,
                    r.status
                );
            }
        }
    }
    let mut accepted: Vec<f64> = posts
        .iter()
        .filter(|r| r.status != 429)
        .filter_map(|r| r.time)
        .map(|t| t.timestamp_micros() as f64 / 1e6)
        .collect();
    accepted.sort_by(f64::total_cmp);
    let throttled: Vec<f64> = posts
        .iter()
        .filter(|r| r.status == 429)
        .filter_map(|r| r.time)
        .map(|t| t.timestamp_micros() as f64 / 1e6)
        .collect();
    let w = window.as_secs_f64();
    let first = accepted.first().copied().unwrap_or(0.0);
    let mut per_window = std::collections::HashMap::new();
    for t in &throttled {
        *per_window
            .entry(((t - first) / w).floor() as i64)
            .or_insert(0usize) += 1;
    }
    let ledger = sim.actions_since(before).await?;
    let (lost, duplicated) = lost_and_duplicated(&ledger, "Unisolate", &targets);
    Ok(P1 {
        machines,
        limit,
        window,
        job_time,
        sustained: sustained(&accepted, limit as usize, w),
        end_to_end: (machines as f64 / job_time.as_secs_f64()) / (f64::from(limit) / w),
        throttled: throttled.len(),
        max_throttled_per_window: per_window.values().copied().max().unwrap_or(0),
        lost,
        duplicated,
        items_terminal: detail
            .items
            .iter()
            .filter(|i| i.state.is_terminal() && i.state != ItemState::Cancelled)
            .count(),
    })
}

/// How much of the limit a run used, in steady state: under a sliding window of
/// `limit` calls per `window`, a call and the `limit`-th call after it are at least
/// `window` apart; a client that wastes no budget keeps them exactly `window` apart.
/// Returns `window × pairs ÷ Σ (t[j + limit] − t[j])` over every such pair (1.0 at
/// best, burst or even pacing alike; 0 when the run is shorter than one window's
/// worth of calls). `times` sorted, in seconds.
pub fn sustained(times: &[f64], limit: usize, window: f64) -> f64 {
    if limit == 0 || times.len() <= limit {
        return 0.0;
    }
    let pairs = times.len() - limit;
    let spans: f64 = (0..pairs).map(|j| times[j + limit] - times[j]).sum();
    if spans <= 0.0 {
        return 0.0;
    }
    window * pairs as f64 / spans
}

#[cfg(test)]
mod tests {
    use super::sustained;

    #[test]
    fn full_use_of_the_window_is_one() {
        // (Times are multiples of 1/8 s: exact in binary, no rounding at the edges.)
        // Bursts of 10 every 6 s, limit 10 per 6 s: every window is full.
        let burst = |period: f64| -> Vec<f64> {
            (0..40)
                .map(|i| f64::from(i / 10) * period + f64::from(i % 10) * 0.125)
                .collect()
        };
        assert_eq!(sustained(&burst(6.0), 10, 6.0), 1.0);
        // Bursts every 6.25 s (a client keeping a margin): 6 / 6.25.
        assert_eq!(sustained(&burst(6.25), 10, 6.0), 0.96);
        // Evenly spread at exactly the limit (12 per 6 s).
        let even: Vec<f64> = (0..48).map(|i| f64::from(i) * 0.5).collect();
        assert_eq!(sustained(&even, 12, 6.0), 1.0);
        // Half the budget.
        let half: Vec<f64> = (0..48).map(f64::from).collect();
        assert_eq!(sustained(&half, 12, 6.0), 0.5);
        assert_eq!(sustained(&[], 10, 6.0), 0.0);
        assert_eq!(sustained(&even[..12], 12, 6.0), 0.0, "no full window");
    }
}
