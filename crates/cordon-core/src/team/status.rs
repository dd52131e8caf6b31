//! The team's state in words: a pure function of the heartbeats, the leases, the
//! rule's last round and the clock (table-tested in `lease_tests.rs`).

use chrono::{DateTime, Utc};

use super::lease::{AUTOMATION_LEASE, LeaseRow, ProcessKind, ProcessRow, SYNC_LEASE};
use crate::dto::team::{TeamProcess, TeamStatus};

/// A process not seen for this long is gone (heartbeats come every 30 s).
pub const SILENT_AFTER: chrono::Duration = chrono::Duration::minutes(2);

/// "just now", "2 min ago", "3 h ago".
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (now - t).num_seconds().max(0);
    match s {
        0..=59 => "just now".to_owned(),
        60..=5399 => format!("{} min ago", (s + 30) / 60),
        _ => format!("{} h ago", (s + 1800) / 3600),
    }
}

/// The team status. `me` is this process's owner id; `where_` says where the store is.
pub fn describe(
    shared: bool,
    where_: &str,
    processes: &[ProcessRow],
    leases: &[LeaseRow],
    rule_last_run: Option<DateTime<Utc>>,
    me: &str,
    now: DateTime<Utc>,
) -> TeamStatus {
    let live = |l: &&LeaseRow| l.until > now;
    let leader = |name: &str| leases.iter().filter(live).find(|l| l.name == name);
    let automation = leader(AUTOMATION_LEASE);
    let alive: Vec<&ProcessRow> = processes
        .iter()
        .filter(|p| now - p.seen_at <= SILENT_AFTER)
        .collect();
    let row = |p: &&ProcessRow| TeamProcess {
        kind: p.kind.as_str().to_owned(),
        label: p.label.clone(),
        host: p.host.clone(),
        seen_at: crate::time::rfc3339(p.seen_at),
        me: p.owner == me,
        leads: Vec::new(),
    };
    let silent_agents = processes
        .iter()
        .filter(|p| p.kind == ProcessKind::Agent && now - p.seen_at > SILENT_AFTER)
        .map(|p| row(&p))
        .collect();
    let procs = alive
        .iter()
        .map(|p| TeamProcess {
            kind: p.kind.as_str().to_owned(),
            label: p.label.clone(),
            host: p.host.clone(),
            seen_at: crate::time::rfc3339(p.seen_at),
            me: p.owner == me,
            leads: leases
                .iter()
                .filter(live)
                .filter(|l| l.owner == p.owner)
                .map(|l| l.name.clone())
                .collect(),
        })
        .collect();
    let round = rule_last_run.map_or_else(
        || "no round yet".to_owned(),
        |t| format!("last round {}", ago(t, now)),
    );
    let summary = match automation {
        Some(l) if l.owner == me => format!("Automation runs here ({}), {round}.", l.label),
        Some(l) => format!("Automation runs on {}, {round}.", l.label),
        None => format!("No process runs the automation now ({round})."),
    };
    let agent_alive = alive.iter().any(|p| p.kind == ProcessKind::Agent);
    let warning = (shared && !agent_alive).then(|| {
        let last = processes
            .iter()
            .filter(|p| p.kind == ProcessKind::Agent)
            .map(|p| p.seen_at)
            .max();
        match last {
            Some(t) => format!(
                "No agent is running (the last one was seen {}): the rule and auto-reconcile run only while a desktop leads them.",
                ago(t, now)
            ),
            None => "No agent is running on this team store: the rule and auto-reconcile run only while a desktop leads them.".to_owned(),
        }
    });
    TeamStatus {
        shared,
        store: where_.to_owned(),
        processes: procs,
        automation_leader: automation.map(|l| l.label.clone()),
        sync_leader: leader(SYNC_LEASE).map(|l| l.label.clone()),
        summary,
        warning,
        silent_agents,
    }
}
