//! mde-sim: a faithful simulator of the Entra ID token service and the Microsoft Defender
//! for Endpoint API. It is Cordon's demo tenant and the test bed of every integration
//! test, so it follows `defender-api.md` (quirks included) rather than what would be
//! convenient for the client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mde_sim::SimError> {
//! let sim = mde_sim::Simulator::start(mde_sim::SimConfig::default()).await?;
//! let authority = sim.base_url(); // token service: {authority}/{tenant}/oauth2/v2.0/token
//! let api = sim.base_url(); // Defender API: {api}/api/machines
//! # let _ = (authority, api);
//! sim.shutdown();
//! # Ok(()) }
//! ```

pub mod api;
pub mod clock;
pub mod config;
pub mod control_client;
pub mod crypto;
pub mod http;
pub mod identities;
pub mod model;
pub mod odata;
pub mod scenario;
pub mod urlenc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use config::{DuplicatePolicy, Quirks, RateScope, Scenario, SimConfig};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Entry point of the library.
pub struct Simulator;

impl Simulator {
    /// Builds the scenario and serves it on 127.0.0.1 from tasks of the current tokio
    /// runtime. Returns once the port is bound.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        if !config.speed.is_finite() || config.speed < 0.0 {
            return Err(SimError::Config(format!(
                "speed must be a non-negative number, got {}",
                config.speed
            )));
        }
        let keys = http::certs::KeyRing::from_config(&config.app_keys).map_err(SimError::Config)?;
        let port = config.port;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| SimError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SimError::Bind { port, source })?;
        let tls = if config.tls {
            Some(http::tls::setup(addr.port()).map_err(SimError::Config)?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{}", addr.port());
        let start = config.start_time.unwrap_or_else(clock::real_now);
        let clock = clock::SimClock::new(start, config.speed);
        let tenant = scenario::build(&config.scenario, config.seed, start, &config);
        let shared = Arc::new(http::Shared::new(
            config,
            base_url.clone(),
            clock,
            tenant,
            keys,
        ));
        let app = http::router(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let stopped = async move {
            let _ = rx.await;
        };
        let make = app.into_make_service_with_connect_info::<http::server::ConnHandle>();
        let ca_pem_path = tls.as_ref().map(|t| t.ca_pem_path.clone());
        match tls {
            Some(t) => {
                let listener = http::tls::TlsListener::new(listener, t.acceptor)
                    .map_err(|source| SimError::Bind { port, source })?;
                let serve = axum::serve(listener, make).with_graceful_shutdown(stopped);
                tokio::spawn(async move {
                    if let Err(e) = serve.await {
                        tracing::error!("mde-sim server stopped: {e}");
                    }
                });
            }
            None => {
                let serve = axum::serve(http::server::SimListener(listener), make)
                    .with_graceful_shutdown(stopped);
                tokio::spawn(async move {
                    if let Err(e) = serve.await {
                        tracing::error!("mde-sim server stopped: {e}");
                    }
                });
            }
        }
        tracing::info!("mde-sim listening on {base_url}");
        Ok(SimHandle {
            base_url,
            addr,
            ca_pem_path,
            shared,
            stop: Some(tx),
        })
    }
}

/// A running simulator. Dropping it stops the server too.
pub struct SimHandle {
    base_url: String,
    addr: SocketAddr,
    ca_pem_path: Option<PathBuf>,
    shared: Arc<http::Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl SimHandle {
    /// With `tls`, the PEM file of the CA that signed the server certificate (add it as
    /// a trusted root); removed when the simulator stops.
    pub fn ca_pem_path(&self) -> Option<PathBuf> {
        self.ca_pem_path.clone()
    }

    /// `http://127.0.0.1:PORT` (`https://` with `tls`): both the authority base and the
    /// API base.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A typed client of this simulator's control API, over HTTP like any other caller
    /// (with `tls`, build one with [`control_client::SimControl::with_client`] and a client
    /// that trusts [`SimHandle::ca_pem_path`]).
    pub fn control(&self) -> control_client::SimControl {
        control_client::SimControl::new(self.base_url.clone())
    }

    /// The token endpoint of the demo tenant.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.base_url,
            identities::TENANT_ID
        )
    }

    /// Current simulated time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.now()
    }

    /// Advances the simulation clock (same as `POST /_sim/clock/advance`).
    pub fn advance(&self, seconds: f64) {
        http::lock(&self.shared.clock).advance(seconds);
    }

    /// Number of machines isolated right now (the truth tests compare against).
    pub fn isolated_count(&self) -> usize {
        self.shared.tenant_at(self.shared.now()).isolated_count()
    }

    /// Number of actions in the ledger whose type is one of `types` (e.g. `["Isolate",
    /// "Unisolate"]`): what a client filtering server-side should receive, counted
    /// without serialising a million actions (benchmarks).
    pub fn action_count(&self, types: &[&str]) -> usize {
        self.shared
            .tenant_at(self.shared.now())
            .actions
            .iter()
            .filter(|a| types.contains(&a.kind.as_str()))
            .count()
    }

    /// Stops accepting connections and closes idle ones (in-flight requests finish).
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(p) = self.ca_pem_path.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}
