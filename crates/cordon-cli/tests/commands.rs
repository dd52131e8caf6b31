//! The `cordon` binary against the demo tenant: what it prints agrees with the
//! simulator's truth, bad input is refused (exit 2) with nothing sent, and the exit
//! codes are the documented ones.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::identities;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn status_counts_match_the_simulator() {
    let env = support::demo().await;
    let run = env.cordon(&["status", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let truth = env.state().await;
    let c = run.json();
    assert_eq!(c["isolatedNow"], truth.isolated_count);
    assert_eq!(c["total"], truth.machine_count);
    let text = env.cordon(&["status"]).await;
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("isolated now"), "{}", text.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn machines_isolated_json_parses_and_search_filters() {
    let env = support::demo().await;
    let run = env.cordon(&["machines", "--isolated", "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    let rows = out["machines"].as_array().unwrap();
    let truth = env.state().await;
    assert_eq!(rows.len(), truth.isolated_count);
    assert_eq!(out["total"], truth.isolated_count);
    assert!(out["asOf"].is_string(), "{out}");
    assert!(rows.iter().all(|r| r["isolatedNow"] == true));
    let name = rows[0]["name"].as_str().unwrap().to_owned();
    let found = env.cordon(&["machines", "--search", &name, "--json"]).await;
    let found = found.json();
    assert!(
        found["machines"]
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
async fn online_isolated(env: &support::Env) -> (String, String) {
    let state = env.state().await;
    let m = state
        .machines
        .into_iter()
        .find(|m| m.online && m.isolated)
        .expect("the demo has online isolated machines");
    (m.id, m.computer_dns_name)
}

#[tokio::test(flavor = "multi_thread")]
async fn release_by_name_creates_one_unisolate() {
    let env = support::demo().await;
    let (id, name) = online_isolated(&env).await;
    let before = env.ledger().await.len();
    let run = env
        .cordon(&["release", &name, "--comment", "false positive, INC-1"])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("SENT"), "{}", run.stdout);
    let ledger = env.ledger().await;
    let new: Vec<&Value> = ledger[before..].iter().collect();
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
    let env = support::demo().await;
    let state = env.state().await;
    let mut by_host: std::collections::HashMap<String, usize> = Default::default();
    for m in &state.machines {
        let host = m
            .computer_dns_name
            .split('.')
            .next()
            .unwrap()
            .to_ascii_lowercase();
        *by_host.entry(host).or_default() += 1;
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
    let env = support::demo().await;
    let (_, name) = online_isolated(&env).await;
    let empty = env.cordon(&["release", &name, "--comment", "  "]).await;
    assert_eq!(empty.code, 2, "{}", empty.stderr);
    assert!(empty.stderr.contains("comment"), "{}", empty.stderr);
    assert!(
        env.requests().await.is_empty(),
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
    let env = support::demo().await;
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
    let env = support::demo().await;
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
    let env = support::demo().await;
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

/// Processed release POSTs per machine id (201, or processed then cut off).
async fn release_posts(env: &support::Env) -> std::collections::HashMap<String, usize> {
    let mut per = std::collections::HashMap::new();
    for r in env.api_posts().await {
        let path = r.path.as_str();
        if path.ends_with("/unisolate") && (r.status == 201 || r.dropped) {
            let id = path.split('/').nth(3).unwrap_or_default().to_owned();
            *per.entry(id).or_insert(0) += 1;
        }
    }
    per
}

#[tokio::test(flavor = "multi_thread")]
async fn the_storm_batch_is_previewed_confirmed_and_released_as_one_job() {
    let env = support::demo().await;
    let batches = env.cordon(&["batches", "--json"]).await;
    assert_eq!(batches.code, 0, "{}", batches.stderr);
    let batches = batches.json();
    let storm = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["count"] == 80)
        .unwrap_or_else(|| panic!("the storm's 80 machines are one batch: {batches}"))
        .clone();
    let id = storm["id"].as_str().unwrap();

    // The automation app isolated them: excluded unless asked for.
    let mine = env
        .cordon(&["release", "--batch", id, "--comment", "FP storm", "--json"])
        .await;
    assert_eq!(mine.code, 0, "{}", mine.stderr);
    assert_eq!(
        mine.json()["preview"]["willSend"].as_array().unwrap().len(),
        0
    );
    assert!(mine.json()["job"].is_null());
    assert!(mine.stderr.contains("Isolated by"), "{}", mine.stderr);

    // 80 > 25 and no terminal: nothing is sent without --yes.
    let args = [
        "release",
        "--batch",
        id,
        "--include-foreign",
        "--comment",
        "FP storm",
    ];
    let refused = env.cordon(&args).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert!(release_posts(&env).await.is_empty(), "nothing was sent");

    let before = env.ledger().await.len();
    let mut yes = args.to_vec();
    yes.extend(["--yes", "--json"]);
    let run = env.cordon(&yes).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let will_send = out["preview"]["willSend"].as_array().unwrap().len();
    assert_eq!(will_send, 80);
    let job = &out["job"];
    assert_eq!(job["job"]["state"], "done");
    assert_eq!(job["job"]["total"], 80);
    let items = job["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|i| i["state"] == "done" || i["state"] == "adopted")
    );
    // The 10 releases already pending were adopted, not sent twice.
    let adopted = items.iter().filter(|i| i["state"] == "adopted").count();
    assert_eq!(adopted, 10, "{job}");
    // Progress lines on stderr: "n of N, …, <machine>: <result>".
    assert!(run.stderr.contains(" of 80, "), "{}", run.stderr);
    // S-7: what was sent is the preview, each machine at most once.
    let posts = release_posts(&env).await;
    assert!(posts.values().all(|n| *n == 1), "{posts:?}");
    let ledger = env.ledger().await;
    let new = ledger[before..]
        .iter()
        .filter(|a| a["type"] == "Unisolate")
        .count();
    assert_eq!(new + adopted, will_send);

    // The journal and the audit log tell the same story.
    let jobs = env.cordon(&["jobs", "--json"]).await;
    assert_eq!(jobs.code, 0, "{}", jobs.stderr);
    let jobs = jobs.json();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    let job_id = jobs[0]["id"].as_str().unwrap();
    assert_eq!(jobs[0]["finished"], 80);
    let show = env.cordon(&["jobs", "show", job_id]).await;
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(show.stdout.contains("80 of 80 finished"), "{}", show.stdout);
    assert_eq!(
        show.stdout.matches("ADOPTED").count(),
        10,
        "{}",
        show.stdout
    );
    let audit = env.cordon(&["audit", "--job", job_id, "--json"]).await;
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let entries = audit.json();
    let events: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events.iter().filter(|e| **e == "job.created").count(), 1);
    assert_eq!(events.iter().filter(|e| **e == "item.adopted").count(), 10);
    assert_eq!(events.iter().filter(|e| **e == "item.done").count(), 70);
    let csv = env.cordon(&["audit", "--csv"]).await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(csv.stdout.lines().count() > events.len(), "header + rows");
    let resume = env.cordon(&["jobs", "resume"]).await;
    assert_eq!(resume.code, 0, "{}", resume.stderr);
    assert!(
        resume.stderr.contains("No unfinished job"),
        "{}",
        resume.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn release_by_comment_excludes_foreign_isolations_and_sends_nothing() {
    let env = support::demo().await;
    let run = env
        .cordon(&[
            "release",
            "--isolated-by-comment",
            "confirmed compromise",
            "--comment",
            "oops",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("Release 0 machine(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Excluded 3"), "{}", run.stderr);
    assert!(run.stderr.contains("Nothing to send"), "{}", run.stderr);
    assert!(env.api_posts().await.is_empty());
    let none = env
        .cordon(&[
            "release",
            "--isolated-by-comment",
            "no such words",
            "--comment",
            "x",
        ])
        .await;
    assert_eq!(none.code, 2, "{}", none.stderr);
    let usage = env.cordon(&["release", "--comment", "x"]).await;
    assert_eq!(usage.code, 2, "machines, --batch or --isolated-by-comment");
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_and_history_agree_with_the_simulator() {
    let env = support::demo().await;
    let ledger = env.ledger().await;
    let rec = env.cordon(&["reconcile", "--json"]).await;
    assert_eq!(rec.code, 0, "{}", rec.stderr);
    let rows = rec.json();
    let rows = rows.as_array().unwrap();
    // The 10 pending releases of the storm's aftermath and last week's 4 timed-out
    // releases are stuck work.
    let timed_out: Vec<&str> = ledger
        .iter()
        .filter(|a| a["type"] == "Unisolate" && a["status"] == "TimeOut")
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(timed_out.len() >= 4);
    for id in &timed_out {
        let row = rows.iter().find(|r| r["actionId"] == *id);
        if let Some(r) = row {
            assert!(
                matches!(r["cause"].as_str(), Some("timed_out" | "superseded")),
                "{r}"
            );
        }
    }
    assert!(
        rows.iter().filter(|r| r["cause"] == "timed_out").count() >= 4,
        "{rows:?}"
    );
    let text = env.cordon(&["reconcile"]).await;
    assert!(text.stderr.contains("stuck row(s)"), "{}", text.stderr);

    let since = "2025-01-01";
    let csv = env.cordon(&["history", "--since", since, "--csv"]).await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let isolation_actions = ledger
        .iter()
        .filter(|a| a["type"] == "Isolate" || a["type"] == "Unisolate")
        .count();
    let json = env.cordon(&["history", "--since", since, "--json"]).await;
    let h = json.json();
    assert_eq!(h["rows"].as_array().unwrap().len(), isolation_actions);
    assert!(!h["perDay"].as_array().unwrap().is_empty());
    assert!(
        csv.stdout.lines().count() > isolation_actions,
        "header + rows"
    );
    let releases = env
        .cordon(&[
            "history", "--kind", "release", "--status", "TimeOut", "--json",
        ])
        .await;
    assert_eq!(
        releases.json()["rows"].as_array().unwrap().len(),
        timed_out.len()
    );
}
