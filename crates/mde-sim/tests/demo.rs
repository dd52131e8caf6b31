//! The demo scenario tells the story of product.md, with stable numbers.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities::AUTOMATION_APP_NAME;
use mde_sim::{Scenario, SimConfig};
use serde_json::Value;
use support::*;

fn ledger_where<'a>(ledger: &'a [Value], pred: impl Fn(&Value) -> bool + 'a) -> Vec<&'a Value> {
    ledger.iter().filter(|a| pred(a)).collect()
}

#[tokio::test]
async fn the_storm_and_its_aftermath() {
    let sim = demo().await;
    let st = sim.state().await;
    let machines = &st.machines;
    assert_eq!(machines.len(), 300);
    let ledger = sim.ledger().await;
    let storm = ledger_where(&ledger, |a| {
        a["requestor"] == AUTOMATION_APP_NAME
            && a["type"] == "Isolate"
            && a["creationDateTimeUtc"].as_str().unwrap() > "2025-06-01T21:00:00"
    });
    assert_eq!(storm.len(), 80, "the storm isolated 80 machines");
    assert!(storm.iter().all(|a| a["status"] == "Succeeded"));
    assert!(storm.iter().all(|a| {
        a["requestorComment"]
            .as_str()
            .unwrap()
            .starts_with("Isolate machine because alert - da")
    }));
    let storm_ids: Vec<&str> = storm
        .iter()
        .map(|a| a["machineId"].as_str().unwrap())
        .collect();
    let state_of = |id: &str| machines.iter().find(|m| m.id == id).unwrap();
    assert!(
        storm_ids.iter().all(|id| state_of(id).isolated),
        "all still isolated"
    );
    let offline = storm_ids.iter().filter(|id| !state_of(id).online).count();
    assert_eq!(offline, 12);
    let pending_releases = ledger_where(&ledger, |a| {
        a["type"] == "Unisolate" && a["status"] == "Pending"
    });
    assert_eq!(
        pending_releases.len(),
        10,
        "8 offline laptops + 2 behind a full-tunnel VPN"
    );
    let vpn = pending_releases
        .iter()
        .filter(|a| state_of(a["machineId"].as_str().unwrap()).full_tunnel_vpn)
        .count();
    assert_eq!(vpn, 2);
    let timed_out = ledger_where(&ledger, |a| {
        a["type"] == "Unisolate" && a["status"] == "TimeOut"
    });
    assert_eq!(
        timed_out.len(),
        4,
        "last week's releases that never reached their laptops"
    );
    assert!(
        timed_out
            .iter()
            .all(|a| state_of(a["machineId"].as_str().unwrap()).isolated)
    );
    let compromised = ledger_where(&ledger, |a| {
        a["type"] == "Isolate"
            && a["requestorComment"]
                .as_str()
                .unwrap()
                .starts_with("Confirmed compromise")
    });
    assert_eq!(compromised.len(), 3);
    let under_way = ledger_where(&ledger, |a| {
        a["type"] == "Isolate" && (a["status"] == "Pending" || a["status"] == "InProgress")
    });
    assert_eq!(under_way.len(), 3, "isolations happening right now");
    assert_eq!(st.isolated_count, 87);
    let analysts: std::collections::HashSet<&str> = ledger
        .iter()
        .map(|a| a["requestor"].as_str().unwrap())
        .collect();
    for who in [
        "alice@contoso.example",
        "bob@contoso.example",
        "carol@contoso.example",
        "dave@contoso.example",
    ] {
        assert!(analysts.contains(who), "history by {who}");
    }
    for status in ["Succeeded", "Failed", "TimeOut", "Cancelled"] {
        assert!(
            ledger.iter().any(|a| a["status"] == status),
            "history has {status}"
        );
    }
    let oldest = ledger
        .iter()
        .map(|a| a["creationDateTimeUtc"].as_str().unwrap())
        .min()
        .unwrap();
    assert!(oldest < "2025-05-05", "weeks of history, oldest {oldest}");
}

#[tokio::test]
async fn releasing_an_offline_laptop_completes_when_it_returns() {
    let sim = demo().await;
    let ledger = sim.ledger().await;
    let pending = ledger_where(&ledger, |a| {
        a["type"] == "Unisolate" && a["status"] == "Pending"
    });
    let st = sim.state().await;
    let target = pending
        .iter()
        .find(|a| {
            st.machines
                .iter()
                .any(|m| a["machineId"] == m.id.as_str() && !m.online)
        })
        .unwrap();
    let id = target["machineId"].as_str().unwrap();
    sim.ctl().set_online(id, true).await.expect("set online");
    sim.advance(600.0).await;
    let ledger = sim.ledger().await;
    let now = ledger_where(&ledger, |a| a["id"] == target["id"]);
    assert_eq!(now[0]["status"], "Succeeded");
}

#[tokio::test]
async fn same_seed_same_tenant_other_seed_other_tenant() {
    let a = sim_ids(42).await;
    assert_eq!(a, sim_ids(42).await);
    assert_ne!(a, sim_ids(7).await);
}

async fn sim_ids(seed: u64) -> Vec<String> {
    let sim = start(SimConfig {
        seed,
        ..config(Scenario::Demo)
    })
    .await;
    let ledger = sim.ledger().await;
    let st = sim.state().await;
    st.machines
        .iter()
        .map(|m| m.computer_dns_name.clone())
        .chain(ledger.iter().map(|a| a["id"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn alerts_with_evidence() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let (s, body) = sim
        .get(
            &token,
            "/api/alerts?$filter=severity eq 'High' and status eq 'New'&$expand=evidence",
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK);
    let v = body["value"].as_array().unwrap();
    assert!(v.len() >= 80);
    assert_eq!(v[0]["evidence"][0]["entityType"], "File");
    let id = v[0]["id"].as_str().unwrap();
    let (s, one) = sim.get(&token, &format!("/api/alerts/{id}")).await;
    assert_eq!((s, one["id"].as_str()), (reqwest::StatusCode::OK, Some(id)));
    assert!(one.get("evidence").is_none());
    let m = v[0]["machineId"].as_str().unwrap();
    let (_, mine) = sim.get(&token, &format!("/api/machines/{m}/alerts")).await;
    assert!(
        mine["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    );
    let r = sim
        .http
        .get(sim.url(&format!("/api/machines/{m}/alerts/$count")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let n: usize = r.text().await.unwrap().parse().unwrap();
    assert_eq!(n, mine["value"].as_array().unwrap().len());
}

#[tokio::test]
async fn new_alerts_keep_arriving() {
    let sim = demo().await;
    let before = sim.state().await.alert_count;
    sim.advance(6.0 * 3600.0).await;
    let after = sim.state().await.alert_count;
    assert!(
        after >= before + 10,
        "a steady trickle: {before} -> {after}"
    );
}
