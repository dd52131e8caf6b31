//! The control API (`/_sim/…`, loopback, no token): drive the tenant from tests and
//! demos (machines online/offline, the clock, faults, reset) and read the truth back
//! (request log, action ledger, state) to prove "nothing lost, nothing sent twice".

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::faults::Fault;
use super::{Shared, lock};
use crate::api::actions::action_json;
use crate::clock::{odata, rfc3339};
use crate::config::Scenario;
use crate::model::Status;
use crate::urlenc;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/machines/{id}/online", post(set_online))
        .route("/_sim/machines/{id}/vpn", post(set_vpn))
        .route("/_sim/clock/advance", post(advance))
        .route("/_sim/clock/speed", post(speed))
        .route(
            "/_sim/faults",
            post(add_faults).get(list_faults).delete(clear_faults),
        )
        .route("/_sim/reset", post(reset))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/actions", get(actions))
        .route("/_sim/state", get(state))
        .route("/_sim/alerts", post(super::control_alerts::post_alerts))
        .route("/_sim/alerts/storm", post(storm))
        .route("/_sim/people/{upn}/signin", post(super::people::sign_in))
        .route("/_sim/packages/{file}", get(package))
        .route(
            "/_sim/apps/{client_id}/certificates",
            post(super::certs::register)
                .get(super::certs::list)
                .delete(super::certs::clear),
        )
        .route(
            "/_sim/config",
            post(super::settings::update).get(super::settings::show),
        )
}

pub(crate) fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": msg.into()}))).into_response()
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

/// The answer of the per-machine control routes: the hidden truth plus what the API
/// shows right now (`lastSeen`, `healthStatus`), so a test sees a machine that came back
/// online report at once.
fn machine_json(t: &crate::model::Tenant, m: u32, now: chrono::DateTime<chrono::Utc>) -> Value {
    let x = &t.machines[m as usize];
    json!({
        "id": x.id,
        "computerDnsName": x.dns,
        "online": x.online,
        "isolated": x.isolated,
        "fullTunnelVpn": x.full_tunnel_vpn,
        "lastSeen": odata(x.last_seen(now)),
        "healthStatus": x.health(now),
    })
}

/// The control API's answer for an unknown machine id.
fn no_machine(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("no machine {id}")})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct OnlineBody {
    online: bool,
}

async fn set_online(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let b: OnlineBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let now = s.now();
    let mut t = s.tenant_at(now);
    let Some(m) = t.find_machine(&id) else {
        return no_machine(&id);
    };
    t.set_online(m, b.online, now);
    Json(machine_json(&t, m, now)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VpnBody {
    full_tunnel_vpn: bool,
}

async fn set_vpn(State(s): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let b: VpnBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let now = s.now();
    let mut t = s.tenant_at(now);
    let Some(m) = t.find_machine(&id) else {
        return no_machine(&id);
    };
    t.set_full_tunnel_vpn(m, b.full_tunnel_vpn, now);
    Json(machine_json(&t, m, now)).into_response()
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: f64,
}

async fn advance(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let b: AdvanceBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    if !b.seconds.is_finite() || b.seconds < 0.0 {
        return bad("seconds must be a non-negative number");
    }
    lock(&s.clock).advance(b.seconds);
    let now = s.now();
    drop(s.tenant_at(now));
    Json(json!({"now": odata(now)})).into_response()
}

#[derive(Deserialize)]
struct SpeedBody {
    speed: f64,
}

async fn speed(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let b: SpeedBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    if !b.speed.is_finite() || b.speed < 0.0 {
        return bad("speed must be a non-negative number");
    }
    let mut c = lock(&s.clock);
    c.set_speed(b.speed);
    Json(json!({"now": odata(c.now()), "speed": c.speed()})).into_response()
}

async fn add_faults(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults: Vec<Fault> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(_)) => match parse(&body) {
            Ok(f) => f,
            Err(e) => return bad(e),
        },
        Ok(_) => match parse::<Fault>(&body) {
            Ok(f) => vec![f],
            Err(e) => return bad(e),
        },
        Err(e) => return bad(format!("invalid JSON body: {e}")),
    };
    if let Some(e) = faults.iter().find_map(|f| f.validate().err()) {
        return bad(e);
    }
    let mut all = lock(&s.faults);
    all.extend(faults);
    (StatusCode::CREATED, Json(json!({"faults": all.len()}))).into_response()
}

async fn list_faults(State(s): State<Arc<Shared>>) -> Response {
    let all = lock(&s.faults);
    let v: Vec<Value> = all
        .iter()
        .map(|f| json!({"path_contains": f.path_contains, "method": f.method, "count": f.count, "kind": format!("{:?}", f.kind)}))
        .collect();
    Json(v).into_response()
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> StatusCode {
    lock(&s.faults).clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ResetBody {
    scenario: Option<String>,
    seed: Option<u64>,
}

async fn reset(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let b: ResetBody = if body.is_empty() {
        ResetBody {
            scenario: None,
            seed: None,
        }
    } else {
        match parse(&body) {
            Ok(b) => b,
            Err(e) => return bad(e),
        }
    };
    let scenario = match b.scenario.as_deref().map(str::parse::<Scenario>) {
        Some(Ok(sc)) => sc,
        Some(Err(e)) => return bad(e),
        None => lock(&s.scenario).clone(),
    };
    let seed = b.seed.unwrap_or(s.config.seed);
    let now = s.now();
    let mut tenant = crate::scenario::build(&scenario, seed, now, &s.config);
    let machines = tenant.machines.len();
    let mut current = lock(&s.tenant);
    // Settings changed at runtime survive a reset.
    tenant.lifecycle = current.lifecycle.clone();
    *current = tenant;
    drop(current);
    *lock(&s.scenario) = scenario.clone();
    lock(&s.faults).clear();
    lock(&s.log).clear();
    lock(&s.limiter).clear();
    Json(json!({"scenario": scenario.to_string(), "seed": seed, "machines": machines, "now": odata(now)})).into_response()
}

async fn requests(State(s): State<Arc<Shared>>) -> Response {
    let log = lock(&s.log);
    Json(Value::Array(
        log.iter()
            .map(super::middleware::LogEntry::to_json)
            .collect(),
    ))
    .into_response()
}

async fn clear_requests(State(s): State<Arc<Shared>>) -> StatusCode {
    lock(&s.log).clear();
    StatusCode::NO_CONTENT
}

/// Every action ever created, in creation order; `?since=N` skips the first N.
async fn actions(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let since = urlenc::parse(q.as_deref().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "since")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let now = s.now();
    let t = s.tenant_at(now);
    let items: Vec<Value> = (since..t.actions.len())
        .map(|i| action_json(&t, i as u32, false))
        .collect();
    Json(Value::Array(items)).into_response()
}

async fn state(State(s): State<Arc<Shared>>) -> Response {
    let now = s.now();
    let t = s.tenant_at(now);
    let machines: Vec<Value> = t
        .machines
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "computerDnsName": m.dns,
                "online": m.online,
                "isolated": m.isolated,
                "fullTunnelVpn": m.full_tunnel_vpn,
            })
        })
        .collect();
    let pending = t
        .actions
        .iter()
        .filter(|a| a.status == Status::Pending)
        .count();
    let in_progress = t
        .actions
        .iter()
        .filter(|a| a.status == Status::InProgress)
        .count();
    Json(json!({
        "now": odata(now),
        "nowRfc3339": rfc3339(now),
        "speed": lock(&s.clock).speed(),
        "scenario": lock(&s.scenario).to_string(),
        "isolatedCount": t.isolated_count(),
        "machineCount": t.machines.len(),
        "actionCount": t.actions.len(),
        "pendingCount": pending,
        "inProgressCount": in_progress,
        "alertCount": t.alerts.len(),
        "machines": machines,
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StormBody {
    #[serde(default)]
    machine_ids: Vec<String>,
    #[serde(default)]
    count: Option<usize>,
}

/// Fires one detection on many machines at once (the start of a storm).
async fn storm(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let b: StormBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let now = s.now();
    let mut t = s.tenant_at(now);
    let mut targets: Vec<u32> = b
        .machine_ids
        .iter()
        .filter_map(|id| t.find_machine(id))
        .collect();
    if let Some(n) = b.count {
        targets.extend(
            (0..t.machines.len() as u32)
                .filter(|m| t.machines[*m as usize].online)
                .take(n),
        );
    }
    let ids = crate::scenario::alerts::storm(&mut t, &targets, now);
    (StatusCode::CREATED, Json(json!({"alerts": ids}))).into_response()
}

/// The "SAS URL" that getPackageUri hands out: an empty zip archive (just the end of
/// central directory record), so that a client can complete the download step.
async fn package() -> Response {
    const EMPTY_ZIP: [u8; 22] = [
        0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    (
        [(axum::http::header::CONTENT_TYPE, "application/zip")],
        EMPTY_ZIP.to_vec(),
    )
        .into_response()
}
