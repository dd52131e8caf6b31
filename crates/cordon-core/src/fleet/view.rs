//! Builds what the UI shows (rows, counters, timelines) from the cached wire data.
//!
//! Pure: a function of (machines, actions, now, thresholds). The badges and counters of
//! every view come from here, so they always agree with the derivation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use mde_api::{ActionStatus, ActionType, Machine, MachineAction};

use crate::dto::{Counters, IsolationState, MachineDetail, MachineRow, TimelineEntry};
use crate::error::Result;
use crate::fleet::derive::{self, IsolationAction, Kind, Liveness, StateKind, Status, Thresholds};
use crate::time::rfc3339;

/// Defender's action status as the derivation reads it (a status this version does not
/// know is `Unknown`: never fatal, never "done").
pub fn status_of(s: &ActionStatus) -> Status {
    match s {
        ActionStatus::Pending => Status::Pending,
        ActionStatus::InProgress => Status::InProgress,
        ActionStatus::Succeeded => Status::Succeeded,
        ActionStatus::Failed => Status::Failed,
        ActionStatus::TimeOut => Status::TimeOut,
        ActionStatus::Cancelled => Status::Cancelled,
        _ => Status::Unknown,
    }
}

/// Maps a wire action to the derivation's input; `None` for other action types.
pub fn isolation_action(a: &MachineAction) -> Option<IsolationAction> {
    let kind = match a.action_type {
        ActionType::Isolate => Kind::Isolate,
        ActionType::Unisolate => Kind::Unisolate,
        _ => return None,
    };
    let status = status_of(&a.status);
    Some(IsolationAction {
        id: a.id.clone(),
        kind,
        status,
        created: a.creation_date_time_utc,
        updated: a.last_update_date_time_utc,
        requestor: a.requestor.clone().unwrap_or_default(),
        comment: a.requestor_comment.clone().unwrap_or_default(),
        scope: a.scope.clone(),
    })
}

/// Groups the isolation actions by machine id.
pub fn by_machine<'a>(
    actions: impl IntoIterator<Item = &'a MachineAction>,
) -> HashMap<String, Vec<IsolationAction>> {
    let mut map: HashMap<String, Vec<IsolationAction>> = HashMap::new();
    for a in actions {
        if let Some(ia) = isolation_action(a) {
            let Some(mid) = a.machine_id.as_deref() else {
                continue;
            };
            map.entry(mid.to_ascii_lowercase()).or_default().push(ia);
        }
    }
    map
}

pub(crate) fn state_dto(k: StateKind) -> IsolationState {
    match k {
        StateKind::NotIsolated => IsolationState::NotIsolated,
        StateKind::Isolating => IsolationState::Isolating,
        StateKind::Isolated => IsolationState::Isolated,
        StateKind::Releasing => IsolationState::Releasing,
        StateKind::ReleaseStuck => IsolationState::ReleaseStuck,
        StateKind::IsolationFailed => IsolationState::IsolationFailed,
    }
}

/// One Machines-view row.
pub fn machine_row(
    m: &Machine,
    actions: &[IsolationAction],
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> MachineRow {
    let live = Liveness {
        health: Some(m.health_status.as_str().to_owned()),
        last_full_report: m.last_seen,
    };
    let d = derive::derive(actions, &live, now, thresholds);
    MachineRow {
        id: m.id.clone(),
        name: m.computer_dns_name.clone().unwrap_or_else(|| m.id.clone()),
        state: state_dto(d.kind),
        reason: d.reason,
        since: d.since.map(rfc3339),
        isolated_now: d.kind.is_isolated_now(),
        pending: actions.iter().any(|a| a.status.in_flight()),
        health: m.health_status.as_str().to_owned(),
        last_seen: m.last_seen.map(rfc3339),
        os: m.os_platform.clone().unwrap_or_default(),
        risk: m.risk_score.as_ref().map(|r| r.as_str().to_owned()),
        exposure: m.exposure_level.as_ref().map(|r| r.as_str().to_owned()),
        device_value: m.device_value.as_ref().map(|r| r.as_str().to_owned()),
        tags: m.machine_tags.clone(),
        group: m.rbac_group_name.clone(),
        ip: m.last_ip_address.clone(),
    }
}

/// Rows (sorted by name) and counters for a whole tenant.
pub fn rows(
    machines: &[Machine],
    actions: &HashMap<String, Vec<IsolationAction>>,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> (Vec<MachineRow>, Counters) {
    let mut out: Vec<MachineRow> = machines
        .iter()
        .map(|m| {
            let acts = actions
                .get(&m.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            machine_row(m, acts, now, thresholds)
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let counters = count(&out);
    (out, counters)
}

/// Counters over rows.
pub fn count(rows: &[MachineRow]) -> Counters {
    let mut c = Counters::default();
    for r in rows {
        c.total += 1;
        if r.isolated_now {
            c.isolated_now += 1;
        }
        match r.state {
            IsolationState::Isolating => c.isolating += 1,
            IsolationState::Releasing => c.releasing += 1,
            IsolationState::ReleaseStuck => c.stuck += 1,
            IsolationState::IsolationFailed => c.isolation_failed += 1,
            IsolationState::NotIsolated | IsolationState::Isolated => {}
        }
    }
    c
}

/// A machine's detail: its row, properties and isolation timeline (newest first).
pub fn detail(
    m: &Machine,
    all_actions: &[&MachineAction],
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> MachineDetail {
    let isolation: Vec<IsolationAction> = all_actions
        .iter()
        .filter_map(|a| isolation_action(a))
        .collect();
    let mut timeline: Vec<TimelineEntry> = all_actions
        .iter()
        .filter(|a| matches!(a.action_type, ActionType::Isolate | ActionType::Unisolate))
        .map(|a| TimelineEntry {
            action_id: a.id.clone(),
            action_type: a.action_type.as_str().to_owned(),
            status: a.status.as_str().to_owned(),
            scope: a.scope.clone(),
            requestor: a.requestor.clone().unwrap_or_default(),
            comment: a.requestor_comment.clone().unwrap_or_default(),
            created: rfc3339(a.creation_date_time_utc),
            updated: a.last_update_date_time_utc.map(rfc3339),
            cancelled_by: a.cancellation_requestor.clone(),
            cancel_comment: a.cancellation_comment.clone(),
        })
        .collect();
    timeline.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then_with(|| b.action_id.cmp(&a.action_id))
    });
    MachineDetail {
        machine: machine_row(m, &isolation, now, thresholds),
        os_version: m.version.clone(),
        first_seen: m.first_seen.map(rfc3339),
        aad_device_id: m.aad_device_id.clone(),
        ip_addresses: m
            .ip_addresses
            .iter()
            .filter_map(|ip| ip.ip_address.clone())
            .collect(),
        timeline,
    }
}

/// Machines as CSV ([`crate::export::csv`]: BOM, CRLF, every cell quoted,
/// formula-safe): the "isolated now" list a manager asks for.
pub fn csv<'a>(rows: impl IntoIterator<Item = &'a MachineRow>) -> Result<String> {
    let header = [
        "name",
        "id",
        "state",
        "isolatedNow",
        "reason",
        "since",
        "health",
        "lastSeen",
        "os",
        "ip",
        "risk",
        "exposure",
        "deviceValue",
        "tags",
        "group",
    ];
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    crate::export::csv(
        &header,
        rows.into_iter().map(|m| {
            [
                m.name.clone(),
                m.id.clone(),
                serde_json::to_value(m.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                if m.isolated_now { "yes" } else { "no" }.to_owned(),
                m.reason.clone(),
                opt(&m.since),
                m.health.clone(),
                opt(&m.last_seen),
                m.os.clone(),
                opt(&m.ip),
                opt(&m.risk),
                opt(&m.exposure),
                opt(&m.device_value),
                m.tags.join("; "),
                opt(&m.group),
            ]
        }),
    )
}
