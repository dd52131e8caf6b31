//! The simulator's truth, read back: its action ledger and request log, and the
//! assertions every reliability test ends with ("0 lost, 0 duplicated").
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cordon_core::App;
use cordon_core::dto::jobs::{ItemState, JobDetail, JobState};
use serde_json::Value;

use super::LoggedRequest;
use super::fleet::Fleet;

/// Actions of `kind` with `comment`, grouped by machine.
pub fn by_machine(ledger: &[Value], kind: &str, comment: &str) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for a in ledger {
        if a["type"] == kind && a["requestorComment"] == comment {
            let m = a["machineId"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            out.entry(m).or_default().push(a.clone());
        }
    }
    out
}

/// One line of the simulator's request log. `time` is the simulation clock when the
/// answer was written (100 ns resolution; at speed 1 it runs with real time).
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub time: DateTime<Utc>,
    pub fault: Option<String>,
    pub dropped: bool,
}

impl From<LoggedRequest> for Req {
    fn from(r: LoggedRequest) -> Self {
        Self {
            method: r.method,
            path: r.path,
            query: r.query.unwrap_or_default(),
            status: r.status,
            time: r.time,
            fault: r.fault,
            dropped: r.dropped,
        }
    }
}

impl Req {
    /// The machine of a `POST /api/machines/{id}/{verb}`.
    pub fn action_post(&self, verb: &str) -> Option<String> {
        if self.method != "POST" {
            return None;
        }
        let rest = self.path.split("/machines/").nth(1)?;
        let (id, v) = rest.split_once('/')?;
        v.eq_ignore_ascii_case(verb)
            .then(|| id.to_ascii_lowercase())
    }

    /// A read of machine actions that names `machine` (a lookup before any resend).
    pub fn is_lookup_of(&self, machine: &str) -> bool {
        self.method == "GET"
            && self.path.to_ascii_lowercase().contains("machineactions")
            && self.query.to_ascii_lowercase().contains(machine)
    }

    /// The server acted on it: an action exists (or already existed) because of it.
    pub fn processed(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The unisolate POSTs of the log, per machine, in log order.
pub fn release_posts(log: &[Req]) -> HashMap<String, Vec<Req>> {
    let mut out: HashMap<String, Vec<Req>> = HashMap::new();
    for r in log {
        if let Some(m) = r.action_post("unisolate") {
            out.entry(m).or_default().push(r.clone());
        }
    }
    out
}

/// The core assertion of every test: each machine of the job ended with exactly one
/// release in Defender (its own or the one it adopted, `existing`), the item names
/// that action, and no item is lost (every id has a terminal item).
pub fn assert_exactly_once(
    detail: &JobDetail,
    ids: &[String],
    releases: &HashMap<String, Vec<Value>>,
    existing: &HashMap<String, String>,
) {
    assert_eq!(detail.items.len(), ids.len(), "one item per machine");
    for id in ids {
        let item = detail
            .items
            .iter()
            .find(|i| i.machine_id.eq_ignore_ascii_case(id))
            .unwrap_or_else(|| panic!("lost: no item for {id}"));
        assert!(
            matches!(item.state, ItemState::Done | ItemState::Adopted),
            "{id}: {:?} {:?}",
            item.state,
            item.error
        );
        let ours = releases.get(id).map_or(0, Vec::len);
        match existing.get(id) {
            Some(action) => {
                assert_eq!(ours, 0, "{id}: adopted, so nothing new was created");
                assert_eq!(item.state, ItemState::Adopted, "{id}");
                assert_eq!(item.action_id.as_deref(), Some(action.as_str()), "{id}");
            }
            None => {
                assert_eq!(ours, 1, "{id}: exactly one release in Defender's ledger");
                let created = releases[id][0]["id"].as_str();
                assert_eq!(
                    item.action_id.as_deref(),
                    created,
                    "{id}: the item names it"
                );
            }
        }
    }
}

/// Polls the job until it leaves `running` (or panics after `limit`).
pub async fn wait_job(app: &App, id: &str, limit: Duration) -> JobDetail {
    let start = std::time::Instant::now();
    loop {
        let d = app.job(id).expect("job readable");
        if d.job.state != JobState::Running {
            return d;
        }
        assert!(
            start.elapsed() < limit,
            "job {id} still running after {limit:?}: {:?}",
            d.job
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the job until every item is terminal (after a cancel, in-flight items are
/// still being recorded when the job already says `cancelled`).
pub async fn wait_settled(app: &App, id: &str, limit: Duration) -> JobDetail {
    let start = std::time::Instant::now();
    loop {
        let d = app.job(id).expect("job readable");
        if d.job.state != JobState::Running && d.items.iter().all(|i| i.state.is_terminal()) {
            return d;
        }
        assert!(
            start.elapsed() < limit,
            "job {id} not settled after {limit:?}: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the ledger until `n` releases with `comment` exist.
pub async fn wait_releases(f: &Fleet, comment: &str, n: usize, limit: Duration) {
    let start = std::time::Instant::now();
    loop {
        let have: usize = f.releases(comment).await.values().map(Vec::len).sum();
        if have >= n {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "{have} of {n} releases after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Seconds between two log times.
pub fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6
}

/// The audit log tells each item's story (D-1 (d)): per machine, its `item.*` events
/// start with `planned`, end with the item's final state, nothing follows a terminal
/// one, and every step is one the runner may take.
pub fn assert_audit_matches(app: &App, detail: &JobDetail) {
    let audit = app
        .audit_all(&cordon_core::dto::jobs::AuditFilter {
            job_id: Some(detail.job.id.clone()),
            ..Default::default()
        })
        .expect("audit readable");
    let legal = |from: &str, to: &str| match from {
        "planned" => matches!(to, "sending" | "adopted" | "failed" | "cancelled"),
        "sending" => matches!(
            to,
            "done" | "adopted" | "failed" | "unknown" | "planned" | "cancelled"
        ),
        "unknown" => matches!(to, "adopted" | "planned" | "failed" | "cancelled"),
        _ => false,
    };
    for it in &detail.items {
        let steps: Vec<&str> = audit
            .iter()
            .filter(|e| e.machine_id.as_deref() == Some(it.machine_id.as_str()))
            .filter_map(|e| e.event.strip_prefix("item."))
            .collect();
        let id = &it.machine_id;
        assert_eq!(steps.first(), Some(&"planned"), "{id}: {steps:?}");
        let last = serde_json::to_value(it.state).unwrap();
        assert_eq!(steps.last().copied(), last.as_str(), "{id}: {steps:?}");
        for w in steps.windows(2) {
            assert!(legal(w[0], w[1]), "{id}: {} → {} in {steps:?}", w[0], w[1]);
        }
    }
}
