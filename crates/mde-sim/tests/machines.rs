//! Machines: list, get, OData filters and paging, the 404 quirk, the `Date` header.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::{Scenario, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

#[tokio::test]
async fn list_and_get_machines() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let (status, body) = sim.get(&token, "/api/machines").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/api/$metadata#Machines")
    );
    let list = body["value"].as_array().unwrap();
    assert_eq!(list.len(), 300);
    assert!(body.get("@odata.nextLink").is_none());
    let m = &list[0];
    assert_keys(m, MACHINE_KEYS);
    assert_eq!(m["id"].as_str().unwrap().len(), 40);
    assert!(
        m["id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(
        m["rbacGroupId"].is_number(),
        "rbacGroupId is a number by default"
    );
    assert_eq!(m["onboardingStatus"], "Onboarded");
    let id = m["id"].as_str().unwrap();
    let (status, one) = sim.get(&token, &format!("/api/machines/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], id);
    assert!(
        one["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#Machines/$entity")
    );
    let dns = m["computerDnsName"].as_str().unwrap();
    let (status, by_name) = sim.get(&token, &format!("/api/machines/{dns}")).await;
    assert_eq!((status, by_name["id"].as_str()), (StatusCode::OK, Some(id)));
    let (status, body) = sim
        .get(
            &token,
            "/api/machines/ffffffffffffffffffffffffffffffffffffffff",
        )
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("was not found")
    );
}

#[tokio::test]
async fn filters_on_machines() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let count = |v: &Value| v["value"].as_array().unwrap().len();
    let (_, linux) = sim
        .get(&token, "/api/machines?$filter=osPlatform eq 'Linux'")
        .await;
    assert_eq!(count(&linux), 25);
    let (_, dcs) = sim
        .get(
            &token,
            "/api/machines?$filter=startswith(computerDnsName,'dc-') and deviceValue eq 'High'",
        )
        .await;
    assert_eq!(count(&dcs), 4);
    let (_, tagged) = sim
        .get(
            &token,
            "/api/machines?$filter=machineTags/any(t: t eq 'DomainController')",
        )
        .await;
    assert_eq!(count(&tagged), 4);
    let (_, grp) = sim
        .get(&token, "/api/machines?$filter=rbacGroupId eq 202")
        .await;
    assert_eq!(count(&grp), 4);
    let (_, recent) = sim
        .get(
            &token,
            "/api/machines?$filter=lastSeen gt 2025-05-01Z&$count=true",
        )
        .await;
    assert_eq!(
        recent["@odata.count"].as_u64().unwrap() as usize,
        count(&recent)
    );
    let (status, body) = sim.get(&token, "/api/machines?$filter=osPlatform eq").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "ODataError")
    );
    let (status, body) = sim.get(&token, "/api/machines?$filter=nope eq 1").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "ODataError")
    );
    let (_, sel) = sim
        .get(&token, "/api/machines?$top=2&$select=id,computerDnsName")
        .await;
    assert_eq!(sel["value"][0].as_object().unwrap().len(), 2);
    let (_, tag) = sim
        .get(&token, "/api/machines/findbytag?tag=DomainController")
        .await;
    assert_eq!(count(&tag), 4);
}

#[tokio::test]
async fn paging_with_next_link_and_top_limit() {
    let sim = start(SimConfig {
        page_size: 120,
        ..config(Scenario::Demo)
    })
    .await;
    let token = sim.analyst().await;
    let (status, body) = sim.get(&token, "/api/machines?$top=121").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "ODataError")
    );
    let mut url = "/api/machines".to_string();
    let mut ids = Vec::new();
    loop {
        let (status, body) = sim.get(&token, &url).await;
        assert_eq!(status, StatusCode::OK);
        ids.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.strip_prefix(&sim.base).unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 300);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 300, "no machine twice across pages");
    let (_, page) = sim.get(&token, "/api/machines?$top=100&$skip=250").await;
    assert_eq!(page["value"].as_array().unwrap().len(), 50);
    assert!(
        page.get("@odata.nextLink").is_none(),
        "no nextLink when $top is given"
    );
}

#[tokio::test]
async fn empty_tenant_lists_404_by_quirk() {
    let sim = start(config(Scenario::Empty)).await;
    let (status, body) = sim.get(&sim.analyst().await, "/api/machines").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    let mut cfg = config(Scenario::Empty);
    cfg.quirks.empty_machine_list_404 = false;
    let sim = start(cfg).await;
    let (status, body) = sim.get(&sim.analyst().await, "/api/machines").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["value"], serde_json::json!([]));
}

#[tokio::test]
async fn date_header_follows_the_simulation_clock() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let r = sim
        .http
        .get(sim.url("/api/machines?$top=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["date"], "Mon, 02 Jun 2025 08:00:00 GMT");
    sim.advance(86_400.0).await;
    let r = sim
        .http
        .get(sim.url("/api/machines?$top=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["date"], "Tue, 03 Jun 2025 08:00:00 GMT");
}
