//! Conformance of the response actions and machine actions (§3 #1–#5, #13–#17, §4.1,
//! §5.2, §5.3, §7): 201/200/400/404 with the documented bodies, the MachineAction keys
//! and types, the list-only `lastUpdateTimeUtc` quirk, getPackageUri's own 2/min limit.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities::{INVESTIGATOR_CLIENT_ID, INVESTIGATOR_SECRET};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::shapes;
use support::*;

async fn post(sim: &Sim, token: &str, path: &str, body: Value) -> Reply {
    let r = sim.call(Method::POST, path, Some(token), Some(body)).await;
    r.assert_common_headers();
    r
}

async fn get(sim: &Sim, token: &str, path: &str) -> Reply {
    let r = sim.call(Method::GET, path, Some(token), None).await;
    r.assert_common_headers();
    r
}

/// The `skip`-th Windows 11 machine that is online and not isolated.
async fn windows_machine(sim: &Sim, token: &str, skip: usize) -> String {
    let st = sim.state().await;
    let free: Vec<&str> = st
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id.as_str())
        .collect();
    let r = get(
        sim,
        token,
        "/api/machines?$filter=osPlatform eq 'Windows11'",
    )
    .await;
    r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .filter(|id| free.contains(id))
        .nth(skip)
        .unwrap()
        .to_string()
}

/// A 201 MachineAction of the given type.
fn created(r: &Reply, kind: &str, comment: &str) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    shapes::entity_context(&r.json, "MachineActions");
    shapes::action(&r.json, false);
    assert_eq!(r.json["type"], kind);
    assert_eq!(r.json["status"], "Pending");
    assert_eq!(r.json["requestorComment"], comment);
    r.json["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_response_action_answers_201_with_a_machine_action() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let m = windows_machine(&sim, &token, 0).await;
    let cases = [
        (
            "isolate",
            json!({"Comment": "c1", "IsolationType": "Selective"}),
            "Isolate",
        ),
        (
            "runAntiVirusScan",
            json!({"Comment": "c2", "ScanType": "Full"}),
            "RunAntiVirusScan",
        ),
        (
            "restrictCodeExecution",
            json!({"Comment": "c3"}),
            "RestrictCodeExecution",
        ),
    ];
    for (verb, body, kind) in cases {
        let r = post(
            &sim,
            &token,
            &format!("/api/machines/{m}/{verb}"),
            body.clone(),
        )
        .await;
        created(&r, kind, body["Comment"].as_str().unwrap());
        assert_eq!(r.json["machineId"], m.as_str());
        assert_eq!(r.json["requestor"], mde_sim::identities::ANALYST_APP_NAME);
        assert_eq!(r.json["requestSource"], "PublicApi");
        assert_eq!(r.json["errorHResult"], 0);
    }
    assert_eq!(
        sim.ctl()
            .actions_since(0)
            .await
            .expect("ledger")
            .last()
            .unwrap()["scope"],
        json!(null)
    );
    // Let them finish, then release and unrestrict (path names are case-insensitive).
    sim.advance(600.0).await;
    let r = post(
        &sim,
        &token,
        &format!("/api/machines/{m}/unisolate"),
        json!({"Comment": "u"}),
    )
    .await;
    created(&r, "Unisolate", "u");
    let r = post(
        &sim,
        &token,
        &format!("/api/machines/{m}/UnrestrictCodeExecution"),
        json!({"Comment": "x"}),
    )
    .await;
    created(&r, "UnrestrictCodeExecution", "x");
    let r = post(
        &sim,
        &token,
        &format!("/api/v1.0/machines/{m}/isolate"),
        json!({"Comment": "v1"}),
    )
    .await;
    assert_eq!(
        r.json["scope"], "Full",
        "IsolationType defaults to Full: {}",
        r.text
    );

    // Collect needs Machine.CollectForensics (the investigator app).
    let inv = sim
        .token_for(INVESTIGATOR_CLIENT_ID, INVESTIGATOR_SECRET)
        .await;
    let r = post(
        &sim,
        &inv,
        &format!("/api/machines/{m}/collectInvestigationPackage"),
        json!({"Comment": "pkg"}),
    )
    .await;
    let pkg = created(&r, "CollectInvestigationPackage", "pkg");

    // getPackageUri: 404 until complete, then `{"@odata.context": …#Edm.String, "value"}`.
    let uri = format!("/api/machineactions/{pkg}/GetPackageUri");
    let r = get(&sim, &inv, &uri).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    shapes::api_error(&r.json);
    sim.advance(600.0).await;
    let r = get(&sim, &inv, &uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#Edm.String")
    );
    let zip = sim
        .http
        .get(r.json["value"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(zip.status(), StatusCode::OK, "the package downloads");
    assert_eq!(&zip.bytes().await.unwrap()[..4], b"PK\x05\x06");
    // 2 calls/min for this API (D26): the third is throttled with Retry-After.
    let r = get(&sim, &inv, &uri).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(shapes::api_error(&r.json), "TooManyRequests");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn bodies_are_case_sensitive_and_validated() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let m = windows_machine(&sim, &token, 1).await;
    let isolate = format!("/api/machines/{m}/isolate");
    for (body, code) in [
        (json!({"comment": "lower case"}), "MissingRequiredParameter"),
        (json!({"Comment": ""}), "MissingRequiredParameter"),
        (json!({"Comment": 5}), "InvalidRequestBody"),
        (
            json!({"Comment": "c", "IsolationType": "full"}),
            "InvalidRequestBody",
        ),
        (json!([1, 2]), "InvalidRequestBody"),
    ] {
        let r = post(&sim, &token, &isolate, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(shapes::api_error(&r.json), code, "{body}");
    }
    let r = post(
        &sim,
        &token,
        &format!("/api/machines/{m}/runAntiVirusScan"),
        json!({"Comment": "c"}),
    )
    .await;
    assert_eq!(
        shapes::api_error(&r.json),
        "MissingRequiredParameter",
        "ScanType required"
    );
    let r = post(
        &sim,
        &token,
        "/api/machines/0000000000000000000000000000000000000000/isolate",
        json!({"Comment": "c"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    shapes::api_error(&r.json);
    // Not valid JSON at all.
    let r = sim
        .http
        .post(sim.url(&isolate))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        shapes::api_error(&r.json().await.unwrap()),
        "InvalidRequestBody"
    );
}

#[tokio::test]
async fn duplicates_and_os_support() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let m = windows_machine(&sim, &token, 2).await;
    let isolate = format!("/api/machines/{m}/isolate");
    sim.configure(SettingsPatch {
        duplicate_policy: Some("PendingAction".into()),
        ..SettingsPatch::default()
    })
    .await;
    let first = created(
        &post(&sim, &token, &isolate, json!({"Comment": "a"})).await,
        "Isolate",
        "a",
    );
    let again = post(&sim, &token, &isolate, json!({"Comment": "b"})).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(
        again.json["id"],
        first.as_str(),
        "the pending action is answered"
    );
    sim.configure(SettingsPatch {
        duplicate_policy: Some("Error".into()),
        ..SettingsPatch::default()
    })
    .await;
    let r = post(&sim, &token, &isolate, json!({"Comment": "c"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(shapes::api_error(&r.json), "ActiveRequestAlreadyExists");
    assert_eq!(r.json["error"]["message"], "Action is already in progress");

    let r = get(
        &sim,
        &token,
        "/api/machines?$filter=osPlatform eq 'macOS'&$top=1",
    )
    .await;
    let mac = r.json["value"][0]["id"].as_str().unwrap().to_string();
    let r = post(
        &sim,
        &token,
        &format!("/api/machines/{mac}/restrictCodeExecution"),
        json!({"Comment": "r"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(shapes::api_error(&r.json), "OsPlatformNotSupported");
}

#[tokio::test]
async fn list_get_and_cancel_machine_actions() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let r = get(&sim, &token, "/api/machineactions").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = shapes::collection(&r.json, "MachineActions");
    assert!(list.len() > 100);
    for a in list {
        shapes::action(a, false);
    }
    let statuses: std::collections::HashSet<&str> =
        list.iter().map(|a| a["status"].as_str().unwrap()).collect();
    for s in ["Pending", "Succeeded", "Failed", "TimeOut", "Cancelled"] {
        assert!(statuses.contains(s), "the demo history has {s}");
    }
    let r = get(&sim, &token, "/api/machineactions?$filter=type eq 'Isolate' and status eq 'Succeeded'&$orderby=lastUpdateDateTimeUtc desc&$top=3&$count=true").await;
    let top = shapes::collection(&r.json, "MachineActions");
    assert_eq!(top.len(), 3);
    assert!(r.json["@odata.count"].as_u64().unwrap() >= 80);

    let id = list[0]["id"].as_str().unwrap();
    let r = get(&sim, &token, &format!("/api/machineactions/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    shapes::entity_context(&r.json, "MachineActions");
    shapes::action(&r.json, false);
    let r = get(&sim, &token, "/api/machineactions/not-a-guid").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(shapes::api_error(&r.json), "BadRequest");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Edm.Guid")
    );
    let r = get(
        &sim,
        &token,
        &format!("/api/machineactions/{}", uuid::Uuid::nil()),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    shapes::api_error(&r.json);

    // The list quirk renames one key in lists only (D4 vs D5).
    sim.configure(SettingsPatch {
        quirks: Some(QuirksPatch {
            list_last_update_time_utc: Some(true),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    let r = get(&sim, &token, "/api/machineactions?$top=5").await;
    shapes::collection(&r.json, "MachineActions")
        .iter()
        .for_each(|a| shapes::action(a, true));
    let r = get(&sim, &token, &format!("/api/machineactions/{id}")).await;
    shapes::action(&r.json, false);

    // Cancel a Pending action: 200 with the cancellation fields; a final one: 400.
    let m = windows_machine(&sim, &token, 3).await;
    let r = post(
        &sim,
        &token,
        &format!("/api/machines/{m}/runAntiVirusScan"),
        json!({"Comment": "s", "ScanType": "Quick"}),
    )
    .await;
    let scan = created(&r, "RunAntiVirusScan", "s");
    let cancel = format!("/api/machineactions/{scan}/cancel");
    let r = post(&sim, &token, &cancel, json!({"Comment": "not needed"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    shapes::entity_context(&r.json, "MachineActions");
    shapes::action(&r.json, false);
    assert_eq!(r.json["status"], "Cancelled");
    assert_eq!(r.json["cancellationComment"], "not needed");
    assert!(r.json["cancellationRequestor"].is_string());
    assert!(r.json["cancellationDateTimeUtc"].is_string());
    let r = post(&sim, &token, &cancel, json!({"Comment": "again"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    shapes::api_error(&r.json);
    let r = post(
        &sim,
        &token,
        &format!("/api/machineactions/{}/cancel", uuid::Uuid::nil()),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
