//! The HTTP face of the simulator: one router serves the token service (`/{tenant}/…`),
//! the Defender API (`/api/…`) and the control API (`/_sim/…`) on one loopback port.

pub mod auth;
pub mod certs;
pub mod control;
pub mod control_alerts;
pub mod device;
pub mod discovery;
pub mod errors;
pub mod faults;
pub mod jwt;
pub mod middleware;
pub mod oauth;
pub mod people;
pub mod ratelimit;
pub mod server;
pub mod settings;
pub mod tls;
pub mod token;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{any, post};
use chrono::{DateTime, Utc};
use rand::RngCore;

use crate::clock::SimClock;
use crate::config::{Scenario, SimConfig};
use crate::model::Tenant;

/// Everything the handlers share. Each piece has its own lock, always taken briefly and
/// never held across an `.await`.
pub struct Shared {
    pub config: SimConfig,
    pub base_url: String,
    pub clock: Mutex<SimClock>,
    pub tenant: Mutex<Tenant>,
    pub scenario: Mutex<Scenario>,
    pub limiter: Mutex<ratelimit::RateLimiter>,
    pub faults: Mutex<Vec<faults::Fault>>,
    pub log: Mutex<VecDeque<middleware::LogEntry>>,
    pub flows: Mutex<token::Flows>,
    /// The quirks in force (the config's, changeable through `POST /_sim/config`).
    pub quirks: Mutex<crate::config::Quirks>,
    /// Keys registered for client assertions (certificate credentials).
    pub keys: Mutex<certs::KeyRing>,
    /// Lifetime of new tokens in simulated seconds (the config's, changeable at run time).
    pub token_lifetime: std::sync::atomic::AtomicU32,
    /// HS256 key of this process's tokens.
    pub signing_key: [u8; 32],
}

impl Shared {
    pub fn new(
        config: SimConfig,
        base_url: String,
        clock: SimClock,
        tenant: Tenant,
        keys: certs::KeyRing,
    ) -> Self {
        let mut signing_key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut signing_key);
        Self {
            limiter: Mutex::new(ratelimit::RateLimiter::new(&config)),
            scenario: Mutex::new(config.scenario.clone()),
            quirks: Mutex::new(config.quirks.clone()),
            token_lifetime: std::sync::atomic::AtomicU32::new(config.token_lifetime_secs),
            config,
            base_url,
            clock: Mutex::new(clock),
            tenant: Mutex::new(tenant),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(VecDeque::new()),
            flows: Mutex::new(token::Flows::default()),
            keys: Mutex::new(keys),
            signing_key,
        }
    }

    /// Current simulated time.
    pub fn now(&self) -> DateTime<Utc> {
        lock(&self.clock).now()
    }

    pub fn quirks(&self) -> crate::config::Quirks {
        lock(&self.quirks).clone()
    }

    /// The tenant, settled up to `now` (action transitions and new alerts).
    pub fn tenant_at(&self, now: DateTime<Utc>) -> MutexGuard<'_, Tenant> {
        let mut t = lock(&self.tenant);
        t.settle(now);
        crate::scenario::alerts::trickle(&mut t, now);
        t
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the simulator
/// keeps serving; the state is still consistent because no lock spans partial updates
/// that a panic could interrupt in a way tests rely on).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The whole application.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        .route("/api/{*rest}", any(crate::api::dispatch))
        .merge(control::routes())
        .merge(token::extra_routes())
        .fallback(errors::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            middleware::around,
        ))
        .with_state(shared)
}
