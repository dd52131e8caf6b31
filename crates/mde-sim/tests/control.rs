//! Fault injection and the control API: injected 429/500/503, delays, "accept then
//! drop", the request log, the action ledger, reset and speed.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use mde_sim::Scenario;
use reqwest::StatusCode;
use serde_json::json;

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
    sim.control("/_sim/faults", json!([{"path_contains": "machineactions", "count": 1, "kind": {"status": 503}}, {"path_contains": "machineactions", "count": 1, "kind": {"status": 500}}])).await;
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
    sim.control(
        "/_sim/faults",
        json!({"path_contains": "/api/machines", "count": 1, "kind": {"delay_ms": 300}}),
    )
    .await;
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
    let id = sim
        .machine_where(|m| m["online"] == true && m["isolated"] == false)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = sim
        .control_get("/_sim/actions")
        .await
        .as_array()
        .unwrap()
        .len();
    sim.control("/_sim/faults", json!({"path_contains": "/isolate", "method": "POST", "count": 1, "kind": "accept_then_drop"})).await;
    let r = sim
        .http
        .post(sim.url(&format!("/api/machines/{id}/isolate")))
        .bearer_auth(&token)
        .json(&json!({"Comment": "x"}))
        .send()
        .await;
    assert!(r.is_err(), "the client gets no response");
    let ledger = sim.control_get("/_sim/actions").await;
    let ledger = ledger.as_array().unwrap();
    assert_eq!(ledger.len(), before + 1, "but the action exists");
    assert_eq!(ledger.last().unwrap()["machineId"], id.as_str());
    let log = sim.control_get("/_sim/requests").await;
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["dropped"], true);
    assert_eq!(last["method"], "POST");
    assert_eq!(last["status"], 201);
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
    let log = sim.control_get("/_sim/requests").await;
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

    let st = sim.state().await;
    assert_eq!(st["now"], "2025-06-02T08:00:00.0000000Z");
    let m = &st["machines"][0];
    for k in ["id", "computerDnsName", "online", "isolated"] {
        assert!(m.get(k).is_some(), "state machine has {k}");
    }
    let reset = sim
        .control("/_sim/reset", json!({"scenario": "empty"}))
        .await;
    assert_eq!(reset["machines"], 0);
    assert_eq!(sim.state().await["isolatedCount"], 0);
    sim.control("/_sim/reset", json!({"scenario": "demo"}))
        .await;
    assert_eq!(sim.state().await["machines"].as_array().unwrap().len(), 300);

    let sp = sim
        .control("/_sim/clock/speed", json!({"speed": 3600.0}))
        .await;
    assert_eq!(sp["speed"], 3600.0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_ne!(
        sim.state().await["now"],
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
    let id = sim
        .machine_where(|m| m["online"] == true && m["isolated"] == false)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
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
        .control(
            "/_sim/config",
            json!({"duplicatePolicy": "Error", "quirks": {"numericRbacGroupId": false}}),
        )
        .await;
    assert_eq!(cfg["duplicatePolicy"], "Error");
    let (_, m) = sim.get(&token, "/api/machines?$top=1").await;
    assert!(m["value"][0]["rbacGroupId"].is_string());
    let id = sim
        .machine_where(|m| m["online"] == true && m["isolated"] == false)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
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
        .machine_where(|m| m["online"] == false && m["fullTunnelVpn"] == false)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let seen = |m: &serde_json::Value| m["lastSeen"].as_str().unwrap().to_string();
    let (_, before) = sim.get(&token, &format!("/api/machines/{id}")).await;
    // Eight silent days: the device is Inactive and its lastSeen frozen.
    sim.advance(8.0 * 86_400.0).await;
    let token = sim.reader().await;
    let (_, silent) = sim.get(&token, &format!("/api/machines/{id}")).await;
    assert_eq!(seen(&silent), seen(&before), "frozen while offline");
    assert_eq!(silent["healthStatus"], "Inactive");

    let now = sim.state().await["now"].as_str().unwrap().to_string();
    let back = sim
        .control(
            &format!("/_sim/machines/{id}/online"),
            json!({"online": true}),
        )
        .await;
    assert_eq!(back["online"], true);
    assert_eq!(back["lastSeen"], now.as_str(), "a full report at once");
    assert_ne!(back["healthStatus"], "Inactive");
    let (_, api) = sim.get(&token, &format!("/api/machines/{id}")).await;
    assert_eq!(seen(&api), now, "the API shows the report");
    assert_eq!(api["healthStatus"], back["healthStatus"]);
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
    let again = sim
        .control(
            &format!("/_sim/machines/{id}/online"),
            json!({"online": true}),
        )
        .await;
    assert_eq!(again["lastSeen"], now.as_str());
    // Offline again: lastSeen stays at the last report.
    let gone = sim
        .control(
            &format!("/_sim/machines/{id}/online"),
            json!({"online": false}),
        )
        .await;
    assert_eq!(gone["lastSeen"], now.as_str());
}

#[tokio::test]
async fn action_count_by_type_matches_the_ledger() {
    let sim = demo().await;
    let ledger = sim.control_get("/_sim/actions").await;
    let ledger = ledger.as_array().unwrap();
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
