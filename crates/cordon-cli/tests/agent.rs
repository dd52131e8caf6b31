//! `cordon agent` as a real process against the simulator: `--once` runs the rule
//! and posts the breaker's notice to a loopback webhook receiver (Slack's shape);
//! the long-running agent serves `/healthz` and `/metrics` and stops cleanly on
//! SIGTERM; a non-loopback listen address is refused.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use mde_sim::control_client::NewAlert;
use serde_json::Value;

type Seen = Arc<Mutex<Vec<Value>>>;

/// A loopback webhook receiver; returns its URL and what it received.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(|State(s): State<Seen>, Json(v): Json<Value>| async move {
                s.lock().unwrap().push(v);
                "ok"
            }),
        )
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn storm(env: &support::Env, n: usize) {
    let state = env.ctl().state().await.unwrap();
    let alerts: Vec<NewAlert> = state
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated)
        .take(n)
        .map(|m| NewAlert::new(m.id.clone(), "High"))
        .collect();
    env.ctl().post_alerts(&alerts).await.unwrap();
}

#[tokio::test]
async fn once_runs_the_rule_and_tells_the_on_call_when_the_breaker_opens() {
    let env = support::demo().await;
    let set = env
        .cordon(&[
            "rule",
            "set",
            "--mode",
            "automatic",
            "--max-per-hour",
            "1",
            "--yes",
        ])
        .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    storm(&env, 3).await;
    let (url, seen) = receiver().await;
    let run = env
        .cordon(&[
            "agent",
            "--once",
            "--webhook",
            &url,
            "--webhook-format",
            "slack",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary = run.json();
    assert!(summary["decisions"].as_u64().unwrap() >= 3, "{summary}");
    assert!(
        summary["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "breaker.opened")
    );
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]["text"].as_str().unwrap().contains("breaker opened"),
        "{got:?}"
    );
    // JSON logs on stderr.
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with('{') && l.contains("\"level\"")),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_non_loopback_listen_address_is_refused() {
    let env = support::demo().await;
    let run = env.cordon(&["agent", "--listen", "0.0.0.0:9464"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("loopback"), "{}", run.stderr);
}

#[cfg(unix)]
#[tokio::test]
async fn the_agent_serves_health_and_metrics_and_stops_on_sigterm() {
    let env = support::demo().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = env.spawn_cordon(&["agent", "--listen", &listen]);
    let http = reqwest::Client::new();
    let base = format!("http://{listen}");
    let end = Instant::now() + Duration::from_secs(60);
    let health: Value = loop {
        assert!(Instant::now() < end, "the agent never became healthy");
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            break r.json().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(health["status"], "ok");
    assert!(health["lastSync"].is_string());
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "cordon_last_sync_timestamp_seconds",
        "cordon_queue_depth",
        "cordon_throttled_total",
        "cordon_breaker_open",
        "cordon_approvals_waiting",
    ] {
        assert!(
            metrics.contains(&format!("\n{name} ")) || metrics.contains(&format!("{name} ")),
            "{name} in {metrics}"
        );
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let end = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "the agent did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}");
}
