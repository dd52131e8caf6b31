//! Set-up and bookkeeping for the reliability tests: a simulator with a fleet of
//! isolated machines, a core with a real store file pointed at it, and readers of the
//! simulator's own truth (its action ledger and request log). Every "0 lost,
//! 0 duplicated" assertion is made from the simulator's side, never from Cordon's.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::truth::{self, Req};
use super::{Fault, FaultKind, SettingsPatch, SimControl};
use cordon_core::dto::jobs::{BulkRequest, JobKind, JobProgress};
use cordon_core::{App, AppConfig};
use mde_api::{ClientOptions, Credentials, Endpoints, IsolationType, MachineId};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};
use serde_json::Value;

/// The longest any test waits for a job or the ledger.
pub const LIMIT: Duration = Duration::from_secs(40);

/// Rates high enough that only the tests that mean to pace are paced.
pub const UNPACED: u32 = 100_000;

/// A simulator whose first `ids.len()` online machines were isolated by the analyst app
/// (succeeded), with the request log cleared afterwards.
pub struct Fleet {
    pub sim: SimHandle,
    pub http: reqwest::Client,
    pub ids: Vec<String>,
    pub dir: tempfile::TempDir,
}

/// Knobs of one test's simulator.
pub struct SimKnobs {
    pub machines: usize,
    /// Calls per "minute" window and its real length (both sides are told the same).
    pub per_window: u32,
    pub window: Duration,
}

impl Default for SimKnobs {
    fn default() -> Self {
        Self {
            machines: 40,
            per_window: UNPACED,
            window: Duration::from_secs(60),
        }
    }
}

/// Starts a simulator with `k.machines` isolated, online machines ready to release.
pub async fn fleet(k: &SimKnobs) -> Fleet {
    let sim = Simulator::start(SimConfig {
        // 5 % of a scale tenant is offline: leave room to pick online ones.
        scenario: Scenario::Scale {
            machines: (k.machines + k.machines / 5 + 10) as u32,
            actions: 0,
        },
        rate_per_minute: UNPACED,
        rate_per_hour: UNPACED,
        rate_minute_window: k.window,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let http = reqwest::Client::new();
    let ctl = SimControl::with_client(http.clone(), sim.base_url());
    let state = ctl.state().await.expect("control state");
    let ids: Vec<String> = state
        .machines
        .iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id.clone())
        .take(k.machines)
        .collect();
    assert_eq!(ids.len(), k.machines, "enough online machines");
    // Isolate them as the analyst app (so Cordon's release is not "someone else's").
    let client = direct_client(&sim);
    let mut set = tokio::task::JoinSet::new();
    for chunk in ids.chunks(8) {
        let client = client.clone();
        let chunk = chunk.to_vec();
        set.spawn(async move {
            for id in chunk {
                let mid = MachineId::parse(&id).unwrap();
                client
                    .isolate(&mid, IsolationType::Full, "reliability set-up")
                    .await
                    .expect("set-up isolate");
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    sim.advance(600.0);
    let fleet = Fleet {
        sim,
        http,
        ids,
        dir: tempfile::tempdir().unwrap(),
    };
    let state = ctl.state().await.expect("control state");
    let isolated = state.machines.iter().filter(|m| m.isolated).count();
    assert_eq!(isolated, k.machines, "the set-up isolations succeeded");
    if k.per_window != UNPACED {
        ctl.set_rates(Some(k.per_window), None)
            .await
            .expect("control config");
    }
    ctl.clear_requests().await.expect("control requests");
    fleet
}

pub fn endpoints(sim: &SimHandle) -> Endpoints {
    let base = sim.base_url();
    Endpoints::custom(&base, &base).unwrap()
}

/// The demo analyst app (Machine.Isolate and the reads).
pub fn credentials() -> Credentials {
    credentials_of(identities::ANALYST_CLIENT_ID, identities::ANALYST_SECRET)
}

pub use super::credentials_of;

/// Client knobs of one test's core.
#[derive(Clone)]
pub struct CoreKnobs {
    pub concurrency: usize,
    pub per_window: u32,
    pub window: Duration,
    pub timeout: Duration,
    pub max_backoff: Duration,
    /// `AppConfig::lookup_settle`: short, so unknown outcomes settle fast.
    pub lookup_settle: Duration,
}

impl Default for CoreKnobs {
    fn default() -> Self {
        Self {
            concurrency: 16,
            per_window: UNPACED,
            window: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            max_backoff: Duration::from_secs(60),
            lookup_settle: Duration::from_millis(200),
        }
    }
}

impl Fleet {
    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("stores").join("reliability.sqlite3")
    }

    /// The core's configuration: the analyst app, a store file in this test's tempdir.
    pub fn config(&self, k: &CoreKnobs) -> AppConfig {
        let mut cfg = AppConfig::new(endpoints(&self.sim), credentials(), "reliability");
        cfg.store_path = Some(self.store_path());
        cfg.concurrency = k.concurrency;
        cfg.lookup_settle = k.lookup_settle;
        cfg.client_options = ClientOptions {
            timeout: k.timeout,
            max_get_retries: 2,
            max_backoff: k.max_backoff,
            requests_per_minute: Some(k.per_window),
            requests_per_hour: Some(UNPACED),
            rate_minute_window: k.window,
            ..ClientOptions::default()
        };
        cfg
    }

    /// A core on this fleet, synced once (it knows the machines and their isolations).
    pub async fn app(&self, k: &CoreKnobs) -> App {
        let app = App::new(self.config(k)).expect("core opens its store");
        app.refresh().await.expect("first sync");
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// The typed client of the simulator's control API.
    pub fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.sim.base_url())
    }

    /// Changes the simulator's settings.
    pub async fn configure(&self, patch: SettingsPatch) {
        self.ctl().configure(&patch).await.expect("control config");
    }

    /// Clears the simulator's request log.
    pub async fn clear_requests(&self) {
        self.ctl().clear_requests().await.expect("control requests");
    }

    /// Injects faults.
    pub async fn faults(&self, faults: Vec<Fault>) {
        self.ctl()
            .add_faults(&faults)
            .await
            .expect("control faults");
    }

    /// Every action the simulator created.
    pub async fn ledger(&self) -> Vec<Value> {
        self.ctl().actions().await.expect("control actions")
    }

    /// The simulator's request log.
    pub async fn requests(&self) -> Vec<Req> {
        self.ctl()
            .requests()
            .await
            .expect("control requests")
            .into_iter()
            .map(Req::from)
            .collect()
    }

    /// Unisolate actions with `comment`, per machine.
    pub async fn releases(&self, comment: &str) -> HashMap<String, Vec<Value>> {
        truth::by_machine(&self.ledger().await, "Unisolate", comment)
    }

    /// A bulk release of `ids` (foreign isolations included: the test owns the fleet).
    ///
    /// Start it with [`start_previewed`], as a person confirming its preview would.
    pub fn release(&self, ids: &[String], comment: &str) -> BulkRequest {
        BulkRequest {
            kind: JobKind::Release,
            machine_ids: ids.to_vec(),
            comment: comment.into(),
            isolation_type: None,
            source: Some("reliability".into()),
            include_foreign: true,
            matching: None,
        }
    }

    /// A pending release created directly (not by Cordon), as another console would.
    pub async fn release_elsewhere(&self, id: &str, comment: &str) -> String {
        let client = direct_client(&self.sim);
        let a = client
            .unisolate(&MachineId::parse(id).unwrap(), comment)
            .await
            .expect("direct release");
        a.id
    }
}

/// `kind` for the next `count` POSTs whose path contains `path`.
pub fn fault(path: &str, count: u32, kind: FaultKind) -> Fault {
    Fault::new(path, kind).method("POST").count(count)
}

pub fn unisolate_of(id: &str) -> String {
    format!("/machines/{id}/unisolate")
}

/// Collects the job progress events of `app` in the background.
pub fn collect(app: &App) -> Arc<Mutex<Vec<JobProgress>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut rx = app.subscribe_jobs();
    let out = seen.clone();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(p) => out.lock().unwrap().push(p),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
    });
    seen
}

/// The analyst app's own client, unpaced: what another console or script would use.
fn direct_client(sim: &SimHandle) -> mde_api::Client {
    mde_api::Client::new(
        endpoints(sim),
        credentials(),
        ClientOptions {
            requests_per_minute: None,
            requests_per_hour: None,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// Previews `req` and starts exactly that job (the preview just made, confirmed).
pub async fn start_previewed(
    app: &cordon_core::App,
    req: BulkRequest,
) -> cordon_core::Result<cordon_core::dto::jobs::JobSummary> {
    let preview = app.preview_bulk(&req).await?;
    app.start_job(req, &cordon_core::dto::jobs::Confirmation::of(&preview))
}
