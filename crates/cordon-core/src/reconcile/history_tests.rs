//! Table tests of the History view: each filter, newest-first rows, per-day counts,
//! validation, and the CSV (RFC 4180 quoting, formula neutralisation).
#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

const M1: &str = "1111111111111111111111111111111111111111";
const M2: &str = "2222222222222222222222222222222222222222";

fn machine(id: &str, name: &str) -> Machine {
    serde_json::from_value(json!({"id": id, "computerDnsName": name, "healthStatus": "Active"}))
        .unwrap()
}

fn action(
    id: &str,
    kind: &str,
    status: &str,
    m: &str,
    created: &str,
    who: &str,
    comment: &str,
) -> MachineAction {
    serde_json::from_value(json!({
        "id": id, "type": kind, "status": status, "machineId": m,
        "requestor": who, "requestorComment": comment,
        "creationDateTimeUtc": created,
        "lastUpdateDateTimeUtc": created,
    }))
    .unwrap()
}

fn fixture() -> (Vec<Machine>, Vec<MachineAction>) {
    let machines = vec![
        machine(M1, "ws-fin-0001.contoso.local"),
        machine(M2, "lt-sales-0042.contoso.local"),
    ];
    let actions = vec![
        action(
            "a1",
            "Isolate",
            "Succeeded",
            M1,
            "2026-11-20T08:00:00Z",
            "alice@contoso.example",
            "phish",
        ),
        action(
            "a2",
            "Unisolate",
            "Succeeded",
            M1,
            "2026-11-20T17:30:00Z",
            "bob@contoso.example",
            "clean",
        ),
        action(
            "a3",
            "Isolate",
            "Succeeded",
            M2,
            "2026-11-22T23:59:59Z",
            "Automation",
            "alert - da1",
        ),
        action(
            "a4",
            "Unisolate",
            "TimeOut",
            M2,
            "2026-11-23T00:00:00Z",
            "bob@contoso.example",
            "FP",
        ),
        action(
            "a5",
            "RunAntiVirusScan",
            "Succeeded",
            M2,
            "2026-11-23T01:00:00Z",
            "bob@contoso.example",
            "scan",
        ),
        // A machine the cache does not know: its name comes from the action, or its id.
        action(
            "a6",
            "Isolate",
            "Pending",
            "3333333333333333333333333333333333333333",
            "2026-11-23T02:00:00Z",
            "carol@contoso.example",
            "x",
        ),
    ];
    (machines, actions)
}

fn ids(f: HistoryFilter) -> Vec<String> {
    let (m, a) = fixture();
    history(&m, &a, &f)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.action_id)
        .collect()
}

#[test]
fn filters_table() {
    let s = |v: &str| Some(v.to_string());
    let cases: Vec<(&str, HistoryFilter, Vec<&str>)> = vec![
        (
            "everything, newest first, no scans",
            HistoryFilter::default(),
            vec!["a6", "a4", "a3", "a2", "a1"],
        ),
        (
            "kind isolate",
            HistoryFilter {
                kind: Some(JobKind::Isolate),
                ..Default::default()
            },
            vec!["a6", "a3", "a1"],
        ),
        (
            "kind release",
            HistoryFilter {
                kind: Some(JobKind::Release),
                ..Default::default()
            },
            vec!["a4", "a2"],
        ),
        (
            "status, any case",
            HistoryFilter {
                status: s("timeout"),
                ..Default::default()
            },
            vec!["a4"],
        ),
        (
            "requestor substring",
            HistoryFilter {
                requestor: s("BOB@"),
                ..Default::default()
            },
            vec!["a4", "a2"],
        ),
        (
            "machine by id",
            HistoryFilter {
                machine: s(M2),
                ..Default::default()
            },
            vec!["a4", "a3"],
        ),
        (
            "machine by name part",
            HistoryFilter {
                machine: s("FIN-0001"),
                ..Default::default()
            },
            vec!["a2", "a1"],
        ),
        (
            "since a date",
            HistoryFilter {
                since: s("2026-11-22"),
                ..Default::default()
            },
            vec!["a6", "a4", "a3"],
        ),
        (
            "until a date is inclusive",
            HistoryFilter {
                until: s("2026-11-22"),
                ..Default::default()
            },
            vec!["a3", "a2", "a1"],
        ),
        (
            "since and until times",
            HistoryFilter {
                since: s("2026-11-20T17:30:00Z"),
                until: s("2026-11-23T00:00:00+00:00"),
                ..Default::default()
            },
            vec!["a4", "a3", "a2"],
        ),
        (
            "all together",
            HistoryFilter {
                kind: Some(JobKind::Release),
                status: s("Succeeded"),
                requestor: s("bob"),
                machine: s("ws-fin"),
                since: s("2026-11-01"),
                until: s("2026-11-30"),
                limit: Some(5),
                offset: Some(0),
                utc_offset_minutes: None,
            },
            vec!["a2"],
        ),
        (
            "blank fields are no filter",
            HistoryFilter {
                status: s("  "),
                machine: s(""),
                ..Default::default()
            },
            vec!["a6", "a4", "a3", "a2", "a1"],
        ),
    ];
    for (name, f, want) in cases {
        assert_eq!(ids(f), want, "{name}");
    }
}

#[test]
fn rows_carry_names_and_times() {
    let (m, a) = fixture();
    let h = history(&m, &a, &HistoryFilter::default()).unwrap();
    let a6 = &h.rows[0];
    assert_eq!(a6.machine_name, "3333333333333333333333333333333333333333");
    let a3 = &h.rows[2];
    assert_eq!(a3.machine_name, "lt-sales-0042.contoso.local");
    assert_eq!(a3.kind, JobKind::Isolate);
    assert_eq!(a3.created, "2026-11-22T23:59:59Z");
    assert_eq!(a3.updated.as_deref(), Some("2026-11-22T23:59:59Z"));
    assert_eq!(a3.requestor, "Automation");
    assert_eq!(a3.comment, "alert - da1");
}

#[test]
fn per_day_counts_by_creation_day_with_gaps_filled() {
    let (m, a) = fixture();
    let h = history(&m, &a, &HistoryFilter::default()).unwrap();
    let days: Vec<(&str, u32, u32)> = h
        .per_day
        .iter()
        .map(|d| (d.day.as_str(), d.isolations, d.releases))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-11-20", 1, 1),
            ("2026-11-21", 0, 0),
            ("2026-11-22", 1, 0),
            ("2026-11-23", 1, 1),
        ]
    );
    // The chart follows the filter.
    let f = HistoryFilter {
        kind: Some(JobKind::Release),
        ..Default::default()
    };
    let h = history(&m, &a, &f).unwrap();
    assert_eq!(h.per_day.len(), 4);
    assert_eq!(h.per_day.iter().map(|d| d.isolations).sum::<u32>(), 0);
    assert_eq!(h.per_day.iter().map(|d| d.releases).sum::<u32>(), 2);
    let none = HistoryFilter {
        requestor: Some("nobody".into()),
        ..Default::default()
    };
    let h = history(&m, &a, &none).unwrap();
    assert!(h.rows.is_empty() && h.per_day.is_empty());
}

/// The chart counts the viewer's local days: an isolation at 23:59:59 UTC is the next
/// day an hour east of UTC, a release at midnight UTC the day before an hour west.
#[test]
fn per_day_counts_the_viewers_local_days() {
    let (m, a) = fixture();
    let days = |offset: Option<i32>| -> Vec<(String, u32, u32)> {
        let f = HistoryFilter {
            since: Some("2026-11-22".into()),
            until: Some("2026-11-23T00:30:00Z".into()),
            utc_offset_minutes: offset,
            ..Default::default()
        };
        history(&m, &a, &f)
            .unwrap()
            .per_day
            .into_iter()
            .map(|d| (d.day, d.isolations, d.releases))
            .collect()
    };
    let utc = days(None);
    assert_eq!(utc, days(Some(0)));
    assert_eq!(
        utc,
        vec![("2026-11-22".into(), 1, 0), ("2026-11-23".into(), 0, 1)]
    );
    assert_eq!(days(Some(60)), vec![("2026-11-23".into(), 1, 1)]);
    assert_eq!(days(Some(-60)), vec![("2026-11-22".into(), 1, 1)]);
    // An absurd offset is clamped to UTC+14:00, never a panic.
    assert_eq!(days(Some(i32::MAX)), vec![("2026-11-23".into(), 1, 1)]);
}

#[test]
fn bad_filters_are_refused_with_the_field() {
    let (m, a) = fixture();
    let cases: Vec<(HistoryFilter, &str)> = vec![
        (
            HistoryFilter {
                status: Some("Done".into()),
                ..Default::default()
            },
            "status",
        ),
        (
            HistoryFilter {
                since: Some("yesterday".into()),
                ..Default::default()
            },
            "since",
        ),
        (
            HistoryFilter {
                until: Some("31/01/2026".into()),
                ..Default::default()
            },
            "until",
        ),
        (
            HistoryFilter {
                since: Some("2026-11-23".into()),
                until: Some("2026-11-22".into()),
                ..Default::default()
            },
            "until",
        ),
    ];
    for (f, field) in cases {
        match history(&m, &a, &f) {
            Err(CoreError::Invalid { field: got, .. }) => assert_eq!(got, field, "{f:?}"),
            other => panic!("{f:?}: {other:?}"),
        }
    }
}

#[test]
fn csv_has_a_header_and_one_crlf_line_per_row() {
    let (m, mut a) = fixture();
    a.push(action(
        "a7",
        "Unisolate",
        "Failed",
        M1,
        "2026-11-24T00:00:00Z",
        "eve@contoso.example",
        "=cmd|' /C calc'!A0, \"quoted\"",
    ));
    let h = history(&m, &a, &HistoryFilter::default()).unwrap();
    let text = csv(&h).unwrap();
    assert!(text.starts_with(crate::export::BOM), "UTF-8 BOM for Excel");
    let lines: Vec<&str> = text
        .trim_start_matches(crate::export::BOM)
        .split("\r\n")
        .collect();
    assert_eq!(lines.len(), h.rows.len() + 2, "header + rows + final empty");
    assert_eq!(
        lines[0],
        "\"created\",\"updated\",\"type\",\"status\",\"machine\",\"machineId\",\"requestor\",\"comment\",\"actionId\""
    );
    assert_eq!(
        lines[1],
        format!(
            "\"2026-11-24T00:00:00Z\",\"2026-11-24T00:00:00Z\",\"Release\",\"Failed\",\"ws-fin-0001.contoso.local\",\"{M1}\",\"eve@contoso.example\",\"'=cmd|' /C calc'!A0, \"\"quoted\"\"\",\"a7\""
        )
    );
    assert_eq!(lines.last(), Some(&""));
    assert!(text.ends_with("\r\n"));
}

#[test]
fn extreme_dates_neither_panic_nor_fill_millions_of_days() {
    let (m, mut a) = fixture();
    for extreme in [
        "+262142-12-31",
        "262142-12-31",
        "9999-12-31",
        "-262143-01-01",
        "0000-01-01",
    ] {
        let until = HistoryFilter {
            until: Some(extreme.into()),
            since: Some(extreme.into()),
            ..HistoryFilter::default()
        };
        match history(&m, &a, &until) {
            Ok(_) | Err(CoreError::Invalid { .. }) => {}
            Err(e) => panic!("{extreme}: {e:?}"),
        }
    }
    let last_day = NaiveDate::MAX.format("%Y-%m-%d").to_string();
    assert_eq!(
        bound("until", &last_day, true).ok(),
        Some(DateTime::<Utc>::MAX_UTC),
        "{last_day}: the last representable day saturates"
    );
    a.push(action(
        "far",
        "Isolate",
        "Succeeded",
        M1,
        "9999-12-31T00:00:00Z",
        "eve@contoso.example",
        "far future",
    ));
    let h = history(&m, &a, &HistoryFilter::default()).unwrap();
    assert!(h.per_day.len() < 100, "{} days", h.per_day.len());
    assert_eq!(h.per_day.last().map(|d| d.day.as_str()), Some("9999-12-31"));
}

/// Finding 11: the view gets a page of the rows (newest first); `total` and the per-day
/// counts stay over every match, so the chart is right whatever the page.
#[test]
fn history_is_paged_and_the_chart_counts_every_match() {
    use crate::dto::jobs::{DEFAULT_PAGE, MAX_PAGE};
    let machines = vec![machine(M1, "ws-fin-0001.contoso.local")];
    let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    // 12,000 actions, one a minute; every third is a release by bob.
    let actions: Vec<MachineAction> = (0..12_000i64)
        .map(|i| {
            let (kind, who) = if i % 3 == 0 {
                ("Unisolate", "bob@contoso.example")
            } else {
                ("Isolate", "alice@contoso.example")
            };
            let at = rfc3339(start + Duration::minutes(i));
            action(&format!("a{i:05}"), kind, "Succeeded", M1, &at, who, "c")
        })
        .collect();
    let run = |f: HistoryFilter| history(&machines, &actions, &f).unwrap();

    let first = run(HistoryFilter::default());
    assert_eq!(first.total, 12_000);
    assert_eq!((first.offset, first.limit), (0, DEFAULT_PAGE));
    assert_eq!(first.rows.len(), DEFAULT_PAGE as usize);
    assert_eq!(first.rows[0].action_id, "a11999", "newest first");
    let charted: u32 = first
        .per_day
        .iter()
        .map(|d| d.isolations + d.releases)
        .sum();
    assert_eq!(
        charted, 12_000,
        "the chart counts every match, not the page"
    );

    let p = run(HistoryFilter {
        offset: Some(10),
        limit: Some(3),
        ..HistoryFilter::default()
    });
    assert_eq!(
        p.rows
            .iter()
            .map(|r| r.action_id.as_str())
            .collect::<Vec<_>>(),
        ["a11989", "a11988", "a11987"]
    );
    assert_eq!(p.per_day, first.per_day);
    let tail = run(HistoryFilter {
        offset: Some(11_999),
        limit: Some(3),
        ..HistoryFilter::default()
    });
    assert_eq!(tail.rows.len(), 1);
    assert!(
        run(HistoryFilter {
            offset: Some(50_000),
            ..HistoryFilter::default()
        })
        .rows
        .is_empty()
    );

    let big = run(HistoryFilter {
        limit: Some(u32::MAX),
        ..HistoryFilter::default()
    });
    assert_eq!(big.limit, MAX_PAGE);
    assert_eq!(big.rows.len(), MAX_PAGE as usize);

    // A filter with a limit: only matches, a page of them, counted over all matches.
    let bob = run(HistoryFilter {
        requestor: Some("BOB".into()),
        limit: Some(5),
        ..HistoryFilter::default()
    });
    assert_eq!(bob.total, 4_000);
    assert_eq!(bob.rows.len(), 5);
    assert!(bob.rows.iter().all(|r| r.requestor.starts_with("bob")));
    let released: u32 = bob.per_day.iter().map(|d| d.releases).sum();
    assert_eq!(released, 4_000);

    // The export path: every match.
    let all = history_all_from(&machines, &actions, &HistoryFilter::default()).unwrap();
    assert_eq!(all.rows.len(), 12_000);
}
