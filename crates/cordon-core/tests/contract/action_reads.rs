//! The reads of the actions the fleet does not keep in memory: a machine's timeline
//! (ids in any case, oldest first) and a creation range walked newest first in chunks
//! (ties in creation time broken by id across a chunk's edge; bounds inclusive).

use cordon_core::CoreError;
use cordon_core::store::Store;
use cordon_core::time::rfc3339_millis;
use mde_api::MachineAction;
use serde_json::json;

use super::{machine, rfc3339, t};

fn an_action(id: &str, tag: &str, created: i64) -> MachineAction {
    serde_json::from_value(json!({
        "id": id,
        "type": if id.ends_with('r') { "Unisolate" } else { "Isolate" },
        "status": "Succeeded",
        "machineId": machine(tag),
        "creationDateTimeUtc": rfc3339(t(created)),
    }))
    .unwrap()
}

fn walk(store: &Store, since: Option<i64>, until: Option<i64>) -> Vec<String> {
    let (s, u) = (
        since.map(|m| rfc3339_millis(t(m))),
        until.map(|m| rfc3339_millis(t(m))),
    );
    let mut seen = Vec::new();
    store
        .actions_each(s.as_deref(), u.as_deref(), &mut |a| {
            seen.push(a.id);
            Ok(())
        })
        .unwrap();
    seen
}

pub fn a_machines_timeline_and_a_range_newest_first(store: &Store) {
    assert!(store.machine_actions(&[machine("1")]).unwrap().is_empty());
    assert!(walk(store, None, None).is_empty());
    let acts = [
        an_action("c", "1", 5),
        an_action("a", "1", 1),
        an_action("br", "1", 5),
        an_action("d", "2", 3),
    ];
    store.save_actions(&acts).unwrap();
    let ids = |v: Vec<MachineAction>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    // Any case, asked twice: once each, oldest first, then by id.
    let upper = machine("1").to_ascii_uppercase();
    assert_eq!(
        ids(store.machine_actions(&[upper, machine("1")]).unwrap()),
        ["a", "br", "c"]
    );
    assert_eq!(
        ids(store
            .machine_actions(&[machine("2"), machine("1")])
            .unwrap()),
        ["a", "d", "br", "c"]
    );
    assert!(store.machine_actions(&[machine("9")]).unwrap().is_empty());
    // Newest first, ties by id descending; bounds inclusive.
    assert_eq!(walk(store, None, None), ["c", "br", "d", "a"]);
    assert_eq!(walk(store, Some(3), None), ["c", "br", "d"]);
    assert_eq!(walk(store, None, Some(3)), ["d", "a"]);
    assert_eq!(walk(store, Some(2), Some(4)), ["d"]);
    assert!(walk(store, Some(6), None).is_empty());
    // A visitor's error stops the walk and comes back.
    let mut n = 0;
    let stopped = store.actions_each(None, None, &mut |_| {
        n += 1;
        if n == 2 {
            return Err(CoreError::Storage("enough".into()));
        }
        Ok(())
    });
    assert!(matches!(stopped, Err(CoreError::Storage(m)) if m == "enough"));
    assert_eq!(n, 2);
}

pub fn a_long_walk_crosses_its_chunks_without_a_gap_or_a_repeat(store: &Store) {
    // More than one chunk (5,000 rows), most sharing a creation time: the walk's
    // position is (created, id), so ties at a chunk's edge are neither lost nor repeated.
    let acts: Vec<MachineAction> = (0..12_003)
        .map(|i| an_action(&format!("x{i:05}"), &(i % 7).to_string(), i64::from(i % 3)))
        .collect();
    store.save_actions(&acts).unwrap();
    let mut want: Vec<(i64, String)> = (0..12_003)
        .map(|i| (i64::from(i % 3), format!("x{i:05}")))
        .collect();
    want.sort();
    want.reverse();
    let want: Vec<String> = want.into_iter().map(|(_, id)| id).collect();
    assert_eq!(walk(store, None, None), want);
    let middle: Vec<String> = want
        .iter()
        .filter(|id| id[1..].parse::<i64>().unwrap() % 3 == 1)
        .cloned()
        .collect();
    assert_eq!(middle.len(), 4_001);
    assert_eq!(walk(store, Some(1), Some(1)), middle);
}
