//! Fault injection and the control API: injected 429/500/503, delays, "accept then
//! drop", the request log, the action ledger, reset and speed.
//!
//! These tests drive the control API through the typed `SimControl`, except where the
//! point is the wire itself: a fault body as JSON (and its 201), an unknown fault kind
//! and an unknown settings field (400), an unknown machine (404), and the request log's
//! JSON (OData times, no control calls logged).
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use mde_sim::Scenario;
use reqwest::StatusCode;
use serde_json::json;
use support::*;

#[tokio::test]
async fn injected_statuses_and_delay() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let r = sim.http.post(sim.url("/_sim/faults")).json(&json!({"path_contains": "/api/machines", "method": "GET", "count": 2, "kind": {"status": 429, "retry_after": 2}})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    for _ in 0..2 {
        let r = sim
            .http
            .get(sim.url("/api/machines?$top=1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(error_code(&r.json().await.unwrap()), "TooManyRequests");
    }
    assert_eq!(
        sim.get(&token, "/api/machines?$top=1").await.0,
        StatusCode::OK,
        "count exhausted"
    );
    sim.ctl()
        .add_faults(&[
            Fault::new("machineactions", FaultKind::status(503)),
            Fault::new("machineactions", FaultKind::status(500)),
        ])
        .await
        .expect("faults");
    let (s, b) = sim.get(&token, "/api/machineactions?$top=1").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
    );
    let (s, b) = sim.get(&token, "/api/machineactions?$top=1").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError")
    );
    sim.ctl()
        .add_fault(Fault::new("/api/machines", FaultKind::delay_ms(300)))
        .await
        .expect("fault");
    let t = Instant::now();
    assert_eq!(
        sim.get(&token, "/api/machines?$top=1").await.0,
        StatusCode::OK
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    let r = sim
        .http
        .post(sim.url("/_sim/faults"))
        .json(&json!({"path_contains": "x", "kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn accept_then_drop_creates_the_action_but_cuts_the_connection() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = sim.machine_where(|m| m.online && !m.isolated).await.id;
    let before = sim.ledger().await.len();
    sim.ctl()
        .add_fault(Fault::new("/isolate", FaultKind::accept_then_drop()).method("POST"))
        .await
        .expect("fault");
    let r = sim
        .http
        .post(sim.url(&format!("/api/machines/{id}/isolate")))
        .bearer_auth(&token)
        .json(&json!({"Comment": "x"}))
        .send()
        .await;
    assert!(r.is_err(), "the client gets no response");
    let ledger = sim.ledger().await;
    assert_eq!(ledger.len(), before + 1, "but the action exists");
    assert_eq!(ledger.last().unwrap()["machineId"], id.as_str());
    let log = sim.ctl().requests().await.expect("log");
    let last = log.last().unwrap().clone();
    assert!(last.dropped);
    assert_eq!(last.method, "POST");
    assert_eq!(last.status, 201);
    // The simulator keeps serving.
    assert_eq!(
        sim.get(&token, "/api/machines?$top=1").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn request_log_state_reset_and_speed() {
    let sim = demo().await;
    let token = sim.analyst().await;
    sim.get(&token, "/api/machines?$filter=osPlatform eq 'Linux'")
        .await;
    // The log's wire format, raw.
    let log: serde_json::Value = sim
        .http
        .get(sim.url("/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/api/machines")
        .unwrap()
        .clone();
    assert_eq!(entry["method"], "GET");
    assert_eq!(entry["status"], 200);
    assert!(entry["query"].as_str().unwrap().contains("filter"));
    assert_eq!(entry["time"], "2025-06-02T08:00:00.0000000Z");
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|e| !e["path"].as_str().unwrap().starts_with("/_sim"))
    );

    // The typed log reads the same entry.
    let typed = sim.ctl().requests().await.expect("log");
    let t = typed.iter().find(|e| e.path == "/api/machines").unwrap();
    assert_eq!((t.method.as_str(), t.status), ("GET", 200));
    assert_eq!(
        t.time,
        chrono::DateTime::parse_from_rfc3339("2025-06-02T08:00:00Z").unwrap()
    );

    let st = sim.state().await;
    assert_eq!(st.now, "2025-06-02T08:00:00.0000000Z");
    // Every state machine has an id, a name, online and isolated (typed fields).
    let m = &st.machines[0];
    assert!(!m.id.is_empty() && !m.computer_dns_name.is_empty());
    let reset = sim.ctl().reset(Some("empty"), None).await.expect("reset");
    assert_eq!(reset.machines, 0);
    assert_eq!(sim.state().await.isolated_count, 0);
    sim.ctl().reset(Some("demo"), None).await.expect("reset");
    assert_eq!(sim.state().await.machines.len(), 300);

    let sp = sim.ctl().set_speed(3600.0).await.expect("speed");
    assert_eq!(sp.speed, Some(3600.0));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_ne!(
        sim.state().await.now,
        "2025-06-02T08:00:00.0000000Z",
        "the clock runs"
    );
    let r = sim
        .http
        .post(sim.url("/_sim/machines/nope/online"))
        .json(&json!({"online": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_changes_without_anyone_asking() {
    let sim = start(mde_sim::SimConfig {
        speed: 2000.0,
        ..config(Scenario::Demo)
    })
    .await;
    let token = sim.analyst().await;
    let id = sim.machine_where(|m| m.online && !m.isolated).await.id;
    let (_, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "live"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await; // 400 sim seconds
    let (_, now) = sim
        .get(
            &token,
            &format!("/api/machineactions/{}", a["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(now["status"], "Succeeded");
}

#[tokio::test]
async fn settings_change_at_runtime() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let cfg = sim
        .configure(SettingsPatch {
            duplicate_policy: Some("Error".into()),
            quirks: Some(QuirksPatch {
                numeric_rbac_group_id: Some(false),
                ..QuirksPatch::default()
            }),
            ..SettingsPatch::default()
        })
        .await;
    assert_eq!(cfg.duplicate_policy, "Error");
    let (_, m) = sim.get(&token, "/api/machines?$top=1").await;
    assert!(m["value"][0]["rbacGroupId"].is_string());
    let id = sim.machine_where(|m| m.online && !m.isolated).await.id;
    sim.post(
        &token,
        &format!("/api/machines/{id}/isolate"),
        json!({"Comment": "a"}),
    )
    .await;
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "b"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "ActiveRequestAlreadyExists")
    );
    let r = sim
        .http
        .post(sim.url("/_sim/config"))
        .json(&json!({"nope": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_machine_back_online_reports_at_once() {
    let sim = demo().await;
    let token = sim.reader().await;
    let id = sim
        .machine_where(|m| !m.online && !m.full_tunnel_vpn)
        .await
        .id;
    let seen = |m: &serde_json::Value| m["lastSeen"].as_str().unwrap().to_string();
    let (_, before) = sim.get(&token, &format!("/api/machines/{id}")).await;
    // Eight silent days: the device is Inactive and its lastSeen frozen.
    sim.advance(8.0 * 86_400.0).await;
    let token = sim.reader().await;
    let (_, silent) = sim.get(&token, &format!("/api/machines/{id}")).await;
    assert_eq!(seen(&silent), seen(&before), "frozen while offline");
    assert_eq!(silent["healthStatus"], "Inactive");

    let now = sim.state().await.now;
    let back = sim.ctl().set_online(&id, true).await.expect("set online");
    assert!(back.online);
    assert_eq!(back.last_seen, now, "a full report at once");
    assert_ne!(back.health_status, "Inactive");
    let (_, api) = sim.get(&token, &format!("/api/machines/{id}")).await;
    assert_eq!(seen(&api), now, "the API shows the report");
    assert_eq!(api["healthStatus"], back.health_status.as_str());
    // The filter a client uses to notice machines seen again finds it.
    let (_, list) = sim
        .get(
            &token,
            &format!("/api/machines?$filter=lastSeen ge {}", seen(&silent)),
        )
        .await;
    assert!(
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str())
    );

    // Already online: another "online" is no new report.
    sim.advance(3600.0).await;
    let again = sim.ctl().set_online(&id, true).await.expect("set online");
    assert_eq!(again.last_seen, now);
    // Offline again: lastSeen stays at the last report.
    let gone = sim.ctl().set_online(&id, false).await.expect("set online");
    assert_eq!(gone.last_seen, now);
}

#[tokio::test]
async fn action_count_by_type_matches_the_ledger() {
    let sim = demo().await;
    let ledger = sim.ledger().await;
    let of = |types: &[&str]| {
        ledger
            .iter()
            .filter(|a| types.iter().any(|t| a["type"] == *t))
            .count()
    };
    let iso = sim.handle.action_count(&["Isolate", "Unisolate"]);
    assert_eq!(iso, of(&["Isolate", "Unisolate"]));
    assert!(iso > 80, "the storm alone isolated 80");
    assert_eq!(sim.handle.action_count(&["Isolate"]), of(&["Isolate"]));
    assert_eq!(sim.handle.action_count(&[]), 0);
}
