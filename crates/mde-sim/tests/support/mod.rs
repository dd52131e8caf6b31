//! Shared helpers of the integration tests: start a simulator on a real socket, get
//! tokens, call the API with reqwest and the control API with the typed
//! [`mde_sim::control_client::SimControl`] (the one every crate's tests use).
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

pub mod shapes;

use chrono::{TimeZone, Utc};
pub use mde_sim::control_client::{
    Fault, FaultKind, MachineState, QuirksPatch, Settings, SettingsPatch, SimControl, SimState,
};
use mde_sim::identities::{
    ANALYST_CLIENT_ID, ANALYST_SECRET, API_SCOPE, READER_CLIENT_ID, READER_SECRET, TENANT_ID,
};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

pub struct Sim {
    pub handle: SimHandle,
    pub base: String,
    pub http: Client,
}

/// A frozen-clock config (speed 0) starting at a fixed date, for deterministic tests.
pub fn config(scenario: Scenario) -> SimConfig {
    SimConfig {
        scenario,
        speed: 0.0,
        start_time: Some(
            Utc.with_ymd_and_hms(2025, 6, 2, 8, 0, 0)
                .single()
                .expect("valid date"),
        ),
        ..SimConfig::default()
    }
}

pub async fn start(config: SimConfig) -> Sim {
    let handle = Simulator::start(config).await.expect("simulator starts");
    let base = handle.base_url();
    Sim {
        handle,
        base,
        http: Client::new(),
    }
}

pub async fn demo() -> Sim {
    start(config(Scenario::Demo)).await
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token_response(&self, client_id: &str, secret: &str, scope: &str) -> Response {
        self.http
            .post(self.url(&format!("/{TENANT_ID}/oauth2/v2.0/token")))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request")
    }

    pub async fn token_for(&self, client_id: &str, secret: &str) -> String {
        let r = self.token_response(client_id, secret, API_SCOPE).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        v["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    pub async fn analyst(&self) -> String {
        self.token_for(ANALYST_CLIENT_ID, ANALYST_SECRET).await
    }

    pub async fn reader(&self) -> String {
        self.token_for(READER_CLIENT_ID, READER_SECRET).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The typed client of this simulator's control API.
    pub fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.base.clone())
    }

    pub async fn advance(&self, seconds: f64) {
        self.ctl().advance(seconds).await.expect("clock advance");
    }

    pub async fn state(&self) -> SimState {
        self.ctl().state().await.expect("control state")
    }

    /// Every action the simulator created (its ledger).
    pub async fn ledger(&self) -> Vec<Value> {
        self.ctl().actions().await.expect("control actions")
    }

    /// Changes the simulator's settings.
    pub async fn configure(&self, patch: SettingsPatch) -> Settings {
        self.ctl().configure(&patch).await.expect("control config")
    }

    /// Some machine from the state, chosen by a predicate on its state entry.
    pub async fn machine_where(&self, pred: impl Fn(&MachineState) -> bool) -> MachineState {
        let st = self.state().await;
        st.machines
            .into_iter()
            .find(|m| pred(m))
            .expect("a matching machine")
    }
}

/// Asserts the Defender error envelope and returns its code.
pub fn error_code(body: &Value) -> String {
    let e = &body["error"];
    assert!(e["message"].is_string(), "error has a message: {body}");
    let target = e["target"].as_str().expect("error has a target");
    assert!(!target.is_empty(), "target is a correlation id");
    e["code"].as_str().expect("error has a code").to_string()
}

/// The keys every MachineAction carries (defender-api.md §4.1).
pub const ACTION_KEYS: &[&str] = &[
    "id",
    "type",
    "scope",
    "requestor",
    "requestorComment",
    "status",
    "machineId",
    "computerDnsName",
    "creationDateTimeUtc",
    "lastUpdateDateTimeUtc",
    "cancellationRequestor",
    "cancellationComment",
    "cancellationDateTimeUtc",
    "title",
    "externalId",
    "requestSource",
    "relatedFileInfo",
    "commands",
    "errorHResult",
    "troubleshootInfo",
];

/// The keys every Machine carries (§4.2).
pub const MACHINE_KEYS: &[&str] = &[
    "id",
    "computerDnsName",
    "firstSeen",
    "lastSeen",
    "osPlatform",
    "version",
    "osBuild",
    "osArchitecture",
    "onboardingStatus",
    "lastIpAddress",
    "lastExternalIpAddress",
    "healthStatus",
    "rbacGroupName",
    "rbacGroupId",
    "riskScore",
    "exposureLevel",
    "deviceValue",
    "aadDeviceId",
    "isAadJoined",
    "machineTags",
    "ipAddresses",
];

pub fn assert_keys(v: &Value, keys: &[&str]) {
    for k in keys {
        assert!(v.get(*k).is_some(), "missing key {k} in {v}");
    }
}

/// A whole answer: status, headers, body text and (if any) its JSON.
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the headers every answer carries: `Date` (an HTTP date) and, for a body,
    /// `Content-Type: application/json`.
    pub fn assert_common_headers(&self) {
        let date = self.header("date").expect("Date header");
        assert!(
            chrono::DateTime::parse_from_rfc2822(date).is_ok(),
            "Date is an HTTP date: {date}"
        );
        if !self.text.is_empty() {
            let ct = self.header("content-type").expect("Content-Type");
            assert!(ct.starts_with("application/json"), "Content-Type {ct}");
        }
    }
}

impl Sim {
    /// Any request, with or without a token and a JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }
}
