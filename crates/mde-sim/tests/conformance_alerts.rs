//! Conformance of the alert endpoints (§3 #11–#12, §3.1, §4.3): list and get, with and
//! without `$expand=evidence`, the documented `$filter` fields, and the error envelope.
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::{Method, StatusCode};
use support::shapes;
use support::*;

async fn get(sim: &Sim, token: &str, path: &str) -> Reply {
    let r = sim.call(Method::GET, path, Some(token), None).await;
    r.assert_common_headers();
    r
}

#[tokio::test]
async fn alerts_list_get_and_evidence() {
    let sim = demo().await;
    let token = sim.reader().await;
    let r = get(&sim, &token, "/api/alerts").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = shapes::collection(&r.json, "Alerts");
    assert!(!list.is_empty());
    list.iter().for_each(|a| shapes::alert(a, false));

    let r = get(&sim, &token, "/api/alerts?$expand=evidence&$top=20").await;
    let with = shapes::collection(&r.json, "Alerts");
    assert_eq!(with.len(), list.len().min(20));
    with.iter().for_each(|a| shapes::alert(a, true));
    assert!(
        with.iter()
            .any(|a| !a["evidence"].as_array().unwrap().is_empty())
    );

    let id = list[0]["id"].as_str().unwrap();
    let r = get(&sim, &token, &format!("/api/alerts/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    shapes::entity_context(&r.json, "Alerts");
    shapes::alert(&r.json, false);
    let r = get(&sim, &token, &format!("/api/alerts/{id}?$expand=evidence")).await;
    shapes::alert(&r.json, true);
    let r = get(&sim, &token, "/api/alerts/da000000000000000000_0").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    shapes::api_error(&r.json);

    // The documented filter fields (D13), the odd-cased `InvestigationId` included.
    for f in [
        "severity eq 'High'",
        "status ne 'Resolved' and detectionSource eq 'WindowsDefenderAv'",
        "alertCreationTime ge 2025-05-01T00:00:00Z",
        "lastUpdateTime lt 2030-01-01Z",
        "category in ('Malware','Execution')",
        "assignedTo eq null or incidentId gt 0",
        "InvestigationId ne null",
        "lastEventTime gt 2025-01-01Z",
        "id eq 'x'",
    ] {
        let r = get(&sim, &token, &format!("/api/alerts?$filter={f}")).await;
        assert_eq!(r.status, StatusCode::OK, "{f}: {}", r.text);
        shapes::collection(&r.json, "Alerts")
            .iter()
            .for_each(|a| shapes::alert(a, false));
    }
    let r = get(&sim, &token, "/api/alerts?$filter=severity eq 'High'").await;
    assert!(
        shapes::collection(&r.json, "Alerts")
            .iter()
            .all(|a| a["severity"] == "High")
    );
    for q in ["$expand=machines", "$filter=severity eq High", "$top=10001"] {
        let r = get(&sim, &token, &format!("/api/alerts?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(shapes::api_error(&r.json), "ODataError", "{q}");
    }
}
