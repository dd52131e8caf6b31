//! Isolate/unisolate lifecycle, duplicates, body validation, cancel, machine-action
//! queries, and the offline device that never picks its action up.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities::ANALYST_APP_NAME;
use mde_sim::{DuplicatePolicy, Scenario, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

async fn online_free_machine(sim: &Sim) -> String {
    let m = sim
        .machine_where(|m| m.online && !m.isolated && m.computer_dns_name.starts_with("ws-fin"))
        .await;
    m.id
}

async fn is_isolated(sim: &Sim, id: &str) -> bool {
    sim.machine_where(|m| m.id == id).await.isolated
}

async fn action(sim: &Sim, token: &str, id: &str) -> Value {
    let (status, a) = sim.get(token, &format!("/api/machineactions/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    a
}

#[tokio::test]
async fn isolate_then_release_lifecycle() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = online_free_machine(&sim).await;
    let (status, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "test isolate", "IsolationType": "Selective"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_keys(&a, ACTION_KEYS);
    assert_eq!(a["type"], "Isolate");
    assert_eq!(a["scope"], "Selective");
    assert_eq!(a["status"], "Pending");
    assert_eq!(a["requestor"], ANALYST_APP_NAME);
    assert_eq!(a["requestorComment"], "test isolate");
    assert_eq!(a["requestSource"], "PublicApi");
    assert_eq!(a["machineId"], id.as_str());
    assert_eq!(a["errorHResult"], 0);
    assert_eq!(a["commands"], json!([]));
    assert!(uuid::Uuid::try_parse(a["id"].as_str().unwrap()).is_ok());
    let aid = a["id"].as_str().unwrap().to_string();
    sim.advance(31.0).await;
    assert_eq!(action(&sim, &token, &aid).await["status"], "InProgress");
    sim.advance(90.0).await;
    let done = action(&sim, &token, &aid).await;
    assert_eq!(done["status"], "Succeeded");
    assert_eq!(
        done["lastUpdateDateTimeUtc"],
        "2025-06-02T08:02:00.0000000Z"
    );
    assert!(
        is_isolated(&sim, &id).await,
        "isolated once the Isolate succeeded"
    );
    let (status, r) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/unisolate"),
            json!({"Comment": "release"}),
        )
        .await;
    assert_eq!(
        (status, r["type"].as_str(), r["scope"].clone()),
        (StatusCode::CREATED, Some("Unisolate"), Value::Null)
    );
    sim.advance(200.0).await;
    assert_eq!(
        action(&sim, &token, r["id"].as_str().unwrap()).await["status"],
        "Succeeded"
    );
    assert!(
        !is_isolated(&sim, &id).await,
        "released once the Unisolate succeeded"
    );
}

#[tokio::test]
async fn request_bodies_are_checked_case_sensitively() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = online_free_machine(&sim).await;
    let path = format!("/api/machines/{id}/isolate");
    let (s, b) = sim
        .post(
            &token,
            &path,
            json!({"comment": "lower case", "IsolationType": "Full"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "MissingRequiredParameter")
    );
    let (s, b) = sim
        .post(
            &token,
            &path,
            json!({"Comment": "x", "IsolationType": "full"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "InvalidRequestBody")
    );
    let r = sim
        .http
        .post(sim.url(&path))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&r.json().await.unwrap()), "InvalidRequestBody");
    let (s, b) = sim
        .post(
            &token,
            "/api/machines/0000000000000000000000000000000000000000/isolate",
            json!({"Comment": "x"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    let (s, b) = sim.get(&token, "/api/machineactions/not-a-guid").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::BAD_REQUEST, "BadRequest")
    );
    let (s, b) = sim
        .get(
            &token,
            "/api/machineactions/7d9bc0b8-5f6b-4d8a-9b3e-000000000001",
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    let r = sim
        .http
        .get(sim.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn duplicates_answer_the_pending_action_or_an_error() {
    for (policy, want) in [
        (DuplicatePolicy::PendingAction, StatusCode::CREATED),
        (DuplicatePolicy::Error, StatusCode::BAD_REQUEST),
    ] {
        let sim = start(SimConfig {
            duplicate_policy: policy,
            ..config(Scenario::Demo)
        })
        .await;
        let token = sim.analyst().await;
        let id = online_free_machine(&sim).await;
        let path = format!("/api/machines/{id}/isolate");
        let (_, first) = sim.post(&token, &path, json!({"Comment": "one"})).await;
        let (status, second) = sim.post(&token, &path, json!({"Comment": "two"})).await;
        assert_eq!(status, want);
        if want == StatusCode::CREATED {
            assert_eq!(second["id"], first["id"], "the pending action is answered");
        } else {
            assert_eq!(error_code(&second), "ActiveRequestAlreadyExists");
            assert_eq!(second["error"]["message"], "Action is already in progress");
        }
        let ledger = sim.ledger().await;
        let mine = ledger
            .iter()
            .filter(|a| a["machineId"] == id.as_str() && a["status"] == "Pending")
            .count();
        assert_eq!(mine, 1, "never two pending isolations");
    }
}

#[tokio::test]
async fn cancel_only_while_active() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = online_free_machine(&sim).await;
    let (_, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "oops"}),
        )
        .await;
    let aid = a["id"].as_str().unwrap();
    let (status, c) = sim
        .post(
            &token,
            &format!("/api/machineactions/{aid}/cancel"),
            json!({"Comment": "wrong machine"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["status"], "Cancelled");
    assert_eq!(c["cancellationComment"], "wrong machine");
    assert_eq!(c["cancellationRequestor"], ANALYST_APP_NAME);
    let (status, b) = sim
        .post(
            &token,
            &format!("/api/machineactions/{aid}/cancel"),
            json!({"Comment": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    error_code(&b);
}

#[tokio::test]
async fn offline_machine_stays_pending_then_times_out_after_three_days() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let id = online_free_machine(&sim).await;
    sim.ctl().set_online(&id, false).await.expect("set online");
    let (_, a) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "offline"}),
        )
        .await;
    let aid = a["id"].as_str().unwrap().to_string();
    sim.advance(2.0 * 86_400.0).await;
    let token = sim.analyst().await; // the first token expired meanwhile
    assert_eq!(action(&sim, &token, &aid).await["status"], "Pending");
    sim.advance(86_401.0).await;
    let token = sim.analyst().await;
    assert_eq!(action(&sim, &token, &aid).await["status"], "TimeOut");
    // A new isolation is delivered once the device is back.
    let (_, b) = sim
        .post(
            &token,
            &format!("/api/machines/{id}/isolate"),
            json!({"Comment": "again"}),
        )
        .await;
    sim.advance(600.0).await;
    assert_eq!(
        action(&sim, &token, b["id"].as_str().unwrap()).await["status"],
        "Pending"
    );
    sim.ctl().set_online(&id, true).await.expect("set online");
    sim.advance(121.0).await;
    assert_eq!(
        action(&sim, &token, b["id"].as_str().unwrap()).await["status"],
        "Succeeded"
    );
}

#[tokio::test]
async fn machine_action_queries() {
    let sim = demo().await;
    let token = sim.reader().await;
    let all = |v: &Value| v["value"].as_array().unwrap().clone();
    let (s, body) = sim.get(&token, "/api/machineactions?$filter=type eq 'Isolate' and status eq 'Succeeded'&$orderby=creationDateTimeUtc desc&$top=5").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#MachineActions")
    );
    let v = all(&body);
    assert_eq!(v.len(), 5);
    assert!(
        v.windows(2)
            .all(|w| w[0]["creationDateTimeUtc"].as_str() >= w[1]["creationDateTimeUtc"].as_str())
    );
    assert!(
        v.iter()
            .all(|a| a["type"] == "Isolate" && a["status"] == "Succeeded")
    );
    let (_, body) = sim.get(&token, "/api/machineactions?$filter=type in ('Isolate','Unisolate') and status in ('Pending','InProgress')").await;
    assert!(all(&body).iter().all(|a| a["status"] != "Succeeded"));
    let (_, body) = sim.get(&token, "/api/machineactions?$filter=requestor eq 'bob@contoso.example' and creationDateTimeUtc ge 2025-06-01T00:00:00Z").await;
    assert!(!all(&body).is_empty());
    let (s, body) = sim
        .get(
            &token,
            "/api/machineactions?$filter=requestor eq 'o''brien'",
        )
        .await;
    assert_eq!((s, all(&body).len()), (StatusCode::OK, 0));
    let (s, body) = sim.get(&token, "/api/machineactions?$stop=5").await;
    assert_eq!(
        (s, error_code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "ODataError")
    );
    let first = &all(&sim.get(&token, "/api/machineactions?$top=1").await.1)[0];
    let (_, by_id) = sim
        .get(
            &token,
            &format!(
                "/api/machineactions?$filter=id eq '{}'",
                first["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(all(&by_id).len(), 1);
}

#[tokio::test]
async fn list_quirk_renames_last_update() {
    let mut cfg = config(Scenario::Demo);
    cfg.quirks.list_last_update_time_utc = true;
    let sim = start(cfg).await;
    let token = sim.analyst().await;
    let (_, body) = sim.get(&token, "/api/machineactions?$top=1").await;
    let a = &body["value"][0];
    assert!(a.get("lastUpdateTimeUtc").is_some() && a.get("lastUpdateDateTimeUtc").is_none());
    let (_, one) = sim
        .get(
            &token,
            &format!("/api/machineactions/{}", a["id"].as_str().unwrap()),
        )
        .await;
    assert!(
        one.get("lastUpdateDateTimeUtc").is_some(),
        "single gets keep the entity name"
    );
}
