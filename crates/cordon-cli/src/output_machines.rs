//! `cordon machines --json`: the document `{asOf, machines, total}` written straight
//! from the rows, not through a `serde_json::Value` (at 50,000 rows building the value
//! tree cost as much as reading the store).
//!
//! The bytes are those the `Value` route printed: a `Value`'s object keys come out
//! sorted, so [`Row`] declares `MachineRow`'s fields in alphabetical order (the test
//! below compares both routes and fails when `MachineRow` gains a field).

use cordon_core::dto::{IsolationState, MachineRow};
use serde::Serialize;

use crate::output_json;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    as_of: Option<&'a str>,
    machines: Vec<Row<'a>>,
    total: usize,
}

/// A `MachineRow`, its fields in alphabetical order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    device_value: &'a Option<String>,
    exposure: &'a Option<String>,
    group: &'a Option<String>,
    health: &'a str,
    id: &'a str,
    ip: &'a Option<String>,
    isolated_now: bool,
    last_seen: &'a Option<String>,
    name: &'a str,
    os: &'a str,
    pending: bool,
    reason: &'a str,
    risk: &'a Option<String>,
    since: &'a Option<String>,
    state: IsolationState,
    tags: &'a [String],
}

fn row(r: &MachineRow) -> Row<'_> {
    Row {
        device_value: &r.device_value,
        exposure: &r.exposure,
        group: &r.group,
        health: &r.health,
        id: &r.id,
        ip: &r.ip,
        isolated_now: r.isolated_now,
        last_seen: &r.last_seen,
        name: &r.name,
        os: &r.os,
        pending: r.pending,
        reason: &r.reason,
        risk: &r.risk,
        since: &r.since,
        state: r.state,
        tags: &r.tags,
    }
}

fn doc<'a>(rows: &'a [MachineRow], as_of: Option<&'a str>) -> Doc<'a> {
    Doc {
        as_of,
        machines: rows.iter().map(row).collect(),
        total: rows.len(),
    }
}

/// Prints the machines list as JSON (ASCII only, like every `--json` answer).
pub fn print(rows: &[MachineRow], as_of: Option<&str>) {
    output_json::print(&doc(rows, as_of));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn a_row(name: &str, full: bool) -> MachineRow {
        let some = |s: &str| full.then(|| s.to_owned());
        MachineRow {
            id: "ab12".repeat(10),
            name: name.into(),
            state: IsolationState::ReleaseStuck,
            reason: "Release pending for 5 h (device Active): Zürich".into(),
            since: some("2026-03-02T10:00:00Z"),
            isolated_now: true,
            pending: true,
            health: "Active".into(),
            last_seen: some("2026-03-02T09:00:00Z"),
            os: "Windows11".into(),
            risk: some("High"),
            exposure: some("Low"),
            device_value: some("Normal"),
            tags: if full {
                vec!["vip".into(), "東京".into()]
            } else {
                vec![]
            },
            group: some("Finance"),
            ip: some("10.0.0.7"),
        }
    }

    #[test]
    fn the_document_is_byte_for_byte_the_value_routes() {
        let rows = vec![a_row("café-01", true), a_row("ws-02", false)];
        for as_of in [None, Some("2026-03-02T10:00:00.000Z")] {
            let by_value = serde_json::json!({
                "asOf": as_of,
                "total": rows.len(),
                "machines": rows,
            });
            let want = serde_json::to_string_pretty(&by_value).unwrap();
            let got = serde_json::to_string_pretty(&doc(&rows, as_of)).unwrap();
            assert_eq!(got, want);
        }
        let one = serde_json::to_value(row(&rows[0])).unwrap();
        assert_eq!(one, serde_json::to_value(&rows[0]).unwrap(), "every field");
    }
}
