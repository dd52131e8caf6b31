//! A machine as the grid's table holds it: a pure function of the machine and its
//! isolation actions (no clock), so the store can filter and sort by derived state.
//!
//! The derivation's one dependence on time — a release pending longer than the
//! threshold is "stuck" — is left to the query (see `store/grid_sql.rs`): the record
//! is derived with no threshold at all, so an in-flight release is `releasing` with its
//! creation time, and the store compares that time with (now − threshold). A record
//! therefore changes only when the machine or its actions change.
//!
//! The record also keeps the derivation's [`Basis`] (the one action a state's sentence
//! names: its status, requestor, comment) and the display-only facts, so [`shown`]
//! gives the row the grid shows from the record alone, equal to `view::machine_row`
//! at any `now` (`grid_record_tests.rs`).

use chrono::{DateTime, Utc};
use mde_api::Machine;

use crate::dto::MachineRow;
use crate::fleet::derive::{self, Basis, IsolationAction, Liveness, Status, Thresholds};
use crate::fleet::view::state_dto;
use crate::store::grid_sql::{
    GridRecord, exposure_rank, frame_tags, risk_rank, state_code, state_of, unframe_tags,
    value_rank,
};
use crate::store::{parse_ts, ts};
use crate::time::rfc3339;

/// A status as the grid stores it.
pub fn status_code(s: Status) -> i64 {
    match s {
        Status::Pending => 0,
        Status::InProgress => 1,
        Status::Succeeded => 2,
        Status::Failed => 3,
        Status::TimeOut => 4,
        Status::Cancelled => 5,
        Status::Unknown => 6,
    }
}

fn status_of(code: Option<i64>) -> Status {
    match code {
        Some(0) => Status::Pending,
        Some(1) => Status::InProgress,
        Some(2) => Status::Succeeded,
        Some(3) => Status::Failed,
        Some(4) => Status::TimeOut,
        Some(5) => Status::Cancelled,
        _ => Status::Unknown,
    }
}

/// The grid's record of `m` given its isolation actions.
pub fn record(m: &Machine, actions: &[IsolationAction]) -> GridRecord {
    // No clock: time alone never moves a record (the query applies the threshold).
    let b = derive::basis(actions);
    let label = m.computer_dns_name.clone().unwrap_or_else(|| m.id.clone());
    let word = |w: Option<&str>| w.map(str::to_owned);
    GridRecord {
        id: m.id.clone(),
        name: label.to_lowercase(),
        state: state_code(b.kind),
        since: b.since.map(ts),
        health: m.health_status.as_str().to_owned(),
        os: m.os_platform.clone().unwrap_or_default(),
        risk: risk_rank(m.risk_score.as_ref().map_or("", |r| r.as_str())),
        exposure: exposure_rank(m.exposure_level.as_ref().map_or("", |r| r.as_str())),
        value: value_rank(m.device_value.as_ref().map_or("", |r| r.as_str())),
        group: m.rbac_group_name.clone().unwrap_or_default(),
        tags: frame_tags(&m.machine_tags),
        last_seen: m.last_seen.map(ts),
        ip: m.last_ip_address.clone().unwrap_or_default(),
        label,
        risk_word: word(m.risk_score.as_ref().map(|r| r.as_str())),
        exposure_word: word(m.exposure_level.as_ref().map(|r| r.as_str())),
        value_word: word(m.device_value.as_ref().map(|r| r.as_str())),
        act: b.action_id.as_ref().map(|_| status_code(b.status)),
        requestor: b.requestor,
        comment: b.comment,
    }
}

/// The row the grid shows for `r` at `now`: `view::machine_row` of the machine and its
/// actions, from the record alone. (An empty group or IP reads as none: the record
/// keeps them as empty text.)
pub fn shown(r: &GridRecord, now: DateTime<Utc>, t: Thresholds) -> MachineRow {
    let last_seen = r.last_seen.as_deref().map(parse_ts);
    let live = Liveness {
        health: Some(r.health.clone()),
        last_full_report: last_seen,
    };
    let b = Basis {
        kind: state_of(r.state),
        since: r.since.as_deref().map(parse_ts),
        status: status_of(r.act),
        requestor: r.requestor.clone(),
        comment: r.comment.clone(),
        action_id: None,
    };
    // The action the state names is the machine's pending one when it has one.
    let pending = b.status.in_flight();
    let d = derive::explain(&b, &live, now, t);
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    MachineRow {
        id: r.id.clone(),
        name: r.label.clone(),
        state: state_dto(d.kind),
        reason: d.reason,
        since: d.since.map(rfc3339),
        isolated_now: d.kind.is_isolated_now(),
        pending,
        health: r.health.clone(),
        last_seen: last_seen.map(rfc3339),
        os: r.os.clone(),
        risk: r.risk_word.clone(),
        exposure: r.exposure_word.clone(),
        device_value: r.value_word.clone(),
        tags: unframe_tags(&r.tags),
        group: some(&r.group),
        ip: some(&r.ip),
    }
}

#[cfg(test)]
#[path = "grid_record_tests.rs"]
mod tests;
