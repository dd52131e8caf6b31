//! Simulator settings: every knob has a default that reproduces the real service as
//! `defender-api.md` describes it, so that a test only names what it wants different.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// What the tenant contains at start (and after `POST /_sim/reset`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// A tenant with no machines.
    Empty,
    /// The story of `product.md`: ~300 machines, last night's false-positive storm.
    Demo,
    /// A large synthetic tenant for benchmarks.
    Scale { machines: u32, actions: u32 },
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "empty" => Ok(Self::Empty),
            "demo" => Ok(Self::Demo),
            _ => {
                let parts: Vec<&str> = lower.split(':').collect();
                match parts.as_slice() {
                    ["scale", m, a] => {
                        let machines = m.parse().map_err(|_| format!("bad machine count {m:?}"))?;
                        let actions = a.parse().map_err(|_| format!("bad action count {a:?}"))?;
                        Ok(Self::Scale { machines, actions })
                    }
                    _ => Err(format!(
                        "unknown scenario {s:?} (expected empty, demo or scale:<machines>:<actions>)"
                    )),
                }
            }
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::Demo => f.write_str("demo"),
            Self::Scale { machines, actions } => write!(f, "scale:{machines}:{actions}"),
        }
    }
}

/// How a second isolate/unisolate (etc.) is answered while one of the same type is
/// still Pending/InProgress on the machine. The field reports both (D2, I1, I2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// 201 with the pending action.
    PendingAction,
    /// 400 `ActiveRequestAlreadyExists` "Action is already in progress".
    Error,
    /// Either, chosen by the seeded generator (deterministic for a request sequence).
    Mixed,
}

/// Which limit key the rate limiter uses. The docs say "this API" without saying
/// whether the count is per app or per tenant (§8); we count per app and per API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateScope {
    /// One budget per app and per API (isolate, list machines, …): the default.
    PerAppPerApi,
    /// One budget per app across all APIs.
    PerApp,
}

/// The documented inconsistencies of the real service, each switchable (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quirks {
    /// `GET /api/machines` answers 404 when the tenant has no machines (D8). Default on.
    pub empty_machine_list_404: bool,
    /// Lists of machine actions carry `lastUpdateTimeUtc` instead of
    /// `lastUpdateDateTimeUtc` (the list examples, D4). Default off.
    pub list_last_update_time_utc: bool,
    /// `rbacGroupId` is a JSON number (real captures), not a string. Default on.
    pub numeric_rbac_group_id: bool,
    /// Only the `ReadWrite` permissions may list machine actions and alerts (the
    /// 2025-11 pages, M2–M4). Default off (older pages accept `Read`).
    pub strict_read_permissions: bool,
    /// Machines carry the fields real responses have beyond the documented entity
    /// (`agentVersion`, `managedBy`, `isExcluded`, `vmMetadata`, …, T6). Default on.
    pub extra_machine_fields: bool,
    /// A duplicate Isolate (sent while one is pending or the device is isolated) is
    /// accepted as a new action that stays Pending for `stray_isolate_delay_secs` and
    /// then completes, after later releases: the out-of-order completion of I1/I2, which
    /// leaves the device isolated. Default off.
    pub out_of_order_duplicates: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Self {
            empty_machine_list_404: true,
            list_last_update_time_utc: false,
            numeric_rbac_group_id: true,
            strict_read_permissions: false,
            extra_machine_fields: true,
            out_of_order_duplicates: false,
        }
    }
}

/// Everything the simulator can be told at start.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// TCP port on 127.0.0.1; 0 picks any free port.
    pub port: u16,
    pub scenario: Scenario,
    /// Simulated seconds per real second (1 for tests, 60 for the demo).
    pub speed: f64,
    /// Seed of every generated name, id and choice.
    pub seed: u64,
    pub rate_per_minute: u32,
    pub rate_per_hour: u32,
    /// Length of the "minute" window in real time; compress it for benchmarks
    /// (e.g. 6 s with `rate_per_minute` 100 means 100 calls per 6 s).
    pub rate_minute_window: Duration,
    /// Length of the "hour" window in real time.
    pub rate_hour_window: Duration,
    pub rate_scope: RateScope,
    /// Lifetime of issued tokens, in simulated seconds.
    pub token_lifetime_secs: u32,
    /// Sim time from submission (or the device's return) until an action is picked up.
    pub pickup_delay_secs: u32,
    /// Sim time an action stays InProgress before it ends.
    pub execution_delay_secs: u32,
    /// Sim time after which a still-Pending action becomes TimeOut (3 days, D34).
    pub pending_timeout_secs: u32,
    /// Share of executed actions that end `Failed` (0.0–1.0).
    pub failure_rate: f64,
    pub duplicate_policy: DuplicatePolicy,
    /// How long a stray duplicate Isolate stays Pending (`Quirks::out_of_order_duplicates`).
    pub stray_isolate_delay_secs: u32,
    /// Sim time before a new action shows in `GET /api/machineactions` lists (0 = at
    /// once). Defender does not promise that a new action is listed at once; a client
    /// that looks an unknown outcome up must not take "not listed yet" for "not there".
    /// Gets by id and the POST's own answer are not delayed.
    pub list_visibility_delay_secs: u32,
    pub quirks: Quirks,
    /// Largest page served (and the `$top` limit): 10,000 (§5.1).
    pub page_size: usize,
    /// Simulation start; `None` means the real time at start.
    pub start_time: Option<DateTime<Utc>>,
    /// How many requests the request log keeps (oldest dropped first).
    pub request_log_capacity: usize,
    /// Certificate credentials registered at start: `(client_id, PEM)` where the PEM is a
    /// `CERTIFICATE` or an RSA `PUBLIC KEY`; client assertions must be signed by one.
    pub app_keys: Vec<(String, String)>,
    /// Serve HTTPS with a self-signed certificate made at start (`SimHandle::ca_pem_path`).
    pub tls: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            scenario: Scenario::Demo,
            speed: 1.0,
            seed: 42,
            rate_per_minute: 100,
            rate_per_hour: 1500,
            rate_minute_window: Duration::from_secs(60),
            rate_hour_window: Duration::from_secs(3600),
            rate_scope: RateScope::PerAppPerApi,
            token_lifetime_secs: 3599,
            pickup_delay_secs: 30,
            execution_delay_secs: 90,
            pending_timeout_secs: 3 * 24 * 3600,
            failure_rate: 0.0,
            duplicate_policy: DuplicatePolicy::Mixed,
            stray_isolate_delay_secs: 3600,
            list_visibility_delay_secs: 0,
            quirks: Quirks::default(),
            page_size: 10_000,
            start_time: None,
            request_log_capacity: 200_000,
            app_keys: Vec::new(),
            tls: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_parse() {
        assert_eq!("empty".parse::<Scenario>(), Ok(Scenario::Empty));
        assert_eq!("Demo".parse::<Scenario>(), Ok(Scenario::Demo));
        assert_eq!(
            "scale:100000:1000000".parse::<Scenario>(),
            Ok(Scenario::Scale {
                machines: 100_000,
                actions: 1_000_000
            })
        );
        assert!("scale:x:1".parse::<Scenario>().is_err());
        assert!("nope".parse::<Scenario>().is_err());
        assert_eq!(
            Scenario::Scale {
                machines: 3,
                actions: 4
            }
            .to_string(),
            "scale:3:4"
        );
    }
}
