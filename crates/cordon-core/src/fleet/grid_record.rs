//! A machine as the grid's table holds it: a pure function of the machine and its
//! isolation actions (no clock), so the store can filter and sort by derived state.
//!
//! The derivation's one dependence on time — a release pending longer than the
//! threshold is "stuck" — is left to the query (see `store/grid_sql.rs`): the record
//! is derived with no threshold at all, so an in-flight release is `releasing` with its
//! creation time, and the store compares that time with (now − threshold). A record
//! therefore changes only when the machine or its actions change.

use chrono::{DateTime, Duration, Utc};
use mde_api::Machine;

use crate::fleet::derive::{self, IsolationAction, Liveness, Thresholds};
use crate::store::grid_sql::{
    GridRecord, exposure_rank, frame_tags, risk_rank, state_code, value_rank,
};

/// The grid's record of `m` given its isolation actions.
pub fn record(m: &Machine, actions: &[IsolationAction]) -> GridRecord {
    let live = Liveness {
        health: Some(m.health_status.as_str().to_owned()),
        last_full_report: m.last_seen,
    };
    // No threshold: time alone never moves a record (the query applies it).
    let never = Thresholds {
        release_stuck_after: Duration::MAX,
    };
    let d = derive::derive(actions, &live, DateTime::<Utc>::UNIX_EPOCH, never);
    let name = m.computer_dns_name.as_deref().unwrap_or(&m.id);
    GridRecord {
        id: m.id.clone(),
        name: name.to_lowercase(),
        state: state_code(d.kind),
        since: d.since.map(crate::store::ts),
        health: m.health_status.as_str().to_owned(),
        os: m.os_platform.clone().unwrap_or_default(),
        risk: risk_rank(m.risk_score.as_ref().map_or("", |r| r.as_str())),
        exposure: exposure_rank(m.exposure_level.as_ref().map_or("", |r| r.as_str())),
        value: value_rank(m.device_value.as_ref().map_or("", |r| r.as_str())),
        group: m.rbac_group_name.clone().unwrap_or_default(),
        tags: frame_tags(&m.machine_tags),
        last_seen: m.last_seen.map(crate::store::ts),
        ip: m.last_ip_address.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
#[path = "grid_record_tests.rs"]
mod tests;
