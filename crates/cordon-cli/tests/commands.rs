//! The `cordon` binary against the demo tenant: what it prints agrees with the
//! simulator's truth, bad input is refused (exit 2) with nothing sent, and the exit
//! codes are the documented ones.
#![allow(clippy::unwrap_used)]

mod common;

use mde_sim::identities;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn status_counts_match_the_simulator() {
    let env = common::demo().await;
    let run = env.cordon(&["status", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let truth = env.control("/_sim/state").await;
    let c = run.json();
    assert_eq!(c["isolatedNow"], truth["isolatedCount"]);
    assert_eq!(c["total"], truth["machineCount"]);
    let text = env.cordon(&["status"]).await;
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("isolated now"), "{}", text.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn machines_isolated_json_parses_and_search_filters() {
    let env = common::demo().await;
    let run = env.cordon(&["machines", "--isolated", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    let truth = env.control("/_sim/state").await;
    assert_eq!(rows.len() as u64, truth["isolatedCount"].as_u64().unwrap());
    assert!(rows.iter().all(|r| r["isolatedNow"] == true));
    let name = rows[0]["name"].as_str().unwrap().to_owned();
    let found = env.cordon(&["machines", "--search", &name, "--json"]).await;
    let found = found.json();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == name.as_str())
    );
    let one = env.cordon(&["machine", &name, "--json"]).await;
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.json()["machine"]["name"], name.as_str());
}

/// An online isolated machine (per the simulator): (id, dns name).
async fn online_isolated(env: &common::Env) -> (String, String) {
    let state = env.control("/_sim/state").await;
    let m = state["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["online"] == true && m["isolated"] == true)
        .expect("the demo has online isolated machines")
        .clone();
    (
        m["id"].as_str().unwrap().to_owned(),
        m["computerDnsName"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn release_by_name_creates_one_unisolate() {
    let env = common::demo().await;
    let (id, name) = online_isolated(&env).await;
    let before = env.control("/_sim/actions").await.as_array().unwrap().len();
    let run = env
        .cordon(&["release", &name, "--comment", "false positive, INC-1"])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("SENT"), "{}", run.stdout);
    let ledger = env.control("/_sim/actions").await;
    let new: Vec<&Value> = ledger.as_array().unwrap()[before..].iter().collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0]["type"], "Unisolate");
    assert_eq!(new[0]["machineId"], id.as_str());

    // The action is listed with filters, then cancelled by id.
    let listed = env
        .cordon(&[
            "actions",
            "--machine",
            &name,
            "--type",
            "unisolate",
            "--json",
        ])
        .await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let rows = listed.json();
    let action_id = rows[0]["actionId"].as_str().unwrap().to_owned();
    assert_eq!(rows[0]["actionType"], "Unisolate");
    assert_eq!(rows[0]["machineId"], id.as_str());
    let cancel = env
        .cordon(&["cancel", &action_id, "--comment", "wrong machine", "--json"])
        .await;
    // Cancelled, or already past the point of cancelling (Defender refuses then).
    assert!(
        matches!(cancel.code, 0 | 3),
        "{}\n{}",
        cancel.stdout,
        cancel.stderr
    );
    if cancel.code == 0 {
        assert_eq!(cancel.json()[0]["status"], "Cancelled");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_short_name_lists_candidates_and_sends_nothing() {
    let env = common::demo().await;
    let state = env.control("/_sim/state").await;
    let mut by_host: std::collections::HashMap<String, usize> = Default::default();
    for m in state["machines"].as_array().unwrap() {
        if let Some(dns) = m["computerDnsName"].as_str() {
            let host = dns.split('.').next().unwrap().to_ascii_lowercase();
            *by_host.entry(host).or_default() += 1;
        }
    }
    let Some((host, _)) = by_host.iter().find(|(_, n)| **n > 1) else {
        panic!("the demo tenant has a short host name shared by two machines");
    };
    let run = env
        .cordon(&["isolate", host, "--comment", "test", "--type", "full"])
        .await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("matches"), "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.contains(host.as_str()))
            .count()
            >= 2,
        "candidates: {}",
        run.stderr
    );
    assert!(env.api_posts().await.is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_before_any_request() {
    let env = common::demo().await;
    let (_, name) = online_isolated(&env).await;
    let empty = env.cordon(&["release", &name, "--comment", "  "]).await;
    assert_eq!(empty.code, 2, "{}", empty.stderr);
    assert!(empty.stderr.contains("comment"), "{}", empty.stderr);
    assert!(
        env.control("/_sim/requests")
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "an empty comment costs no request at all"
    );
    let unknown = env
        .cordon(&["isolate", "no-such-host", "--comment", "x"])
        .await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    let bad_id = env
        .cordon(&["cancel", "not-a-guid", "--comment", "x"])
        .await;
    assert_eq!(bad_id.code, 2, "{}", bad_id.stderr);
    let bad_since = env.cordon(&["actions", "--since", "yesterday"]).await;
    assert_eq!(bad_since.code, 2, "{}", bad_since.stderr);
    let json = env.cordon(&["actions", "--status", "Done", "--json"]).await;
    assert_eq!(json.code, 2);
    assert_eq!(json.json()["error"]["kind"], "validation");
    assert!(env.api_posts().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reader_app_is_told_which_permission_is_missing() {
    let env = common::demo().await;
    let (_, name) = online_isolated(&env).await;
    let run = env
        .cordon_as(
            identities::READER_CLIENT_ID,
            identities::READER_SECRET,
            &["release", &name, "--comment", "reader tries"],
            None,
        )
        .await;
    assert!(matches!(run.code, 1 | 3), "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("Missing permission Machine.Isolate"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_tenant_is_a_usage_error() {
    let env = common::demo().await;
    let run = env.cordon_as("", "", &["status"], None).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("No tenant configured"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn help_documents_the_exit_codes() {
    let env = common::demo().await;
    let run = env.cordon_as("", "", &["--help"], None).await;
    assert_eq!(run.code, 0);
    for line in [
        "0  success",
        "1  some machines failed",
        "2  usage",
        "3  Defender",
        "4  secure storage",
    ] {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }
}
