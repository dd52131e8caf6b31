//! `--wait` through the real binary against the simulator: actions followed until they
//! end in Defender, each printed as it lands; exit 0 only when all succeeded, 1 when
//! one failed, 6 when the time ran out (an offline machine's action stays Pending).
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::control_client::SettingsPatch;

/// Actions are picked up and carried out within about two seconds.
async fn quick_actions(env: &support::Env, failure_rate: f64) {
    env.ctl()
        .configure(&SettingsPatch {
            pickup_delay_secs: Some(1),
            execution_delay_secs: Some(1),
            failure_rate: Some(failure_rate),
            ..SettingsPatch::default()
        })
        .await
        .expect("control config");
}

/// `n` online machines of the demo, isolated or not: (id, name).
async fn online(env: &support::Env, isolated: bool, n: usize) -> Vec<(String, String)> {
    env.state()
        .await
        .machines
        .into_iter()
        .filter(|m| m.online && m.isolated == isolated)
        .take(n)
        .map(|m| (m.id, m.computer_dns_name))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_waited_for_succeeds_and_exits_0() {
    let env = support::demo().await;
    quick_actions(&env, 0.0).await;
    let (id, name) = online(&env, true, 1).await.remove(0);
    let run = env
        .cordon(&["release", &name, "--comment", "FP", "--json", "--wait=2m"])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let wait = &out["wait"];
    assert_eq!(wait["ranOut"], false);
    assert_eq!(wait["succeeded"], 1);
    assert_eq!(wait["items"][0]["machineId"], id.as_str());
    assert_eq!(wait["items"][0]["status"], "Succeeded");
    assert_eq!(wait["items"][0]["outcome"], "succeeded");
    assert_eq!(out["job"]["job"]["state"], "done");
    assert!(
        run.stderr
            .contains(&format!("1 of 1 ended, {name}: Succeeded")),
        "{}",
        run.stderr
    );
    let truth = env.state().await;
    assert!(
        !truth.machines.iter().any(|m| m.id == id && m.isolated),
        "released in the simulator too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offline_machine_keeps_the_wait_pending_until_it_runs_out() {
    let env = support::demo().await;
    quick_actions(&env, 0.0).await;
    let mut two = online(&env, true, 2).await;
    let (away_id, away) = two.pop().unwrap();
    let (_, here) = two.pop().unwrap();
    env.ctl()
        .set_online(&away_id, false)
        .await
        .expect("offline");
    let started = std::time::Instant::now();
    let run = env
        .cordon(&["release", &here, &away, "--comment", "FP", "--wait", "7s"])
        .await;
    assert_eq!(run.code, 6, "{}\n{}", run.stdout, run.stderr);
    assert!(started.elapsed() >= std::time::Duration::from_secs(7));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SUCCEEDED ") && l.contains(here.as_str())),
        "{}",
        run.stdout
    );
    assert!(
        lines.iter().any(|l| l.starts_with("WAITING ")
            && l.contains(away.as_str())
            && l.ends_with("Pending")),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains(&format!("1 of 2 ended, {here}: Succeeded")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("still under way"), "{}", run.stderr);
    // Back online, the release goes through: Defender went on without Cordon, and
    // `cordon jobs wait` sees it end.
    env.ctl().set_online(&away_id, true).await.expect("online");
    let jobs = env.cordon(&["jobs", "--json"]).await.json();
    let job_id = jobs[0]["id"].as_str().unwrap();
    let again = env
        .cordon(&["jobs", "wait", job_id, "--for", "1m", "--json"])
        .await;
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let out = again.json();
    assert!(out.get("preview").is_none());
    assert_eq!(out["wait"]["succeeded"], 2);
    assert_eq!(out["job"]["job"]["id"], job_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_isolation_exits_1_with_defenders_status() {
    let env = support::demo().await;
    quick_actions(&env, 1.0).await;
    let (_, name) = online(&env, false, 1).await.remove(0);
    let run = env
        .cordon(&["isolate", &name, "--comment", "IR-9", "--wait", "1m"])
        .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("FAILED ") && run.stdout.trim_end().ends_with("Failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("0 succeeded, 1 failed"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_and_dry_run_do_not_go_together() {
    let env = support::demo().await;
    let run = env
        .cordon(&["isolate", "ws-01", "--comment", "x", "--dry-run", "--wait"])
        .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let bad = env
        .cordon(&["isolate", "ws-01", "--comment", "x", "--wait", "10"])
        .await;
    assert_eq!(bad.code, 2, "a unit is required: {}", bad.stderr);
    assert!(bad.stderr.contains("not a duration"), "{}", bad.stderr);
    assert!(env.requests().await.is_empty());
}
