//! The rules of the action lifecycle that are settings or facts rather than state: the
//! delays, failure rate and duplicate policy copied from the config (changeable at run
//! time through `/_sim/config`), and which OS can run which action.

use super::action::ActionType;
use crate::config::{DuplicatePolicy, SimConfig};

/// The lifecycle settings copied from the config.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    pub pickup_secs: u32,
    pub exec_secs: u32,
    pub pending_timeout_secs: u32,
    pub failure_rate: f64,
    pub duplicate_policy: DuplicatePolicy,
    /// `Quirks::out_of_order_duplicates` and its delay.
    pub out_of_order_duplicates: bool,
    pub stray_isolate_delay_secs: u32,
    /// `SimConfig::list_visibility_delay_secs`.
    pub list_visibility_delay_secs: u32,
}

impl From<&SimConfig> for Lifecycle {
    fn from(c: &SimConfig) -> Self {
        Self {
            pickup_secs: c.pickup_delay_secs,
            exec_secs: c.execution_delay_secs,
            pending_timeout_secs: c.pending_timeout_secs,
            failure_rate: c.failure_rate.clamp(0.0, 1.0),
            duplicate_policy: c.duplicate_policy,
            out_of_order_duplicates: c.quirks.out_of_order_duplicates,
            stray_isolate_delay_secs: c.stray_isolate_delay_secs,
            list_visibility_delay_secs: c.list_visibility_delay_secs,
        }
    }
}

/// Which OS can run which action (D1, D23, D34): Selective isolation is not available on
/// Linux; restricting app execution is Windows only.
pub fn os_supports(os: &str, kind: ActionType, scope: Option<&str>) -> bool {
    let windows = os.starts_with("Windows");
    match kind {
        ActionType::Isolate if scope == Some("Selective") => os != "Linux",
        ActionType::RestrictCodeExecution | ActionType::UnrestrictCodeExecution => windows,
        _ => true,
    }
}
