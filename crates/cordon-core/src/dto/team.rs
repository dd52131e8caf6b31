//! What the app shows of the team: which processes share the store, who leads the
//! sync and the automation, and whether an agent is alive.

use serde::{Deserialize, Serialize};
use specta::Type;

/// One process seen recently on the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamProcess {
    /// `agent`, `desktop` or `cli`.
    pub kind: String,
    pub label: String,
    pub host: String,
    /// Its last heartbeat, RFC 3339.
    pub seen_at: String,
    /// This very process.
    pub me: bool,
    /// The duties it leads now (`sync`, `automation`).
    pub leads: Vec<String>,
}

/// The team as this process sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    /// A team store (PostgreSQL) rather than this computer's file.
    pub shared: bool,
    /// Where the store is: "this computer" or `host:port/database`.
    pub store: String,
    /// Processes seen in the last few minutes, the latest first.
    pub processes: Vec<TeamProcess>,
    /// Who runs the isolation rule and auto-reconcile now (a label), if anyone.
    pub automation_leader: Option<String>,
    /// Who syncs with Defender now, if anyone.
    pub sync_leader: Option<String>,
    /// One sentence for the banner: "Automation runs on agent X, last round 2 min ago."
    pub summary: String,
    /// Set when no agent is alive on a team store (automation then waits for a desktop).
    pub warning: Option<String>,
    /// Agents seen in the last day whose heartbeats stopped without a clean stop.
    pub silent_agents: Vec<TeamProcess>,
}
