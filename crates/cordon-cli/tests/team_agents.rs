//! Two `cordon agent` processes on one team store (PostgreSQL) against the simulator:
//! one leads the sync and the rule, a High-alert storm isolates each machine exactly
//! once, and when the leader is killed (`kill -9`: no clean leave) the other takes
//! the rule over within its lease.
//!
//! Needs `CORDON_TEST_PG_URL` (`eval "$(bash scripts/pg.sh start)"`); without it this
//! fails with that hint, unless `CORDON_SKIP_PG=1`.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

mod support;

#[allow(dead_code)]
#[path = "../../cordon-core/tests/pg/harness.rs"]
mod harness;

use std::collections::HashMap;
use std::process::Child;
use std::time::{Duration, Instant};

use mde_sim::control_client::NewAlert;

/// How long the agents' leases hold in these tests.
const LEASE_SECONDS: u64 = 8;

struct Agent {
    name: &'static str,
    child: Child,
    metrics: String,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(env: &support::Env, url: &str, name: &'static str) -> Agent {
    let listen = format!("127.0.0.1:{}", free_port());
    let lease = LEASE_SECONDS.to_string();
    let child = env.spawn_cordon_with(
        &[
            "agent",
            "--listen",
            &listen,
            "--name",
            name,
            "--lease-seconds",
            &lease,
        ],
        &[("CORDON_STORE_URL", url)],
    );
    Agent {
        name,
        child,
        metrics: format!("http://{listen}/metrics"),
    }
}

/// Whether `agent` leads `duty` now, from its `/metrics` (`None` while it is not up).
async fn leads(agent: &Agent, duty: &str) -> Option<bool> {
    let text = reqwest::get(&agent.metrics).await.ok()?.text().await.ok()?;
    let line = format!("cordon_leader{{duty=\"{duty}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map(|v| v.trim() == "1")
}

/// Waits until exactly one of `agents` leads `duty`; its index.
async fn one_leader(agents: &[&Agent], duty: &str, within: Duration) -> usize {
    let end = Instant::now() + within;
    loop {
        let mut states = Vec::new();
        for a in agents {
            states.push(leads(a, duty).await);
        }
        let leaders: Vec<usize> = (0..agents.len())
            .filter(|&i| states[i] == Some(true))
            .collect();
        if leaders.len() == 1 && states.iter().all(Option::is_some) {
            return leaders[0];
        }
        assert!(
            Instant::now() < end,
            "no single {duty} leader among {:?}: {states:?}",
            agents.iter().map(|a| a.name).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn automatic_rule(env: &support::Env, url: &str) {
    let set = env
        .cordon_with(
            &[
                "rule",
                "set",
                "--mode",
                "automatic",
                "--max-per-hour",
                "50",
                "--yes",
            ],
            &[("CORDON_STORE_URL", url)],
        )
        .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
}

/// High alerts on `n` online machines that are not isolated; their ids.
async fn storm(env: &support::Env, n: usize) -> Vec<String> {
    let state = env.state().await;
    let ids: Vec<String> = state
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated)
        .take(n)
        .map(|m| m.id.clone())
        .collect();
    let alerts: Vec<NewAlert> = ids
        .iter()
        .map(|id| NewAlert::new(id.clone(), "High"))
        .collect();
    env.ctl().post_alerts(&alerts).await.unwrap();
    ids
}

/// Isolate POSTs the simulator received, by machine id.
async fn isolations(env: &support::Env) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for r in env.api_posts().await {
        if let Some(id) = r
            .path
            .strip_prefix("/api/machines/")
            .and_then(|p| p.strip_suffix("/isolate"))
        {
            *by.entry(id.to_ascii_lowercase()).or_insert(0) += 1;
        }
    }
    by
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_on_one_store_isolate_each_machine_once() {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let env = support::demo().await;
    automatic_rule(&env, &db.url).await;
    let ids = storm(&env, 8).await;
    let a1 = start(&env, &db.url, "a1");
    let a2 = start(&env, &db.url, "a2");
    one_leader(&[&a1, &a2], "automation", Duration::from_secs(60)).await;
    one_leader(&[&a1, &a2], "sync", Duration::from_secs(60)).await;

    // Every machine of the storm isolated, then nothing more for a few rounds.
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let seen = isolations(&env).await;
        if ids.iter().all(|id| seen.contains_key(id)) {
            break;
        }
        assert!(Instant::now() < end, "not all isolated: {seen:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(12)).await;
    let seen = isolations(&env).await;
    for id in &ids {
        assert_eq!(seen.get(id), Some(&1), "{id} isolated once: {seen:?}");
    }
    assert_eq!(seen.len(), ids.len(), "nothing else isolated: {seen:?}");
    // The rule ran once per alert across both agents.
    let decisions = db.sql("SELECT count(*) FROM rule_decisions WHERE decision = 'isolated'");
    assert_eq!(decisions[0][0].as_deref(), Some("8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_leader_is_killed_the_other_agent_takes_over_within_its_lease() {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let env = support::demo().await;
    let mut agents = vec![start(&env, &db.url, "a1"), start(&env, &db.url, "a2")];
    let refs: Vec<&Agent> = agents.iter().collect();
    let leader = one_leader(&refs, "automation", Duration::from_secs(60)).await;
    let mut dead = agents.remove(leader);
    let survivor = agents.pop().unwrap();
    assert_eq!(leads(&survivor, "automation").await, Some(false));

    // kill -9: no clean leave, its leases stay in the store until they end.
    dead.child.kill().unwrap();
    dead.child.wait().unwrap();
    let killed = Instant::now();
    let holder = db.sql("SELECT label FROM leases WHERE name = 'automation'");
    assert_eq!(
        holder[0][0].as_deref(),
        Some(format!("agent {}", dead.name).as_str()),
        "the dead leader's lease is still recorded"
    );
    let within = Duration::from_secs(LEASE_SECONDS + 10);
    let end = killed + within;
    loop {
        if leads(&survivor, "automation").await == Some(true)
            && leads(&survivor, "sync").await == Some(true)
        {
            break;
        }
        assert!(Instant::now() < end, "no takeover within {within:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = killed.elapsed();
    println!(
        "takeover after the leader's kill -9: {:.1} s (lease {LEASE_SECONDS} s)",
        took.as_secs_f64()
    );
    let holder = db.sql("SELECT label FROM leases WHERE name = 'automation'");
    assert_eq!(
        holder[0][0].as_deref(),
        Some(format!("agent {}", survivor.name).as_str())
    );
}
