//! The simulator side of a benchmark: start it in-process, point a Cordon core (or a
//! plain client) at it, and read its truth back: the request log (every API call it
//! answered, with status) and the action ledger, through the simulator's typed control
//! client (`mde_sim::control_client::SimControl`, shared with every crate's tests).

use cordon_core::AppConfig;
use mde_api::{Credentials, Endpoints, Secret};
use mde_sim::control_client::{SimControl, SimState};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};
use serde_json::Value;

/// Errors of a benchmark run (set-up failures, unexpected answers).
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// One request the simulator answered (from its request log).
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub dropped: bool,
    /// Simulation time of the answer (real time at speed 1).
    pub time: Option<chrono::DateTime<chrono::Utc>>,
}

impl Logged {
    /// A Defender API call (not the token service, discovery or the control API).
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }

    /// A POST that created (or answered) an isolate/release: 201, or processed and then
    /// cut off by an `accept_then_drop` fault.
    pub fn is_processed_action_post(&self) -> bool {
        self.method == "POST"
            && (self.path.ends_with("/isolate") || self.path.ends_with("/unisolate"))
            && (self.status == 201 || self.dropped)
    }
}

/// A simulator running in this process, with a control-API client.
pub struct Sim {
    pub handle: SimHandle,
    /// The typed control client every Cordon test uses too.
    pub ctl: SimControl,
}

impl Sim {
    pub async fn start(cfg: SimConfig) -> BenchResult<Self> {
        let handle = Simulator::start(cfg).await?;
        Ok(Self {
            ctl: handle.control(),
            handle,
        })
    }

    /// A `scale:machines:actions` tenant that ends every action at once and never
    /// answers 429: the grid and memory benches time Cordon, not Defender's limits.
    pub async fn scale(machines: u32, actions: u32) -> BenchResult<Self> {
        Self::start(SimConfig {
            scenario: Scenario::Scale { machines, actions },
            speed: 0.0,
            rate_per_minute: u32::MAX,
            rate_per_hour: u32::MAX,
            ..SimConfig::default()
        })
        .await
    }

    /// The endpoints and client-credentials of the simulator's analyst app (may isolate
    /// and release).
    pub fn endpoints(&self) -> BenchResult<(Endpoints, Credentials)> {
        let base = self.handle.base_url();
        Ok((
            Endpoints::custom(&base, &base)?,
            Credentials::ClientSecret {
                tenant_id: identities::TENANT_ID.into(),
                client_id: identities::ANALYST_CLIENT_ID.into(),
                secret: Secret::new(identities::ANALYST_SECRET),
            },
        ))
    }

    /// A plain Defender client for the analyst app, without pacing (set-up work and the
    /// one-at-a-time loop P-2 compares against).
    pub fn plain_client(&self) -> BenchResult<mde_api::Client> {
        let (e, c) = self.endpoints()?;
        Ok(mde_api::Client::new(
            e,
            c,
            mde_api::ClientOptions {
                requests_per_minute: None,
                requests_per_hour: None,
                ..mde_api::ClientOptions::default()
            },
        )?)
    }

    /// A core configuration for the analyst app (in-memory store unless set).
    pub fn app_config(&self) -> BenchResult<AppConfig> {
        let (e, c) = self.endpoints()?;
        Ok(AppConfig::new(e, c, "benchmark tenant"))
    }

    pub async fn clear_log(&self) -> BenchResult<()> {
        Ok(self.ctl.clear_requests().await?)
    }

    /// The request log since the last clear.
    pub async fn requests(&self) -> BenchResult<Vec<Logged>> {
        Ok(self
            .ctl
            .requests()
            .await?
            .into_iter()
            .map(|e| Logged {
                method: e.method,
                path: e.path,
                status: e.status,
                dropped: e.dropped,
                time: Some(e.time),
            })
            .collect())
    }

    /// The action ledger from entry `since` on.
    pub async fn actions_since(&self, since: usize) -> BenchResult<Vec<Value>> {
        Ok(self.ctl.actions_since(since).await?)
    }

    /// The simulator's state.
    pub async fn state(&self) -> BenchResult<SimState> {
        Ok(self.ctl.state().await?)
    }
}

/// Isolates `n` online machines of the tenant through the API (a plain client, no
/// pacing, the simulator's limit lifted meanwhile), then advances the simulation clock
/// until every isolation has succeeded. Returns their ids. The limit in force before is
/// put back; the isolate API's calls do not count against the release API's budget.
pub async fn isolate_online(
    sim: &Sim,
    n: usize,
    restore_per_minute: u32,
) -> BenchResult<Vec<String>> {
    let st = sim.state().await?;
    let ids: Vec<String> = st
        .machines
        .into_iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id)
        .take(n)
        .collect();
    if ids.len() < n {
        return Err(format!("only {} online machines, {n} needed", ids.len()).into());
    }
    sim.ctl.set_rates(Some(1_000_000), Some(1_000_000)).await?;
    let client = sim.plain_client()?;
    let mut set = tokio::task::JoinSet::new();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    for id in ids.clone() {
        let client = client.clone();
        let sem = sem.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let mid = mde_api::MachineId::parse(&id)?;
            client
                .isolate(&mid, mde_api::IsolationType::Full, "benchmark set-up")
                .await?;
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    sim.handle.advance(600.0);
    sim.ctl
        .set_rates(Some(restore_per_minute), Some(1500))
        .await?;
    let st = sim.state().await?;
    let isolated = st
        .machines
        .iter()
        .filter(|m| m.isolated && ids.contains(&m.id))
        .count();
    if isolated != n {
        return Err(format!("set-up: {isolated} of {n} machines isolated").into());
    }
    Ok(ids)
}

/// Per machine, how many actions of `kind` the ledger holds among `ledger`.
pub fn per_machine(ledger: &[Value], kind: &str) -> std::collections::HashMap<String, usize> {
    let mut m = std::collections::HashMap::new();
    for a in ledger.iter().filter(|a| a["type"] == kind) {
        if let Some(id) = a["machineId"].as_str() {
            *m.entry(id.to_ascii_lowercase()).or_insert(0) += 1;
        }
    }
    m
}

/// Lost (no action) and duplicated (more than one) among `targets`.
pub fn lost_and_duplicated(ledger: &[Value], kind: &str, targets: &[String]) -> (usize, usize) {
    let per = per_machine(ledger, kind);
    let lost = targets
        .iter()
        .filter(|t| !per.contains_key(&t.to_ascii_lowercase()))
        .count();
    let duplicated = per.values().map(|c| c.saturating_sub(1)).sum();
    (lost, duplicated)
}
