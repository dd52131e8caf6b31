//! Conformance of the machine endpoints (§3 #6–#10, §3.1, §4.2, §5.2, §7): status codes,
//! headers, the collection and error envelopes, and every Machine's keys and types
//! against the hand-written table of `support/shapes.rs`.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::{Scenario, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::shapes;
use support::*;

/// What a `$filter` should select, checked against the whole list.
type Pred = Box<dyn Fn(&Value) -> bool>;

async fn get(sim: &Sim, token: &str, path: &str) -> Reply {
    let r = sim.call(Method::GET, path, Some(token), None).await;
    r.assert_common_headers();
    r
}

fn ids(list: &[Value]) -> Vec<&str> {
    list.iter().map(|m| m["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn list_get_and_lookups() {
    let sim = demo().await;
    let token = sim.reader().await;
    let r = get(&sim, &token, "/api/machines").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = shapes::collection(&r.json, "Machines");
    assert_eq!(list.len(), 300);
    assert!(r.json.get("@odata.nextLink").is_none(), "one page");
    list.iter().for_each(shapes::machine);

    let m = &list[7];
    let id = m["id"].as_str().unwrap();
    for key in [id, m["computerDnsName"].as_str().unwrap()] {
        let r = get(&sim, &token, &format!("/api/machines/{key}")).await;
        assert_eq!(r.status, StatusCode::OK);
        shapes::entity_context(&r.json, "Machines");
        shapes::machine(&r.json);
        assert_eq!(r.json["id"], id);
    }
    let r = get(
        &sim,
        &token,
        "/api/machines/0000000000000000000000000000000000000000",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(shapes::api_error(&r.json).contains("NotFound"));

    // Find by IP: seen with that internal IP within ±15 min of the timestamp (D10).
    let ip = m["lastIpAddress"].as_str().unwrap();
    let ts = m["lastSeen"].as_str().unwrap();
    let r = get(
        &sim,
        &token,
        &format!("/api/machines/findbyip(ip='{ip}',timestamp={ts})"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let found = shapes::collection(&r.json, "Machines");
    assert!(ids(found).contains(&id));
    found.iter().for_each(shapes::machine);
    let old = (sim.handle.now() - chrono::Duration::days(31)).format("%Y-%m-%dT%H:%M:%SZ");
    let r = get(
        &sim,
        &token,
        &format!("/api/machines/findbyip(ip='{ip}',timestamp={old})"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "older than 30 days");
    shapes::api_error(&r.json);
    let r = get(
        &sim,
        &token,
        &format!("/api/machines/findbyip(ip='999.1.1.1',timestamp={ts})"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(shapes::api_error(&r.json), "InvalidIpAddress");

    // Find by tag, exact and by prefix (D11).
    let tag = list
        .iter()
        .find_map(|m| m["machineTags"][0].as_str())
        .unwrap()
        .to_string();
    let r = get(&sim, &token, &format!("/api/machines/findbytag?tag={tag}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let tagged = shapes::collection(&r.json, "Machines");
    assert!(!tagged.is_empty());
    for m in tagged {
        shapes::machine(m);
        assert!(m["machineTags"].as_array().unwrap().contains(&json!(tag)));
    }
    let prefix = &tag[..tag.len().min(3)];
    let r = get(
        &sim,
        &token,
        &format!("/api/machines/findbytag?tag={prefix}&useStartsWithFilter=true"),
    )
    .await;
    assert!(shapes::collection(&r.json, "Machines").len() >= tagged.len());
    let r = get(&sim, &token, "/api/machines/findbytag").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    shapes::api_error(&r.json);
}

#[tokio::test]
async fn a_machines_alerts_and_their_bare_count() {
    let sim = demo().await;
    let token = sim.reader().await;
    let r = get(&sim, &token, "/api/alerts?$top=1").await;
    let machine = shapes::collection(&r.json, "Alerts")[0]["machineId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = get(&sim, &token, &format!("/api/machines/{machine}/alerts")).await;
    assert_eq!(r.status, StatusCode::OK);
    let alerts = shapes::collection(&r.json, "Alerts");
    assert!(!alerts.is_empty());
    for a in alerts {
        shapes::alert(a, false);
        assert_eq!(a["machineId"], machine.as_str());
    }
    let open = alerts.iter().filter(|a| a["status"] != "Resolved").count();
    // D21 example 7: `/$count` answers a bare number (OData: as text/plain).
    let count = |q: &'static str| {
        let path = format!("/api/machines/{machine}/alerts/$count{q}");
        let (sim, token) = (&sim, &token);
        async move { sim.call(Method::GET, &path, Some(token), None).await }
    };
    let r = count("?$filter=status ne 'Resolved'").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(r.text.trim(), open.to_string());
    assert_eq!(count("").await.text.trim(), alerts.len().to_string());
}

#[tokio::test]
async fn odata_options_and_errors() {
    let sim = demo().await;
    let token = sim.reader().await;
    let all = get(&sim, &token, "/api/machines").await.json;
    let all = shapes::collection(&all, "Machines").clone();

    let r = get(&sim, &token, "/api/machines?$count=true&$top=5").await;
    assert_eq!(r.json["@odata.count"], 300);
    assert_eq!(shapes::collection(&r.json, "Machines").len(), 5);
    assert!(
        r.json.get("@odata.nextLink").is_none(),
        "no nextLink with $top (I7)"
    );

    let r = get(
        &sim,
        &token,
        "/api/machines?$select=id,computerDnsName&$top=3",
    )
    .await;
    for m in shapes::collection(&r.json, "Machines") {
        let mut keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["computerDnsName", "id"]);
    }

    let r = get(
        &sim,
        &token,
        "/api/machines?$orderby=computerDnsName desc&$skip=2&$top=10",
    )
    .await;
    let names: Vec<&str> = shapes::collection(&r.json, "Machines")
        .iter()
        .map(|m| m["computerDnsName"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);

    let filters: [(&str, Pred); 6] = [
        (
            "healthStatus eq 'Active'",
            Box::new(|m| m["healthStatus"] == "Active"),
        ),
        (
            "riskScore in ('High','Medium') and not (osPlatform eq 'macOS')",
            Box::new(|m| {
                (m["riskScore"] == "High" || m["riskScore"] == "Medium")
                    && m["osPlatform"] != "macOS"
            }),
        ),
        (
            "startswith(computerDnsName,'a') or exposureLevel ne 'Low'",
            Box::new(|m| {
                m["computerDnsName"].as_str().unwrap().starts_with('a')
                    || m["exposureLevel"] != "Low"
            }),
        ),
        (
            "lastSeen gt 2025-06-01T00:00:00Z",
            Box::new(|m| m["lastSeen"].as_str().unwrap() > "2025-06-01T00:00:00Z"),
        ),
        (
            "lastSeen le 2025-05-25Z",
            Box::new(|m| m["lastSeen"].as_str().unwrap() <= "2025-05-25T00:00:00Z"),
        ),
        ("computerDnsName eq 'o''brien'", Box::new(|_| false)),
    ];
    for (f, want) in filters {
        let r = get(&sim, &token, &format!("/api/machines?$filter={f}")).await;
        assert_eq!(r.status, StatusCode::OK, "{f}: {}", r.text);
        let got = ids(shapes::collection(&r.json, "Machines"));
        let expected: Vec<&str> = ids(&all)
            .into_iter()
            .zip(&all)
            .filter(|(_, m)| want(m))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(got, expected, "{f}");
    }

    // A bad query is a 400 ODataError in the documented envelope.
    for q in [
        "$filter=healthStatus eq",
        "$filter=nosuchfield eq 'x'",
        "$filter=(riskScore eq 'High'",
        "$filter=riskScore eq 'unterminated",
        "$top=10001",
        "$top=-1",
        "$skip=x",
        "$orderby=lastSeen sideways",
        "$select=nope",
        "$expand=evidence",
        "$stop=5",
        "$count=maybe",
    ] {
        let r = get(&sim, &token, &format!("/api/machines?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(shapes::api_error(&r.json), "ODataError", "{q}");
    }
}

#[tokio::test]
async fn next_link_pages_when_no_top_is_given() {
    let sim = start(SimConfig {
        page_size: 120,
        ..config(Scenario::Demo)
    })
    .await;
    let token = sim.reader().await;
    let mut path = "/api/machines?$filter=osPlatform ne 'Linux'".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = get(&sim, &token, &path).await;
        assert_eq!(r.status, StatusCode::OK);
        let page = shapes::collection(&r.json, "Machines");
        assert!(page.len() <= 120);
        seen.extend(ids(page).into_iter().map(str::to_string));
        pages += 1;
        match r.json["@odata.nextLink"].as_str() {
            Some(next) => path = next.strip_prefix(&sim.base).unwrap().to_string(),
            None => break,
        }
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no row twice");
    assert_eq!(pages, total.div_ceil(120));
    let r = get(&sim, &token, "/api/machines?$top=120").await;
    assert!(r.json.get("@odata.nextLink").is_none());
    let r = get(&sim, &token, "/api/machines?$top=121").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "above the page limit");
}

#[tokio::test]
async fn documented_quirks_switch() {
    let sim = start(config(Scenario::Empty)).await;
    let token = sim.reader().await;
    let r = get(&sim, &token, "/api/machines").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "D8: 404 on an empty list");
    shapes::api_error(&r.json);
    sim.configure(SettingsPatch {
        quirks: Some(QuirksPatch {
            empty_machine_list_404: Some(false),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    let r = get(&sim, &token, "/api/machines").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(shapes::collection(&r.json, "Machines").is_empty());

    let sim = demo().await;
    let token = sim.reader().await;
    sim.configure(SettingsPatch {
        quirks: Some(QuirksPatch {
            numeric_rbac_group_id: Some(false),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    let r = get(&sim, &token, "/api/machines?$top=1").await;
    assert!(
        r.json["value"][0]["rbacGroupId"].is_string(),
        "the table's String"
    );
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = sim.machine_where(|_| true).await.id;
    for (method, path, allow) in [
        (Method::DELETE, "/api/machines".to_string(), "GET"),
        (Method::POST, format!("/api/machines/{id}"), "GET"),
        (Method::GET, format!("/api/machines/{id}/isolate"), "POST"),
        (Method::PUT, "/api/alerts".to_string(), "GET"),
    ] {
        let r = sim.call(method.clone(), &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(r.header("allow"), Some(allow));
        assert!(r.text.is_empty(), "empty body (T6)");
        r.assert_common_headers();
    }
}
