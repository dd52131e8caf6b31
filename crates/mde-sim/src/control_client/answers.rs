//! The typed answers of the control API (and the one request body without a server
//! type, [`AppKeyPem`]), apart from the client's calls so that each file stays short.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A machine's hidden truth and what the API shows of it now (`POST
/// /_sim/machines/{id}/online` and `…/vpn`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MachineTruth {
    pub id: String,
    pub computer_dns_name: String,
    pub online: bool,
    pub isolated: bool,
    pub full_tunnel_vpn: bool,
    /// OData timestamp, as the API's `lastSeen`.
    pub last_seen: String,
    pub health_status: String,
}

/// One machine of [`SimState`].
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MachineState {
    pub id: String,
    pub computer_dns_name: String,
    pub online: bool,
    pub isolated: bool,
    pub full_tunnel_vpn: bool,
}

/// `GET /_sim/state`: the tenant's truth right now.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SimState {
    /// Simulation time, OData format (7 fractional digits).
    pub now: String,
    pub now_rfc3339: String,
    pub speed: f64,
    pub scenario: String,
    pub isolated_count: usize,
    pub machine_count: usize,
    pub action_count: usize,
    pub pending_count: usize,
    pub in_progress_count: usize,
    pub alert_count: usize,
    pub machines: Vec<MachineState>,
}

/// One line of `GET /_sim/requests`: a request the simulator answered.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// Simulation time when the answer was written (real time at speed 1).
    pub time: DateTime<Utc>,
    /// The injected fault that answered it: `status`, `delay` or `accept_then_drop`.
    pub fault: Option<String>,
    /// Processed, then the connection was cut (`accept_then_drop`).
    pub dropped: bool,
}

/// `POST /_sim/clock/advance` and `/_sim/clock/speed`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ClockAnswer {
    /// Simulation time after the change, OData format.
    pub now: String,
    /// The clock's speed (only answered by `/_sim/clock/speed`).
    pub speed: Option<f64>,
}

/// `POST /_sim/reset`: what the tenant was rebuilt as.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct ResetAnswer {
    pub scenario: String,
    pub seed: u64,
    pub machines: usize,
    pub now: String,
}

/// The quirks of [`Settings`].
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QuirksView {
    pub empty_machine_list_404: bool,
    pub list_last_update_time_utc: bool,
    pub numeric_rbac_group_id: bool,
    pub strict_read_permissions: bool,
    pub extra_machine_fields: bool,
    pub out_of_order_duplicates: bool,
}

/// `GET/POST /_sim/config`: the settings in force.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub duplicate_policy: String,
    pub failure_rate: f64,
    pub pickup_delay_secs: u32,
    pub execution_delay_secs: u32,
    pub pending_timeout_secs: u32,
    pub stray_isolate_delay_secs: u32,
    /// Sim seconds before a new action shows in action lists.
    pub list_visibility_delay_secs: u32,
    pub token_lifetime_secs: u32,
    pub rate_per_minute: u32,
    pub rate_per_hour: u32,
    pub quirks: QuirksView,
}

/// The body of `POST /_sim/apps/{client_id}/certificates`: exactly one PEM.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum AppKeyPem {
    PublicKeyPem(String),
    CertificatePem(String),
}
