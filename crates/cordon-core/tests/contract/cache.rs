//! The caches: machines, isolation actions and alerts read back as saved.

use cordon_core::store::Store;
use mde_api::{Alert, Machine, MachineAction};
use serde_json::json;

use super::{machine, rfc3339, t};

fn a_machine(tag: &str, name: &str) -> Machine {
    serde_json::from_value(json!({
        "id": machine(tag),
        "computerDnsName": name,
        "healthStatus": "Active",
        "machineTags": ["vip"],
        "lastSeen": rfc3339(t(0)),
    }))
    .unwrap()
}

fn an_action(id: &str, tag: &str, created: i64) -> MachineAction {
    serde_json::from_value(json!({
        "id": id,
        "type": "Isolate",
        "status": "Succeeded",
        "machineId": machine(tag),
        "requestorComment": format!("comment {id}"),
        "creationDateTimeUtc": rfc3339(t(created)),
    }))
    .unwrap()
}

fn an_alert(id: &str, created: Option<i64>) -> Alert {
    serde_json::from_value(json!({
        "id": id,
        "title": format!("title {id}"),
        "severity": "High",
        "alertCreationTime": created.map(|c| rfc3339(t(c))),
        "mitreTechniques": ["T1486"],
    }))
    .unwrap()
}

pub fn caches_round_trip(store: &Store) {
    assert!(store.load_machines().unwrap().is_empty());
    store.save_machines(&[], &[]).unwrap();
    store.save_actions(&[]).unwrap();
    store.save_alerts(&[]).unwrap();

    let (m1, m2, m3) = (
        a_machine("1", "ws-1"),
        a_machine("2", "ws-2"),
        a_machine("3", "ws-3"),
    );
    store.save_machines(&[m2.clone(), m1.clone()], &[]).unwrap();
    assert_eq!(
        store.load_machines().unwrap(),
        [m2.clone(), m1.clone()],
        "first-saved first"
    );
    // A refresh: ws-1 renamed, ws-2 gone, ws-3 new; ws-1 keeps its place.
    let renamed = a_machine("1", "ws-1-renamed");
    store
        .save_machines(&[m3.clone(), renamed.clone()], &[machine("2")])
        .unwrap();
    assert_eq!(
        store.load_machines().unwrap(),
        [renamed.clone(), m3.clone()]
    );
    // An id twice in one refresh: its first place, its last values.
    store
        .save_machines(&[a_machine("4", "a"), a_machine("4", "b")], &[])
        .unwrap();
    let loaded = store.load_machines().unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(loaded[2].computer_dns_name.as_deref(), Some("b"));

    let (x, y, z) = (
        an_action("x", "1", 5),
        an_action("y", "1", 1),
        an_action("w", "2", 5),
    );
    store
        .save_actions(&[x.clone(), y.clone(), z.clone()])
        .unwrap();
    assert_eq!(
        store.load_actions().unwrap(),
        [y.clone(), z.clone(), x.clone()],
        "by creation, then id"
    );
    let mut x2 = x.clone();
    x2.status = serde_json::from_value(json!("Failed")).unwrap();
    store.save_actions(&[x2.clone()]).unwrap();
    assert_eq!(store.load_actions().unwrap(), [y, z, x2]);

    let (a, b, c) = (
        an_alert("a", Some(3)),
        an_alert("b", Some(1)),
        an_alert("c", None),
    );
    store
        .save_alerts(&[a.clone(), b.clone(), c.clone()])
        .unwrap();
    assert_eq!(
        store.load_alerts().unwrap(),
        [c, b, a],
        "by creation, those without one first"
    );
}
