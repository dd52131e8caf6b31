//! Scenarios: deterministic tenants built from a seed (`empty`, `demo`, `scale:m:a`).

pub mod alerts;
pub mod demo;
pub mod fleet;
pub mod history;
pub mod scale;
pub mod script;

use chrono::{DateTime, Utc};

use crate::config::{Scenario, SimConfig};
use crate::model::{Lifecycle, Tenant};

/// Builds the tenant of `scenario` as of simulated time `now`.
pub fn build(scenario: &Scenario, seed: u64, now: DateTime<Utc>, config: &SimConfig) -> Tenant {
    let mut t = Tenant::new(seed, Lifecycle::from(config));
    match scenario {
        Scenario::Empty => {}
        Scenario::Demo => demo::build(&mut t, now),
        Scenario::Scale { machines, actions } => scale::build(&mut t, *machines, *actions, now),
    }
    t
}
