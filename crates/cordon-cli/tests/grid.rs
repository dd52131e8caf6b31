//! `cordon machines` answers from the store: filtered there, with the time of the
//! sync it reflects (`asOf`); a second run syncs incrementally (no machine listing),
//! and `--offline` sends nothing at all.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;

fn ids(out: &Value) -> Vec<String> {
    let mut ids: Vec<String> = out["machines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn machines_answer_from_the_store_incrementally_and_offline() {
    let env = support::demo().await;
    let first = env.cordon(&["machines", "--isolated", "--json"]).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let first = first.json();
    let truth = env.state().await;
    let mut want: Vec<String> = truth
        .machines
        .iter()
        .filter(|m| m.isolated)
        .map(|m| m.id.to_ascii_lowercase())
        .collect();
    want.sort();
    assert_eq!(ids(&first), want, "the simulator's isolated machines");
    assert_eq!(first["total"], want.len());
    let as_of = first["asOf"].as_str().unwrap().to_owned();

    // Offline: the same answer from the store, and not one request.
    env.ctl().clear_requests().await.unwrap();
    let offline = env
        .cordon(&["machines", "--isolated", "--offline", "--json"])
        .await;
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let offline = offline.json();
    assert_eq!(ids(&offline), want);
    assert_eq!(offline["asOf"], as_of.as_str(), "as of the last sync");
    assert!(env.requests().await.is_empty(), "offline sends nothing");
    let text = env.cordon(&["machines", "--isolated", "--offline"]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stderr.contains(&format!("as of {as_of}")),
        "{}",
        text.stderr
    );

    // Online again: an incremental sync (the actions since the watermark), not the
    // machine list the first run just fetched.
    let again = env.cordon(&["machines", "--isolated", "--json"]).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again = again.json();
    assert_eq!(ids(&again), want);
    assert!(again["asOf"].as_str().unwrap() >= as_of.as_str());
    let paths: Vec<String> = env.requests().await.into_iter().map(|r| r.path).collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/machineactions")),
        "it synced: {paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.ends_with("/machines")),
        "no machine listing within the listing interval: {paths:?}"
    );
}
