//! A typed client of the simulator's control API (`/_sim/…`, see [`crate::http::control`]).
//!
//! Why it exists: the tests of every Cordon crate (and the benchmarks) drive a simulator
//! over HTTP — an in-process one, the desktop app's embedded one, or a child process —
//! to set machines online, move the clock, inject faults, change settings and read the
//! truth back (request log, action ledger, state). One client, next to the routes it
//! calls, keeps those URLs and bodies in one place: a route that changes breaks here,
//! at compile time, instead of in a dozen hand-written `/_sim/` strings.
//!
//! Request bodies reuse the server's own types where it has them ([`Fault`],
//! [`SettingsPatch`], [`NewAlert`]); answers are typed where their JSON is fixed ([`SimState`],
//! [`LoggedRequest`], [`Settings`], …). The action ledger is returned as the Defender
//! `machineAction` entities the public API shows (JSON values), since their shape is
//! Defender's, not the simulator's. The answer types live in `answers.rs`, the alert
//! and people calls in `alerts.rs` and `people.rs`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod alerts;
mod answers;
mod people;

pub use answers::{
    AppKeyPem, ClockAnswer, LoggedRequest, MachineState, MachineTruth, QuirksView, ResetAnswer,
    Settings, SimState,
};
pub use people::PersonSignIn;

pub use crate::http::control_alerts::NewAlert;
pub use crate::http::faults::{Fault, FaultKind};
pub use crate::http::settings::{QuirksPatch, SettingsPatch};

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("control {method} {path}: {source}")]
    Http {
        method: &'static str,
        path: String,
        source: reqwest::Error,
    },
    #[error("control {method} {path}: HTTP {status}: {body}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        body: String,
    },
    #[error("control {method} {path}: unexpected answer: {detail}")]
    Decode {
        method: &'static str,
        path: String,
        detail: String,
    },
}

impl ControlError {
    /// The HTTP status of a refused call (e.g. 400 for a bad body, 404 for no machine).
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub type ControlResult<T> = Result<T, ControlError>;

/// A client of one simulator's control API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimControl {
    http: reqwest::Client,
    base: String,
}

impl SimControl {
    /// A client for the simulator at `base` (e.g. [`crate::SimHandle::base_url`]).
    pub fn new(base: impl Into<String>) -> Self {
        Self::with_client(reqwest::Client::new(), base)
    }

    /// The same with a given HTTP client (e.g. one that trusts a `--tls` simulator's
    /// self-signed certificate).
    pub fn with_client(http: reqwest::Client, base: impl Into<String>) -> Self {
        Self {
            http,
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    // ---- machines -------------------------------------------------------

    /// Brings a machine online or takes it offline (`POST /_sim/machines/{id}/online`).
    pub async fn set_online(&self, machine_id: &str, online: bool) -> ControlResult<MachineTruth> {
        let path = format!("/_sim/machines/{}/online", segment(machine_id));
        self.post(&path, &json!({ "online": online })).await
    }

    /// Connects a machine to a full-tunnel VPN or not (`POST /_sim/machines/{id}/vpn`).
    pub async fn set_vpn(
        &self,
        machine_id: &str,
        full_tunnel_vpn: bool,
    ) -> ControlResult<MachineTruth> {
        let path = format!("/_sim/machines/{}/vpn", segment(machine_id));
        self.post(&path, &json!({ "fullTunnelVpn": full_tunnel_vpn }))
            .await
    }

    /// Fires one detection on these machines and on the first `count` online ones
    /// (`POST /_sim/alerts/storm`); the new alerts' ids.
    pub async fn storm(
        &self,
        machine_ids: &[String],
        count: Option<usize>,
    ) -> ControlResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Storm {
            alerts: Vec<String>,
        }
        let body = json!({ "machineIds": machine_ids, "count": count });
        let s: Storm = self.post("/_sim/alerts/storm", &body).await?;
        Ok(s.alerts)
    }

    // ---- clock ----------------------------------------------------------

    /// Moves the simulation clock forward (`POST /_sim/clock/advance`).
    pub async fn advance(&self, seconds: f64) -> ControlResult<ClockAnswer> {
        self.post("/_sim/clock/advance", &json!({ "seconds": seconds }))
            .await
    }

    /// Sets the clock's speed (0 freezes it; `POST /_sim/clock/speed`).
    pub async fn set_speed(&self, speed: f64) -> ControlResult<ClockAnswer> {
        self.post("/_sim/clock/speed", &json!({ "speed": speed }))
            .await
    }

    // ---- faults ---------------------------------------------------------

    /// Adds faults (`POST /_sim/faults`); how many are now armed.
    pub async fn add_faults(&self, faults: &[Fault]) -> ControlResult<usize> {
        #[derive(Deserialize)]
        struct Armed {
            faults: usize,
        }
        let a: Armed = self.post("/_sim/faults", &faults).await?;
        Ok(a.faults)
    }

    /// Adds one fault.
    pub async fn add_fault(&self, fault: Fault) -> ControlResult<usize> {
        self.add_faults(std::slice::from_ref(&fault)).await
    }

    /// The armed faults (`GET /_sim/faults`; `kind` is a debug rendering).
    pub async fn faults(&self) -> ControlResult<Vec<Value>> {
        self.get("/_sim/faults").await
    }

    /// Disarms every fault (`DELETE /_sim/faults`).
    pub async fn clear_faults(&self) -> ControlResult<()> {
        self.delete("/_sim/faults").await
    }

    // ---- settings -------------------------------------------------------

    /// Changes the settings named in `patch` (`POST /_sim/config`); the settings now.
    pub async fn configure(&self, patch: &SettingsPatch) -> ControlResult<Settings> {
        self.post("/_sim/config", patch).await
    }

    /// The settings in force (`GET /_sim/config`).
    pub async fn settings(&self) -> ControlResult<Settings> {
        self.get("/_sim/config").await
    }

    /// Sets the per-app rate limits (`None` leaves one as it is).
    pub async fn set_rates(
        &self,
        per_minute: Option<u32>,
        per_hour: Option<u32>,
    ) -> ControlResult<Settings> {
        self.configure(&SettingsPatch {
            rate_per_minute: per_minute,
            rate_per_hour: per_hour,
            ..SettingsPatch::default()
        })
        .await
    }

    /// New actions show in `GET /api/machineactions` lists only `seconds` (simulated)
    /// after their creation; 0 lists them at once. The POST still answers.
    pub async fn set_list_visibility_delay(&self, seconds: u32) -> ControlResult<Settings> {
        self.configure(&SettingsPatch {
            list_visibility_delay_secs: Some(seconds),
            ..SettingsPatch::default()
        })
        .await
    }

    // ---- the tenant -----------------------------------------------------

    /// Rebuilds the tenant (`POST /_sim/reset`): this scenario (else the current one)
    /// and seed (else the configured one). Faults, the log and rate windows are cleared;
    /// settings survive.
    pub async fn reset(
        &self,
        scenario: Option<&str>,
        seed: Option<u64>,
    ) -> ControlResult<ResetAnswer> {
        let mut body = serde_json::Map::new();
        if let Some(s) = scenario {
            body.insert("scenario".into(), json!(s));
        }
        if let Some(s) = seed {
            body.insert("seed".into(), json!(s));
        }
        self.post("/_sim/reset", &Value::Object(body)).await
    }

    /// The tenant's truth right now (`GET /_sim/state`).
    pub async fn state(&self) -> ControlResult<SimState> {
        self.get("/_sim/state").await
    }

    /// Every action ever created, in creation order (`GET /_sim/actions`).
    pub async fn actions(&self) -> ControlResult<Vec<Value>> {
        self.get("/_sim/actions").await
    }

    /// The actions created after the first `since` (`GET /_sim/actions?since=N`).
    pub async fn actions_since(&self, since: usize) -> ControlResult<Vec<Value>> {
        self.get(&format!("/_sim/actions?since={since}")).await
    }

    /// The request log since the last clear (`GET /_sim/requests`).
    pub async fn requests(&self) -> ControlResult<Vec<LoggedRequest>> {
        self.get("/_sim/requests").await
    }

    /// Clears the request log (`DELETE /_sim/requests`).
    pub async fn clear_requests(&self) -> ControlResult<()> {
        self.delete("/_sim/requests").await
    }

    // ---- app keys -------------------------------------------------------

    /// Registers a public key or certificate for an app's client assertions
    /// (`POST /_sim/apps/{client_id}/certificates`); the server's answer.
    pub async fn register_app_key(&self, client_id: &str, key: &AppKeyPem) -> ControlResult<Value> {
        self.post(&certificates(client_id), key).await
    }

    /// The app's registered keys (`GET /_sim/apps/{client_id}/certificates`).
    pub async fn app_keys(&self, client_id: &str) -> ControlResult<Value> {
        self.get(&certificates(client_id)).await
    }

    /// Forgets the app's keys (`DELETE /_sim/apps/{client_id}/certificates`).
    pub async fn clear_app_keys(&self, client_id: &str) -> ControlResult<()> {
        self.delete(&certificates(client_id)).await
    }

    // ---- plumbing -------------------------------------------------------

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ControlResult<T> {
        let r = self.http.get(format!("{}{path}", self.base)).send().await;
        decode("GET", path, r).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> ControlResult<T> {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await;
        decode("POST", path, r).await
    }

    async fn delete(&self, path: &str) -> ControlResult<()> {
        let r = self
            .http
            .delete(format!("{}{path}", self.base))
            .send()
            .await;
        checked("DELETE", path, r).await.map(drop)
    }
}

fn certificates(client_id: &str) -> String {
    format!("/_sim/apps/{}/certificates", segment(client_id))
}

/// One path segment, percent-encoded so an id cannot change the route.
fn segment(s: &str) -> String {
    crate::urlenc::encode(s)
}

async fn checked(
    method: &'static str,
    path: &str,
    r: Result<reqwest::Response, reqwest::Error>,
) -> ControlResult<reqwest::Response> {
    let r = r.map_err(|source| ControlError::Http {
        method,
        path: path.to_owned(),
        source,
    })?;
    let status = r.status();
    if status.is_success() {
        return Ok(r);
    }
    let body = r.text().await.unwrap_or_default();
    Err(ControlError::Status {
        method,
        path: path.to_owned(),
        status: status.as_u16(),
        body,
    })
}

async fn decode<T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    r: Result<reqwest::Response, reqwest::Error>,
) -> ControlResult<T> {
    let r = checked(method, path, r).await?;
    let bytes = r.bytes().await.map_err(|source| ControlError::Http {
        method,
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ControlError::Decode {
        method,
        path: path.to_owned(),
        detail: e.to_string(),
    })
}
