//! Paging benchmark of the simulator (simulator.md: "pages of 10,000 served in well under
//! a second" from `scale:100000:1000000`). A plain program, not a timed test: it builds
//! the scenario, serves it over real HTTP on loopback, times full pages of 10,000
//! machines and 10,000 machine actions (request sent → whole body received and parsed),
//! and prints the simulator's resident memory.
//!
//! `cargo bench -p mde-sim --bench paging [-- --pages N --scenario scale:M:A]`
//!
//! Memory is this process's VmRSS (Linux `/proc/self/status`), measured before and after
//! building the scenario; the client side adds only the page being read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mde_sim::identities::{ANALYST_CLIENT_ID, ANALYST_SECRET, API_SCOPE};
use mde_sim::{Scenario, SimConfig, Simulator};
use serde_json::Value;

/// `VmRSS` / `VmHWM` of this process in MiB (None off Linux).
fn mem(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn fmt_mem(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |m| format!("{m:.0} MiB"))
}

struct Series {
    name: String,
    times: Vec<Duration>,
    /// Until the response headers arrived: the simulator's share (it answers once the
    /// whole page is serialised).
    server: Vec<Duration>,
    rows: usize,
    bytes: usize,
}

impl Series {
    fn row(&self) -> String {
        let mut ms: Vec<f64> = self.times.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let median = ms[ms.len() / 2];
        let mut server: Vec<f64> = self.server.iter().map(|t| t.as_secs_f64() * 1e3).collect();
        server.sort_by(f64::total_cmp);
        format!(
            "| {:<44} | {:>5} | {:>7} | {:>8.1} | {:>8.1} | {:>8.1} | {:>10.1} | {:>7.1} |",
            self.name,
            ms.len(),
            self.rows / ms.len().max(1),
            ms[0],
            median,
            ms[ms.len() - 1],
            server[server.len() / 2],
            self.bytes as f64 / ms.len().max(1) as f64 / 1_048_576.0
        )
    }
}

async fn page(
    http: &reqwest::Client,
    token: &str,
    url: &str,
) -> (Duration, Duration, usize, usize) {
    let t = Instant::now();
    let r = http.get(url).bearer_auth(token).send().await.expect("GET");
    let server = t.elapsed();
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let body = r.bytes().await.expect("body");
    let v: Value = serde_json::from_slice(&body).expect("JSON");
    let elapsed = t.elapsed();
    (
        elapsed,
        server,
        v["value"].as_array().map_or(0, Vec::len),
        body.len(),
    )
}

async fn series(http: &reqwest::Client, token: &str, name: &str, urls: Vec<String>) -> Series {
    let mut s = Series {
        name: name.into(),
        times: Vec::new(),
        server: Vec::new(),
        rows: 0,
        bytes: 0,
    };
    for url in urls {
        let (t, server, rows, bytes) = page(http, token, &url).await;
        s.times.push(t);
        s.server.push(server);
        s.rows += rows;
        s.bytes += bytes;
    }
    s
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let pages: usize = arg("--pages").and_then(|p| p.parse().ok()).unwrap_or(10);
    let scenario: Scenario = arg("--scenario")
        .unwrap_or_else(|| "scale:100000:1000000".into())
        .parse()
        .expect("scenario");

    let rss_before = mem("VmRSS:");
    let t = Instant::now();
    let sim = Simulator::start(SimConfig {
        scenario: scenario.clone(),
        speed: 0.0,
        rate_per_minute: u32::MAX,
        rate_per_hour: u32::MAX,
        request_log_capacity: 10_000,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let build = t.elapsed();
    let rss_built = mem("VmRSS:");

    let http = reqwest::Client::new();
    let token: Value = http
        .post(sim.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", ANALYST_CLIENT_ID),
            ("client_secret", ANALYST_SECRET),
            ("scope", API_SCOPE),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let token = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    let base = sim.base_url();
    let (m_total, a_total) = match scenario {
        Scenario::Scale { machines, actions } => (machines as usize, actions as usize),
        _ => (300, 1000),
    };
    // Pages spread over the whole collection (deep `$skip` included).
    let spread = |total: usize| -> Vec<usize> {
        let last = total.saturating_sub(10_000) / 10_000;
        (0..pages)
            .map(|i| (i * (last + 1) / pages.max(1)) * 10_000)
            .collect()
    };
    let machines = spread(m_total)
        .into_iter()
        .map(|s| format!("{base}/api/machines?$top=10000&$skip={s}"))
        .collect();
    let actions = spread(a_total)
        .into_iter()
        .map(|s| format!("{base}/api/machineactions?$top=10000&$skip={s}"))
        .collect();
    let isolation = spread(a_total / 4)
        .into_iter()
        .map(|s| {
            format!("{base}/api/machineactions?$filter=type in ('Isolate','Unisolate')&$top=10000&$skip={s}")
        })
        .collect();
    let next_link = (0..pages.min(3))
        .map(|_| format!("{base}/api/machineactions"))
        .collect();

    // One warm-up request (connection, allocator).
    page(&http, &token, &format!("{base}/api/machines?$top=10")).await;
    let results = vec![
        series(
            &http,
            &token,
            "machines, $top=10000 (spread $skip)",
            machines,
        )
        .await,
        series(
            &http,
            &token,
            "machineactions, $top=10000 (spread $skip)",
            actions,
        )
        .await,
        series(
            &http,
            &token,
            "machineactions, type in (Isolate,Unisolate)",
            isolation,
        )
        .await,
        series(
            &http,
            &token,
            "machineactions, no $top (page + nextLink)",
            next_link,
        )
        .await,
    ];
    let rss_after = mem("VmRSS:");
    let hwm = mem("VmHWM:");

    println!("mde-sim paging benchmark — scenario {scenario}, release build, loopback HTTP");
    println!();
    println!("scenario build: {:.2} s", build.as_secs_f64());
    println!(
        "resident memory: {} before build, {} after build (simulator ≈ {}), {} after paging, peak {}",
        fmt_mem(rss_before),
        fmt_mem(rss_built),
        fmt_mem(rss_built.zip(rss_before).map(|(a, b)| a - b)),
        fmt_mem(rss_after),
        fmt_mem(hwm)
    );
    println!();
    println!(
        "| {:<44} | {:>5} | {:>7} | {:>8} | {:>8} | {:>8} | {:>10} | {:>7} |",
        "page (request → body parsed)",
        "pages",
        "rows",
        "min ms",
        "med ms",
        "max ms",
        "server med",
        "MiB"
    );
    println!(
        "|{:-<46}|{:->7}|{:->9}|{:->10}|{:->10}|{:->10}|{:->12}|{:->9}|",
        "", "", "", "", "", "", "", ""
    );
    for s in &results {
        println!("{}", s.row());
    }
    sim.shutdown();
}
