//! Table tests of grouping: a storm is one group whatever its per-machine alert ids,
//! windows, requestors and detections split groups, released machines leave a group
//! without changing its id, and templates keep what is not an id.
#![allow(clippy::unwrap_used)]

use chrono::TimeZone;
use serde_json::json;

use super::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0).unwrap() + Duration::seconds(secs)
}

fn mid(n: usize) -> String {
    format!("{n:040x}")
}

fn machine(n: usize) -> Machine {
    serde_json::from_value(json!({
        "id": mid(n),
        "computerDnsName": format!("ws-{n:03}.contoso.local"),
        "healthStatus": "Active",
        "lastSeen": rfc3339(t(0)),
    }))
    .unwrap()
}

fn alert_id(n: usize) -> String {
    format!("da63890123456{n:05}_-{}", 1000 + n)
}

fn alert(n: usize, title: &str) -> Alert {
    serde_json::from_value(json!({"id": alert_id(n), "title": title})).unwrap()
}

fn action(
    id: &str,
    kind: &str,
    status: &str,
    m: usize,
    at: i64,
    requestor: &str,
    comment: &str,
) -> MachineAction {
    serde_json::from_value(json!({
        "id": id,
        "type": kind,
        "status": status,
        "machineId": mid(m),
        "requestor": requestor,
        "requestorComment": comment,
        "creationDateTimeUtc": rfc3339(t(at)),
        "lastUpdateDateTimeUtc": rfc3339(t(at + 60)),
    }))
    .unwrap()
}

const AUTO: &str = "Contoso Isolation Automation";
const WACATAC: &str = "'Wacatac' malware was detected";

/// Machine `m` isolated by the automation at `at` for alert `m`.
fn storm_isolation(m: usize, at: i64) -> MachineAction {
    action(
        &format!("iso-{m}"),
        "Isolate",
        "Succeeded",
        m,
        at,
        AUTO,
        &format!("Isolate machine because alert - {}", alert_id(m)),
    )
}

fn ids(g: &IsolationGroup) -> Vec<String> {
    g.machines.iter().map(|m| m.id.clone()).collect()
}

#[test]
fn a_storm_is_one_group_titled_by_its_detection() {
    let machines: Vec<Machine> = (0..10).map(machine).collect();
    let alerts: Vec<Alert> = (0..10).map(|n| alert(n, WACATAC)).collect();
    let actions: Vec<MachineAction> = (0..10).map(|m| storm_isolation(m, m as i64 * 20)).collect();
    let now = t(3600);
    let g = groups(&machines, &actions, &alerts, now);
    assert_eq!(g.len(), 1, "{g:#?}");
    assert_eq!(g[0].title, "Alert: 'Wacatac' malware was detected");
    assert_eq!(g[0].comment, "Isolate machine because alert - …");
    assert_eq!(g[0].requestor, AUTO);
    assert_eq!(g[0].count, 10);
    assert_eq!(g[0].first_at, "2026-11-27T01:00:00Z");
    assert_eq!(g[0].last_at, "2026-11-27T01:03:00Z");
    assert_eq!(g[0].machines[0].name, "ws-000.contoso.local");
    assert_eq!(
        g[0].id,
        group_id(AUTO, "Isolate machine because alert - …", t(0))
    );
    assert_eq!(g[0].id.len(), 12);

    // Without the alerts the comment is the title; the id does not change.
    let bare = groups(&machines, &actions, &[], now);
    assert_eq!(bare[0].title, "Isolate machine because alert - …");
    assert_eq!(bare[0].id, g[0].id);

    // Releasing two machines (one done, one still pending) keeps the id; only the
    // released one leaves the group.
    let mut more = actions.clone();
    more.push(action(
        "rel-0",
        "Unisolate",
        "Succeeded",
        0,
        1000,
        "bob",
        "FP",
    ));
    more.push(action(
        "rel-1",
        "Unisolate",
        "Pending",
        1,
        1000,
        "bob",
        "FP",
    ));
    let after = groups(&machines, &more, &alerts, now);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, g[0].id);
    assert_eq!(after[0].count, 9);
    assert!(!ids(&after[0]).contains(&mid(0)));
    assert!(
        ids(&after[0]).contains(&mid(1)),
        "a pending release is still isolated"
    );
}

#[test]
fn windows_requestors_and_detections_split_groups() {
    let machines: Vec<Machine> = (0..8).map(machine).collect();
    let mut alerts: Vec<Alert> = (0..6).map(|n| alert(n, WACATAC)).collect();
    alerts.push(alert(6, "Suspicious PowerShell command line"));
    let mut actions: Vec<MachineAction> =
        (0..3).map(|m| storm_isolation(m, m as i64 * 60)).collect();
    // Three more, the first 2 h 1 min after the previous one: a new group.
    for m in 3..6 {
        actions.push(storm_isolation(m, 120 + 7260 + (m as i64 - 3) * 60));
    }
    // Same template, another detection, inside the first window.
    actions.push(storm_isolation(6, 30));
    // A person, same time, another comment.
    actions.push(action(
        "iso-7",
        "Isolate",
        "Succeeded",
        7,
        40,
        "carol@contoso.example",
        "Beaconing to a newly registered domain",
    ));
    let g = groups(&machines, &actions, &alerts, t(20_000));
    let mut seen: Vec<(String, u32)> = g.iter().map(|g| (g.title.clone(), g.count)).collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("Alert: 'Wacatac' malware was detected".to_string(), 3),
            ("Alert: 'Wacatac' malware was detected".to_string(), 3),
            ("Alert: Suspicious PowerShell command line".to_string(), 1),
            ("Beaconing to a newly registered domain".to_string(), 1),
        ]
    );
    // Largest first, then newest.
    assert_eq!(g[0].first_at, rfc3339(t(7380)));
    let all: usize = g.iter().map(|g| g.machines.len()).sum();
    assert_eq!(all, 8, "every isolated machine is in exactly one group");
}

#[test]
fn only_machines_isolated_now_are_members() {
    let machines: Vec<Machine> = (0..3).map(machine).collect();
    let actions = vec![
        storm_isolation(0, 0),
        // Pending isolation: not isolated yet.
        action(
            "iso-1",
            "Isolate",
            "Pending",
            1,
            10,
            AUTO,
            "Isolate machine because alert - da1234567_1",
        ),
        // Failed isolation.
        action(
            "iso-2",
            "Isolate",
            "Failed",
            2,
            20,
            AUTO,
            "Isolate machine because alert - da1234567_2",
        ),
    ];
    let g = groups(&machines, &actions, &[], t(600));
    assert_eq!(g.len(), 1);
    assert_eq!(ids(&g[0]), vec![mid(0)]);
    // The failed and pending isolations still belong to the cluster: its id starts at
    // the first isolation.
    assert_eq!(g[0].first_at, rfc3339(t(0)));
    assert_eq!(g[0].last_at, rfc3339(t(20)));

    let released = vec![
        storm_isolation(0, 0),
        action("rel-0", "Unisolate", "Succeeded", 0, 100, "bob", "FP"),
    ];
    assert!(groups(&machines, &released, &[], t(600)).is_empty());
}

#[test]
fn isolated_now_names_the_isolating_action() {
    let machines: Vec<Machine> = (0..2).map(machine).collect();
    let actions = vec![
        storm_isolation(0, 0),
        action("rel-0", "Unisolate", "Succeeded", 0, 100, "bob", "FP"),
        action("iso-0b", "Isolate", "Succeeded", 0, 200, "carol", "again"),
        storm_isolation(1, 0),
    ];
    let mut got: Vec<(String, String)> = isolated_now(&machines, &actions, t(600))
        .into_iter()
        .map(|(m, a)| (m.id, a.id))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (mid(0), "iso-0b".to_string()),
            (mid(1), "iso-1".to_string())
        ]
    );
}

#[test]
fn templates_take_ids_out_and_keep_the_rest() {
    let titles: HashMap<&str, &str> = HashMap::from([("da6381_-5", "Known")]);
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "Isolate machine because alert - da638123456789012345_-12345",
            "Isolate machine because alert - …",
            None,
        ),
        (
            "Isolate because alert - da6381_-5",
            "Isolate because alert - …",
            Some("Known"),
        ),
        (
            "Confirmed compromise: Cobalt Strike beacon (incident 4821, alert da638999999999_77) - keep isolated",
            "Confirmed compromise: Cobalt Strike beacon (incident 4821, alert …) - keep isolated",
            None,
        ),
        (
            "Ransomware precursor, per IR playbook IR-07",
            "Ransomware precursor, per IR playbook IR-07",
            None,
        ),
        (
            "  machine 1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d   guid 0b6f9f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b ",
            "machine … guid …",
            None,
        ),
    ];
    for (comment, want, title) in cases {
        let (got, t) = template(comment, &titles);
        assert_eq!(got, *want, "{comment}");
        assert_eq!(t.as_deref(), *title, "{comment}");
    }
}

#[test]
fn group_ids_are_stable_and_distinct() {
    // A literal: the same batch has this id in every run, on every machine.
    assert_eq!(
        group_id("automation", "Isolate machine because alert - …", t(0)),
        group_id("automation", "Isolate machine because alert - …", t(0))
    );
    let id = group_id("a", "b", t(0));
    assert_eq!(id, "8a9ec90af5ac");
    assert_ne!(group_id("a", "b", t(1)), id);
    assert_ne!(group_id("a2", "b", t(0)), id);
}
