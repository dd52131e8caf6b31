//! Living-tenant details: the out-of-order completion of a duplicate Isolate (I1/I2,
//! a switchable quirk), `NoSensorData` machines, the real-tenant extra fields switch,
//! and settings changed at run time (token lifetime).
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn online_windows(sim: &Sim, token: &str) -> String {
    let st = sim.state().await;
    let (_, list) = sim
        .get(token, "/api/machines?$filter=osPlatform eq 'Windows11'")
        .await;
    let free: Vec<&MachineState> = st
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated && !m.full_tunnel_vpn)
        .collect();
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .find(|id| free.iter().any(|f| f.id == *id))
        .unwrap()
        .to_string()
}

async fn action(sim: &Sim, token: &str, id: &str) -> Value {
    sim.get(token, &format!("/api/machineactions/{id}")).await.1
}

async fn isolated(sim: &Sim, machine: &str) -> bool {
    sim.state()
        .await
        .machines
        .iter()
        .find(|m| m.id == machine)
        .unwrap()
        .isolated
}

#[tokio::test]
async fn a_stray_duplicate_isolate_completes_after_the_release() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let cfg = sim
        .configure(SettingsPatch {
            quirks: Some(QuirksPatch {
                out_of_order_duplicates: Some(true),
                ..QuirksPatch::default()
            }),
            ..SettingsPatch::default()
        })
        .await;
    assert!(cfg.quirks.out_of_order_duplicates);
    let m = online_windows(&sim, &token).await;
    let path = |v: &str| format!("/api/machines/{m}/{v}");
    let (s, a) = sim
        .post(&token, &path("isolate"), json!({"Comment": "1"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    sim.advance(200.0).await;
    assert_eq!(
        action(&sim, &token, a["id"].as_str().unwrap()).await["status"],
        "Succeeded"
    );
    assert!(isolated(&sim, &m).await);

    // A second isolate while isolated is accepted as a new action and gets stuck.
    let (s, stray) = sim
        .post(&token, &path("isolate"), json!({"Comment": "2"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(stray["id"], a["id"]);
    let (s, release) = sim
        .post(&token, &path("unisolate"), json!({"Comment": "3"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    sim.advance(200.0).await;
    let stray_id = stray["id"].as_str().unwrap();
    let release_id = release["id"].as_str().unwrap();
    assert_eq!(
        action(&sim, &token, release_id).await["status"],
        "Succeeded"
    );
    assert_eq!(action(&sim, &token, stray_id).await["status"], "Pending");
    assert!(!isolated(&sim, &m).await, "released for now");

    // An hour later the stray isolate completes: the device ends up isolated again.
    sim.advance(3600.0).await;
    let token = sim.analyst().await;
    let stray = action(&sim, &token, stray_id).await;
    let release = action(&sim, &token, release_id).await;
    assert_eq!(stray["status"], "Succeeded");
    assert!(
        stray["lastUpdateDateTimeUtc"].as_str() > release["lastUpdateDateTimeUtc"].as_str(),
        "completed out of order"
    );
    assert!(isolated(&sim, &m).await);

    // Off (the default): the duplicate follows the duplicate policy instead.
    sim.configure(SettingsPatch {
        duplicate_policy: Some("Error".into()),
        quirks: Some(QuirksPatch {
            out_of_order_duplicates: Some(false),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    let m2 = online_windows(&sim, &token).await;
    let p2 = format!("/api/machines/{m2}/isolate");
    assert_eq!(
        sim.post(&token, &p2, json!({"Comment": "a"})).await.0,
        StatusCode::CREATED
    );
    let (s, e) = sim.post(&token, &p2, json!({"Comment": "b"})).await;
    assert_eq!(
        (s, error_code(&e).as_str()),
        (StatusCode::BAD_REQUEST, "ActiveRequestAlreadyExists")
    );
}

#[tokio::test]
async fn some_machines_report_no_sensor_data() {
    let sim = demo().await;
    let token = sim.reader().await;
    let (s, v) = sim
        .get(
            &token,
            "/api/machines?$filter=startswith(healthStatus,'NoSensorData')&$count=true",
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let n = v["@odata.count"].as_u64().unwrap();
    assert!((1..30).contains(&n), "a few of 300: {n}");
}

#[tokio::test]
async fn extra_fields_switch_and_token_lifetime_at_run_time() {
    let sim = demo().await;
    let token = sim.reader().await;
    let (_, v) = sim.get(&token, "/api/machines?$top=1").await;
    assert!(v["value"][0].get("agentVersion").is_some());
    sim.configure(SettingsPatch {
        quirks: Some(QuirksPatch {
            extra_machine_fields: Some(false),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    let (_, v) = sim.get(&token, "/api/machines?$top=1").await;
    let m = &v["value"][0];
    for k in [
        "agentVersion",
        "managedBy",
        "isExcluded",
        "vmMetadata",
        "osVersion",
    ] {
        assert!(m.get(k).is_none(), "{k} switched off");
    }
    assert_keys(m, MACHINE_KEYS);

    let cfg = sim
        .configure(SettingsPatch {
            token_lifetime_secs: Some(30),
            ..SettingsPatch::default()
        })
        .await;
    assert_eq!(cfg.token_lifetime_secs, 30);
    let r = sim
        .token_response(
            mde_sim::identities::READER_CLIENT_ID,
            mde_sim::identities::READER_SECRET,
            mde_sim::identities::API_SCOPE,
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["expires_in"], 30);
    let short = body["access_token"].as_str().unwrap().to_string();
    sim.advance(31.0).await;
    assert_eq!(
        sim.get(&short, "/api/alerts?$top=1").await.0,
        StatusCode::UNAUTHORIZED
    );
}
