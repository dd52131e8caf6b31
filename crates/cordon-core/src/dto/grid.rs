//! The machine grid's questions and answers: the UI (and the CLI) ask the core for a
//! window of the fleet — filtered, searched and sorted in the store — and get only
//! that window back, with the total, the store's change cursor and when the data was
//! last synced. "Select all N matching" is a [`GridFilter`] too: a bulk preview
//! resolves it in the core (`BulkRequest::matching`), never a list of N ids in the UI.

use serde::{Deserialize, Serialize};
use specta::Type;

use super::{IsolationState, MachineRow};

/// Which machines (every field optional; all given ones must match, and within a
/// list any value matches).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct GridFilter {
    /// Text in the name, the id or the IP address (case-insensitive).
    pub search: Option<String>,
    /// Only machines cut off right now (isolated, releasing, release stuck).
    pub isolated_now: bool,
    /// Only machines whose isolation or release is still pending at Defender (a
    /// release stuck past its expiry, timed out, is not): what "Cancel pending" acts on.
    pub pending: bool,
    /// Derived states (e.g. `isolating` + `releasing` for "pending").
    pub states: Vec<IsolationState>,
    /// Defender's `healthStatus` (`Active`, `Inactive`, …).
    pub health: Vec<String>,
    /// `osPlatform` (`Windows11`, `Linux`, …).
    pub os: Vec<String>,
    /// `riskScore`; `""` matches machines without one.
    pub risk: Vec<String>,
    /// `exposureLevel`; `""` matches machines without one.
    pub exposure: Vec<String>,
    /// Machine tags: a machine with any of them.
    pub tags: Vec<String>,
    /// Device groups (`rbacGroupName`); `""` matches machines in none.
    pub groups: Vec<String>,
    /// `deviceValue` (`Low`, `Normal`, `High`); `""` matches machines without one.
    pub device_value: Vec<String>,
}

/// A column the grid sorts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum GridColumn {
    #[default]
    Name,
    State,
    Since,
    Health,
    LastSeen,
    Os,
    /// By severity (none < informational < low < medium < high), not alphabetically.
    Risk,
    /// By level (none < low < medium < high).
    Exposure,
    /// By value (low < normal < high).
    DeviceValue,
    Group,
    Tags,
    Ip,
}

/// A sort: a column and a direction; ties are broken by name, then id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct GridSort {
    pub column: GridColumn,
    pub descending: bool,
}

/// One window of the grid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct GridQuery {
    pub filter: GridFilter,
    pub sort: GridSort,
    /// The first row of the window (0-based) in the filtered, sorted list.
    pub offset: u32,
    /// How many rows at most ([`GRID_MAX_LIMIT`] caps it).
    pub limit: u32,
}

/// The most rows one window holds.
pub const GRID_MAX_LIMIT: u32 = 1000;

/// One row of a window, with the store's version of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GridRow {
    /// The change cursor at which the row last changed: a row whose version did not
    /// move since the UI fetched it is the same row.
    pub version: u32,
    pub machine: MachineRow,
}

/// The answer to a [`GridQuery`]: the window only, the number of matching machines,
/// and how current the store is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GridPage {
    /// Machines matching the filter (the whole list, not the window).
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<GridRow>,
    /// The store's change cursor when the window was read ([`GridChanges`]).
    pub cursor: u32,
    /// The last successful sync the store holds, RFC 3339 (`None`: never synced).
    pub as_of: Option<String>,
}

/// What changed in the store since a cursor: an idle refresh answers `changed: 0`
/// and the UI fetches nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GridChanges {
    /// The store's cursor now.
    pub cursor: u32,
    /// Rows changed (or added) since the cursor asked about.
    pub changed: u32,
    /// Machines removed since then.
    pub removed: u32,
    /// The ids of the changed rows (at most [`GRID_CHANGED_IDS`]; `truncated` beyond).
    pub ids: Vec<String>,
    pub truncated: bool,
}

/// The most ids one [`GridChanges`] lists.
pub const GRID_CHANGED_IDS: u32 = 500;
