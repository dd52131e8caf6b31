//! The grid table's row ([`GridRecord`]) and its compact encodings: the derived
//! state as a small integer whose order is the grid's "by state" order, ranks for
//! risk, exposure and value (so "by risk" sorts by severity), `\n`-framed tags (a tag
//! matches exactly).
//!
//! A record also holds what a row *shows* that is not a filter column (the display
//! name, the wire words of risk, exposure and value, and the named action's status,
//! requestor and comment: the derivation's [`Basis`](crate::fleet::derive::Basis)), so
//! a whole list (`cordon machines --isolated --json`) is one read of this table, with
//! no machine or action JSON parsed (`fleet/grid_record.rs` explains it at `now`).

use crate::dto::IsolationState;
use crate::fleet::derive::StateKind;

/// One machine as the grid's table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRecord {
    /// The machine id as Defender sends it (the `machines` table's key).
    pub id: String,
    /// The display name, lowercased (sort and search).
    pub name: String,
    /// [`state_code`] of the state derived without the stuck threshold.
    pub state: i64,
    /// When the state began (for `releasing`: the release's creation), as stored.
    pub since: Option<String>,
    pub health: String,
    pub os: String,
    pub risk: i64,
    pub exposure: i64,
    pub value: i64,
    pub group: String,
    /// `\n`-framed tags (`\na\nb\n`), empty when none: a tag is matched exactly.
    pub tags: String,
    pub last_seen: Option<String>,
    pub ip: String,
    /// The display name as shown (`name` is its lowercase).
    pub label: String,
    /// The wire words of `riskScore`, `exposureLevel`, `deviceValue` (`None`: not sent).
    pub risk_word: Option<String>,
    pub exposure_word: Option<String>,
    pub value_word: Option<String>,
    /// The status code of the action the state's sentence names
    /// (`fleet::grid_record::status_code`), `None` when none (never isolated).
    pub act: Option<i64>,
    /// That action's requestor and comment (empty when none).
    pub requestor: String,
    pub comment: String,
}

/// Every record matching a filter, by name, and the last sync time, in one read.
#[derive(Debug, Clone, Default)]
pub struct GridRows {
    pub as_of: Option<String>,
    pub records: Vec<GridRecord>,
}

/// The derived state's code: its order is the grid's "by state" order.
pub fn state_code(k: StateKind) -> i64 {
    match k {
        StateKind::NotIsolated => 0,
        StateKind::Isolating => 1,
        StateKind::IsolationFailed => 2,
        StateKind::Isolated => 3,
        StateKind::Releasing => 4,
        StateKind::ReleaseStuck => 5,
    }
}

pub(crate) fn dto_code(s: IsolationState) -> i64 {
    match s {
        IsolationState::NotIsolated => 0,
        IsolationState::Isolating => 1,
        IsolationState::IsolationFailed => 2,
        IsolationState::Isolated => 3,
        IsolationState::Releasing => 4,
        IsolationState::ReleaseStuck => 5,
    }
}

/// The state of a [`state_code`] (an unknown code reads as not isolated).
pub fn state_of(code: i64) -> StateKind {
    match code {
        1 => StateKind::Isolating,
        2 => StateKind::IsolationFailed,
        3 => StateKind::Isolated,
        4 => StateKind::Releasing,
        5 => StateKind::ReleaseStuck,
        _ => StateKind::NotIsolated,
    }
}

/// The rank of a `riskScore` (`""`: none sent; an unknown word ranks last).
pub fn risk_rank(s: &str) -> i64 {
    match s {
        "" => 0,
        "None" => 1,
        "Informational" => 2,
        "Low" => 3,
        "Medium" => 4,
        "High" => 5,
        _ => 9,
    }
}

/// The rank of an `exposureLevel`.
pub fn exposure_rank(s: &str) -> i64 {
    match s {
        "" => 0,
        "None" => 1,
        "Low" => 2,
        "Medium" => 3,
        "High" => 4,
        _ => 9,
    }
}

/// The rank of a `deviceValue`.
pub fn value_rank(s: &str) -> i64 {
    match s {
        "" => 0,
        "Low" => 1,
        "Normal" => 2,
        "High" => 3,
        _ => 9,
    }
}

/// `tags` framed for exact matching.
pub fn frame_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n");
    for t in tags {
        s.push_str(&t.replace('\n', " "));
        s.push('\n');
    }
    s
}

/// The tags of [`frame_tags`]' text.
pub fn unframe_tags(framed: &str) -> Vec<String> {
    framed
        .strip_prefix('\n')
        .and_then(|t| t.strip_suffix('\n'))
        .map(|t| t.split('\n').map(str::to_owned).collect())
        .unwrap_or_default()
}
