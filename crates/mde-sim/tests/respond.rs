//! The other response actions: AV scan, restrict/unrestrict app execution, collect an
//! investigation package, and OS support; machines found by IP.
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn machine_with_os(sim: &Sim, token: &str, os: &str) -> Value {
    let (_, body) = sim
        .get(
            token,
            &format!(
                "/api/machines?$filter=osPlatform eq '{os}' and healthStatus eq 'Active'&$top=1"
            ),
        )
        .await;
    body["value"][0].clone()
}

#[tokio::test]
async fn scan_restrict_and_os_support() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let win = machine_with_os(&sim, &token, "Windows11").await;
    let id = win["id"].as_str().unwrap();
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/runAntiVirusScan"),
            json!({"Comment": "scan"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "MissingRequiredParameter"),
        "ScanType is required"
    );
    let (s, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/runAntiVirusScan"),
            json!({"Comment": "scan", "ScanType": "Quick"}),
        )
        .await;
    assert_eq!(
        (s, a["type"].as_str(), a["scope"].as_str()),
        (StatusCode::CREATED, Some("RunAntiVirusScan"), Some("Quick"))
    );
    let (s, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/restrictCodeExecution"),
            json!({"Comment": "restrict"}),
        )
        .await;
    assert_eq!(
        (s, a["type"].as_str()),
        (StatusCode::CREATED, Some("RestrictCodeExecution"))
    );
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/collectInvestigationPackage"),
            json!({"Comment": "collect"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::FORBIDDEN, "Forbidden"),
        "the analyst app lacks Machine.CollectForensics"
    );
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Machine.CollectForensics")
    );
    let linux = machine_with_os(&sim, &token, "Linux").await;
    let lid = linux["id"].as_str().unwrap();
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{lid}/isolate"),
            json!({"Comment": "x", "IsolationType": "Selective"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "OsPlatformNotSupported")
    );
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{lid}/restrictCodeExecution"),
            json!({"Comment": "x"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "OsPlatformNotSupported")
    );
    let (s, _) = sim
        .post(
            &token,
            &format!("/api/machines/{lid}/isolate"),
            json!({"Comment": "x", "IsolationType": "Full"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "Full isolation works on Linux");
}

#[tokio::test]
async fn package_uri_after_collection() {
    let sim = demo().await;
    let token = sim.reader().await;
    let (_, body) = sim.get(&token, "/api/machineactions?$filter=type eq 'CollectInvestigationPackage' and status eq 'Succeeded'").await;
    let a = &body["value"][0];
    let (s, uri) = sim
        .get(
            &token,
            &format!(
                "/api/machineactions/{}/GetPackageUri",
                a["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(uri["value"].as_str().unwrap().starts_with("http"));
    let (_, isolate) = sim
        .get(
            &token,
            "/api/machineactions?$filter=type eq 'Isolate'&$top=1",
        )
        .await;
    let (s, _) = sim
        .get(
            &token,
            &format!(
                "/api/machineactions/{}/getPackageUri",
                isolate["value"][0]["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn find_by_ip_and_versioned_paths() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let (_, body) = sim.get(&token, "/api/machines?$top=1").await;
    let m = &body["value"][0];
    let ip = m["lastIpAddress"].as_str().unwrap();
    let (s, found) = sim
        .get(
            &token,
            &format!("/api/machines/findbyip(ip='{ip}',timestamp=2025-06-02T07:00:00Z)"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        found["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == m["id"])
    );
    let (s, b) = sim
        .get(
            &token,
            &format!("/api/machines/findbyip(ip='{ip}',timestamp=2025-04-01T00:00:00Z)"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "older than 30 days: {b}");
    let (s, _) = sim.get(&token, "/api/v1.0/Machines?$top=1").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "version prefix and case-insensitive names"
    );
}
