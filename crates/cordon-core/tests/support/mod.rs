//! Shared set-up of every test binary of cordon-core (the one support folder): the demo
//! simulator over real sockets, a core pointed at it, and the simulator's truth read
//! through its typed control client (`mde_sim::control_client::SimControl`). The
//! reliability tests' fleet and bookkeeping are in [`fleet`] and [`truth`].
#![allow(dead_code)]

pub mod fleet;
pub mod truth;

use cordon_core::{App, AppConfig};
use mde_api::{Credentials, Endpoints, Secret};
pub use mde_sim::control_client::{
    Fault, FaultKind, LoggedRequest, SettingsPatch, SimControl, SimState,
};
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

/// A core's configuration for the simulator at `base`; unknown outcomes are looked up
/// after 200 ms (not the 30 s a real tenant gets), so tests that cut answers stay fast.
pub fn config(base: &str, client_id: &str, secret: &str) -> AppConfig {
    let mut cfg = AppConfig::new(
        Endpoints::custom(base, base).expect("endpoints"),
        credentials_of(client_id, secret),
        "test tenant",
    );
    cfg.lookup_settle = std::time::Duration::from_millis(200);
    cfg
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

    /// The typed client of the simulator's control API.
    pub fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.sim.base_url())
    }

    /// The simulator's truth: every machine with `online` and `isolated`.
    pub async fn state(&self) -> SimState {
        self.ctl().state().await.expect("control state")
    }

    /// Every action the simulator ever created.
    pub async fn ledger(&self) -> Vec<Value> {
        self.ctl().actions().await.expect("control actions")
    }

    /// The simulator's request log.
    pub async fn requests(&self) -> Vec<LoggedRequest> {
        self.ctl().requests().await.expect("control requests")
    }

    pub async fn advance(&self, seconds: u64) {
        self.ctl()
            .advance(seconds as f64)
            .await
            .expect("clock advance");
    }

    /// Brings a machine online or takes it offline.
    pub async fn set_online(&self, machine_id: &str, online: bool) {
        self.ctl()
            .set_online(machine_id, online)
            .await
            .expect("control online");
    }
}

/// Counts POSTs whose path contains `needle`.
pub fn posts(log: &[LoggedRequest], needle: &str) -> usize {
    log.iter()
        .filter(|r| r.method == "POST" && r.path.contains(needle))
        .count()
}
