//! The automation commands (`rule`, `alerts`, `approvals`) of the `cordon` binary
//! against the demo tenant: the rule's defaults, the promotion that needs `--yes`, dry
//! run sending nothing, the breaker's cap on an alert storm (checked against the
//! simulator's request log), no alert taken twice, the approval queue's JSON contract,
//! an application that may not approve, and a pause that outlives the process.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;

use mde_sim::identities;
use serde_json::Value;

/// The rule's status as `rule show --json` prints it.
async fn rule(env: &support::Env) -> Value {
    let run = env.cordon(&["rule", "show", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()
}

/// Isolate POSTs the simulator processed (201, or processed then cut off).
async fn isolate_posts(env: &support::Env) -> usize {
    env.api_posts()
        .await
        .iter()
        .filter(|r| r.path.ends_with("/isolate") && (r.status == 201 || r.dropped))
        .count()
}

/// `n` online machines with no isolation and no high value (nothing keeps the rule
/// from isolating them): their ids.
async fn fresh_machines(env: &support::Env, n: usize) -> Vec<String> {
    let online: HashSet<String> = env
        .state()
        .await
        .machines
        .into_iter()
        .filter(|m| m.online && !m.isolated)
        .map(|m| m.id.to_ascii_lowercase())
        .collect();
    let run = env.cordon(&["machines", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids: Vec<String> = run.json()["machines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "not_isolated" && r["deviceValue"] != "High")
        .map(|r| r["id"].as_str().unwrap().to_ascii_lowercase())
        .filter(|id| online.contains(id))
        .take(n)
        .collect();
    assert_eq!(ids.len(), n, "the demo has {n} fresh online machines");
    ids
}

/// `rule run --once --json`: the decisions, each exactly the contract's four fields.
async fn run_once(env: &support::Env) -> Vec<Value> {
    let run = env.cordon(&["rule", "run", "--once", "--json"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let list = run.json().as_array().unwrap().clone();
    for d in &list {
        let keys: HashSet<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            HashSet::from(["alertId", "machineId", "decision", "reason"]),
            "{d}"
        );
    }
    list
}

fn of_alerts<'a>(decisions: &'a [Value], alerts: &[String]) -> Vec<&'a Value> {
    decisions
        .iter()
        .filter(|d| alerts.iter().any(|a| d["alertId"] == a.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rule_starts_in_dry_run_with_the_documented_defaults() {
    let env = support::demo().await;
    let st = rule(&env).await;
    assert_eq!(st["settings"]["mode"], "dry-run");
    assert_eq!(st["settings"]["minSeverity"], "High");
    assert_eq!(st["settings"]["maxPerWindow"], 5);
    assert_eq!(st["settings"]["windowMinutes"], 60);
    assert_eq!(st["paused"], false);
    assert_eq!(st["breaker"]["open"], false);
    let text = env.cordon(&["rule", "show"]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("mode              dry-run"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("dry-run record"), "{}", text.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promotion_needs_yes_and_a_matching_edit_returns_to_dry_run() {
    let env = support::demo().await;
    let refused = env.cordon(&["rule", "set", "--mode", "automatic"]).await;
    assert_eq!(refused.code, 2, "{}\n{}", refused.stdout, refused.stderr);
    for words in ["would have isolated", "queued", "skipped", "--yes"] {
        assert!(
            refused.stderr.contains(words),
            "{words}: {}",
            refused.stderr
        );
    }
    let json = env
        .cordon(&["rule", "set", "--mode", "approval", "--json"])
        .await;
    assert_eq!(json.code, 2);
    assert_eq!(json.json()["error"]["kind"], "validation");
    assert_eq!(json.json()["error"]["field"], "confirmed");
    assert_eq!(rule(&env).await["settings"]["mode"], "dry-run", "unchanged");

    let yes = env
        .cordon(&["rule", "set", "--mode", "automatic", "--yes"])
        .await;
    assert_eq!(yes.code, 0, "{}", yes.stderr);
    assert_eq!(rule(&env).await["settings"]["mode"], "automatic");

    // A guard-rail edit keeps the mode; what the rule matches returns it to dry run.
    let rails = env
        .cordon(&["rule", "set", "--exclude-tag", "vip", "--exclude-tag", "dc"])
        .await;
    assert_eq!(rails.code, 0, "{}", rails.stderr);
    let st = rule(&env).await;
    assert_eq!(st["settings"]["mode"], "automatic");
    assert_eq!(
        st["settings"]["excludeTags"],
        serde_json::json!(["vip", "dc"])
    );
    let matching = env
        .cordon(&["rule", "set", "--min-severity", "medium"])
        .await;
    assert_eq!(matching.code, 0, "{}", matching.stderr);
    assert!(
        matching.stderr.contains("back in dry run"),
        "{}",
        matching.stderr
    );
    let st = rule(&env).await;
    assert_eq!(st["settings"]["mode"], "dry-run");
    assert_eq!(st["settings"]["minSeverity"], "Medium");
    assert_eq!(isolate_posts(&env).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_decides_and_sends_nothing() {
    let env = support::demo().await;
    let targets = fresh_machines(&env, 3).await;
    let storm = env.ctl().storm(&targets, None).await.unwrap();
    let decisions = run_once(&env).await;
    assert!(
        decisions
            .iter()
            .all(|d| d["decision"] == "would-isolate" || d["decision"] == "skipped"),
        "{decisions:?}"
    );
    let mine = of_alerts(&decisions, &storm);
    assert_eq!(mine.len(), 3, "{decisions:?}");
    assert!(mine.iter().all(|d| d["decision"] == "would-isolate"));
    assert_eq!(isolate_posts(&env).await, 0, "dry run sends nothing");

    // The Alerts view shows the rule's decision for each alert.
    let alerts = env
        .cordon(&["alerts", "--severity", "HIGH", "--json"])
        .await;
    assert_eq!(alerts.code, 0, "{}", alerts.stderr);
    let rows = alerts.json();
    let rows = rows.as_array().unwrap();
    assert!(rows.iter().all(|a| a["severity"] == "High"), "{rows:?}");
    for id in &storm {
        let row = rows.iter().find(|a| a["id"] == id.as_str()).unwrap();
        assert_eq!(row["decision"], "would-isolate", "{row}");
    }
    let text = env.cordon(&["alerts", "--severity", "high"]).await;
    assert!(
        text.stdout.contains("rule: would-isolate"),
        "{}",
        text.stdout
    );
    let bad = env.cordon(&["alerts", "--severity", "severe"]).await;
    assert_eq!(bad.code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_breaker_caps_a_storm_and_the_rest_waits_for_a_person() {
    let env = support::demo().await;
    // Whatever the demo's last hour holds is taken in dry run first.
    run_once(&env).await;
    let set = env
        .cordon(&[
            "rule",
            "set",
            "--mode",
            "automatic",
            "--max-per-hour",
            "2",
            "--yes",
        ])
        .await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let targets = fresh_machines(&env, 5).await;
    let storm = env.ctl().storm(&targets, None).await.unwrap();

    let decisions = run_once(&env).await;
    let mine = of_alerts(&decisions, &storm);
    assert_eq!(mine.len(), 5, "{decisions:?}");
    let count = |k: &str| mine.iter().filter(|d| d["decision"] == k).count();
    assert_eq!(count("isolated"), 2, "{decisions:?}");
    assert_eq!(count("queued"), 3, "{decisions:?}");
    assert_eq!(
        isolate_posts(&env).await,
        2,
        "exactly K isolations were sent"
    );
    let st = rule(&env).await;
    assert_eq!(st["breaker"]["open"], true, "{st}");
    assert_eq!(st["settings"]["maxPerWindow"], 2);
    assert_eq!(st["settings"]["windowMinutes"], 60);
    assert_eq!(st["waitingApprovals"], 3);
    let text = env.cordon(&["rule", "show"]).await;
    assert!(
        text.stdout.contains("breaker           OPEN"),
        "{}",
        text.stdout
    );

    // A second round takes none of these alerts again.
    let again = run_once(&env).await;
    assert!(of_alerts(&again, &storm).is_empty(), "{again:?}");
    assert_eq!(isolate_posts(&env).await, 2);

    // The queue: exactly the contract's fields, the three queued machines.
    let list = env.cordon(&["approvals", "--json"]).await;
    assert_eq!(list.code, 0, "{}", list.stderr);
    let list = list.json().as_array().unwrap().clone();
    assert_eq!(list.len(), 3, "{list:?}");
    let queued: HashSet<&str> = mine
        .iter()
        .filter(|d| d["decision"] == "queued")
        .map(|d| d["machineId"].as_str().unwrap())
        .collect();
    for p in &list {
        let keys: HashSet<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
        let want = [
            "id",
            "machineId",
            "action",
            "proposedBy",
            "reason",
            "expiresAt",
            "state",
        ];
        assert_eq!(keys, HashSet::from(want), "{p}");
        assert_eq!(p["state"], "waiting");
        assert_eq!(p["action"], "isolate");
        assert!(queued.contains(p["machineId"].as_str().unwrap()), "{p}");
    }
    let all = env.cordon(&["approvals", "list", "--all"]).await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(all.stdout.lines().count(), 3, "{}", all.stdout);

    // The CLI's identity (an application, and the rule's own proposer) may not approve.
    let id = list[0]["id"].as_str().unwrap();
    let approve = env
        .cordon(&["approvals", "approve", id, "--comment", "x"])
        .await;
    assert_ne!(approve.code, 0, "{}\n{}", approve.stdout, approve.stderr);
    let said = format!("{}{}", approve.stdout, approve.stderr);
    assert!(
        said.contains("never approve") || said.contains("four eyes"),
        "{said}"
    );
    let still = env.cordon(&["approvals", "--json"]).await.json();
    assert_eq!(still.as_array().unwrap().len(), 3, "nothing was approved");
    assert_eq!(isolate_posts(&env).await, 2, "nothing more was sent");
}

/// With the real `Principal` (app-only tokens are applications) the core refuses any
/// decision by an application, whoever proposed it. On a base whose `principal()` is
/// still the stub (application = false), the automation app would approve here.
#[tokio::test(flavor = "multi_thread")]

async fn an_application_may_propose_but_never_approve() {
    let env = support::demo().await;
    let target = fresh_machines(&env, 1).await.remove(0);
    let asked = env
        .cordon(&[
            "approvals",
            "request",
            "isolate",
            &target,
            "--comment",
            "second pair of eyes, INC-7",
            "--json",
        ])
        .await;
    assert_eq!(asked.code, 0, "{}", asked.stderr);
    let p = asked.json();
    assert_eq!(p["state"], "waiting");
    let id = p["id"].as_str().unwrap();
    // Another application (not the proposer): still refused, as an application.
    let approve = env
        .cordon_as(
            identities::AUTOMATION_CLIENT_ID,
            identities::AUTOMATION_SECRET,
            &["approvals", "approve", id, "--comment", "looks right"],
            None,
        )
        .await;
    assert_eq!(approve.code, 3, "{}\n{}", approve.stdout, approve.stderr);
    assert!(
        approve
            .stderr
            .contains("An application identity may propose but never approve"),
        "{}",
        approve.stderr
    );
    assert_eq!(isolate_posts(&env).await, 0, "nothing was sent");
    let still = env.cordon(&["approvals", "--json"]).await.json();
    assert_eq!(still[0]["state"], "waiting");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pause_outlives_the_process_and_a_suppression_is_kept() {
    let env = support::demo().await;
    let pause = env.cordon(&["rule", "pause"]).await;
    assert_eq!(pause.code, 0, "{}", pause.stderr);
    assert!(pause.stdout.contains("paused"), "{}", pause.stdout);
    assert_eq!(rule(&env).await["paused"], true);
    let text = env.cordon(&["rule", "show"]).await;
    assert!(text.stdout.contains("(paused)"), "{}", text.stdout);
    let resume = env.cordon(&["rule", "resume", "--json"]).await;
    assert_eq!(resume.code, 0, "{}", resume.stderr);
    assert_eq!(resume.json()["paused"], false);
    assert_eq!(rule(&env).await["paused"], false);

    let title = "'Wacatac' malware was detected";
    let sup = env
        .cordon(&[
            "rule",
            "suppress",
            "--title",
            title,
            "--days",
            "7",
            "--reason",
            "FP, INC-3",
        ])
        .await;
    assert_eq!(sup.code, 0, "{}", sup.stderr);
    let st = rule(&env).await;
    assert_eq!(st["suppressions"][0]["kind"], "title");
    assert_eq!(st["suppressions"][0]["value"], title);
    // A suppressed detection is skipped by the rule.
    let targets = fresh_machines(&env, 1).await;
    let storm = env.ctl().storm(&targets, None).await.unwrap();
    let decisions = run_once(&env).await;
    let mine = of_alerts(&decisions, &storm);
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["decision"], "skipped");
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_cost_no_request() {
    let env = support::demo().await;
    let loop_ = env.cordon(&["rule", "run"]).await;
    assert_eq!(loop_.code, 2, "{}", loop_.stderr);
    assert!(loop_.stderr.contains("--once"), "{}", loop_.stderr);
    assert!(loop_.stderr.contains("desktop app"), "{}", loop_.stderr);
    let nothing = env.cordon(&["rule", "set"]).await;
    assert_eq!(nothing.code, 2, "{}", nothing.stderr);
    let empty = env
        .cordon(&["approvals", "approve", "some-id", "--comment", " "])
        .await;
    assert_eq!(empty.code, 2, "{}", empty.stderr);
    let breaker = env
        .cordon(&["rule", "close-breaker", "--comment", ""])
        .await;
    assert_eq!(breaker.code, 2, "{}", breaker.stderr);
    let both = env
        .cordon(&[
            "rule",
            "set",
            "--max-per-hour",
            "2",
            "--window-minutes",
            "30",
        ])
        .await;
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(env.requests().await.is_empty(), "no request at all");
}
