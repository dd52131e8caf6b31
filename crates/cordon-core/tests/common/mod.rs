//! Shared set-up: the demo simulator over real sockets, a core pointed at it, and
//! helpers for the simulator's control API (the truth tests compare against).
#![allow(dead_code)]

use cordon_core::{App, AppConfig};
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};
use serde_json::Value;

pub struct Env {
    pub sim: SimHandle,
    pub app: App,
    pub http: reqwest::Client,
}

pub async fn demo() -> Env {
    with(SimConfig {
        scenario: Scenario::Demo,
        ..SimConfig::default()
    })
    .await
}

pub async fn with(cfg: SimConfig) -> Env {
    let sim = Simulator::start(cfg).await.expect("simulator starts");
    let base = sim.base_url();
    let app = App::new(config(
        &base,
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    ))
    .expect("core");
    Env {
        sim,
        app,
        http: reqwest::Client::new(),
    }
}

pub fn config(base: &str, client_id: &str, secret: &str) -> AppConfig {
    AppConfig::new(
        Endpoints::custom(base, base).expect("endpoints"),
        credentials_of(client_id, secret),
        "test tenant",
    )
}

/// The client-secret credentials of the app `client_id` of the simulator's tenant.
pub fn credentials_of(client_id: &str, secret: &str) -> Credentials {
    Credentials::ClientSecret {
        tenant_id: identities::TENANT_ID.into(),
        client_id: client_id.into(),
        secret: Secret::new(secret),
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    pub async fn get(&self, path: &str) -> Value {
        control_get(&self.http, &self.sim.base_url(), path).await
    }

    pub async fn post(&self, path: &str, body: Value) {
        control_post(&self.http, &self.sim.base_url(), path, body).await;
    }

    /// The simulator's truth: every machine with `online` and `isolated`.
    pub async fn state(&self) -> Value {
        self.get("/_sim/state").await
    }

    /// Every action the simulator ever created.
    pub async fn ledger(&self) -> Vec<Value> {
        let v = self.get("/_sim/actions").await;
        list(v, "actions")
    }

    /// The simulator's request log.
    pub async fn requests(&self) -> Vec<Value> {
        let v = self.get("/_sim/requests").await;
        list(v, "requests")
    }

    pub async fn advance(&self, seconds: u64) {
        self.post(
            "/_sim/clock/advance",
            serde_json::json!({ "seconds": seconds }),
        )
        .await;
    }
}

/// GET `path` of the simulator's control API at `base`, as JSON.
pub async fn control_get(http: &reqwest::Client, base: &str, path: &str) -> Value {
    http.get(format!("{base}{path}"))
        .send()
        .await
        .expect("control api reachable")
        .json()
        .await
        .expect("control api json")
}

/// POST `body` to `path` of the simulator's control API at `base`; it must succeed.
pub async fn control_post(http: &reqwest::Client, base: &str, path: &str, body: Value) {
    let res = http
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .expect("control api");
    assert!(
        res.status().is_success(),
        "control {path}: {}",
        res.status()
    );
}

/// The list under `key` (or `value`) of a control API answer, or the answer itself
/// when it is a bare array.
pub fn list(v: Value, key: &str) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match o.remove(key).or_else(|| o.remove("value")) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Counts POSTs whose path contains `needle`.
pub fn posts(log: &[Value], needle: &str) -> usize {
    log.iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains(needle)))
        .count()
}
