//! Reconciliation, auto-reconcile, grouping and history against the demo simulator
//! (real HTTP, the simulator's own ledger and request log as the truth).
//!
//! - a release pending on an offline machine is never reissued while pending;
//!   after Defender's 72 h it is flagged "timed out — reissue needed" and waits (for a
//!   person, or auto-reconcile once the machine is seen again).
//! - Auto-reconcile: a timed-out release whose machine comes back is resubmitted
//!   exactly once and succeeds; running the step again sends nothing.
//! - Manual resubmit: refusals send nothing; cancel-and-resubmit cancels first.
//! - The demo's false-positive storm is one batch with a stable id.
//! - History filters and the CSV agree with the ledger.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use cordon_core::CoreError;
use cordon_core::dto::ReleaseRequest;
use cordon_core::dto::jobs::{
    AuditFilter, HistoryFilter, JobKind, JobState, NextStep, ReconRow, StuckCause,
};
use mde_sim::identities::AUTOMATION_APP_NAME;
use mde_sim::scenario::demo::{E1_TIMED_OUT, STORM_RELEASED_OFFLINE, STORM_SIZE};
use serde_json::Value;
use support::LoggedRequest;

const HOUR: u64 = 3600;

/// Isolate/Unisolate POSTs for `machine` in the request log.
fn posts_for(log: &[LoggedRequest], machine: &str, verb: &str) -> usize {
    log.iter()
        .filter(|r| r.method == "POST" && r.path.contains(machine) && r.path.ends_with(verb))
        .count()
}

/// The simulator's ledger entries of `kind` for `machine`.
fn ledger_for(ledger: &[Value], machine: &str, kind: &str) -> Vec<Value> {
    ledger
        .iter()
        .filter(|a| a["machineId"] == machine && a["type"] == kind)
        .cloned()
        .collect()
}

fn row_of<'a>(rows: &'a [ReconRow], machine: &str) -> Option<&'a ReconRow> {
    rows.iter().find(|r| r.machine_id == machine)
}

/// Waits (bounded) until the job's items all reached a terminal state.
async fn finished(env: &support::Env, job: &str) -> cordon_core::dto::jobs::JobDetail {
    for _ in 0..200 {
        let d = env.app.job(job).expect("job");
        if d.job.state != JobState::Running {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {job} did not finish: {:?}", env.app.job(job));
}

#[tokio::test]
async fn r7_a_long_pending_release_is_not_reissued_until_it_times_out() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let rows = env.app.reconciliation().expect("rows");
    let offline: Vec<&ReconRow> = rows
        .iter()
        .filter(|r| r.kind == JobKind::Release && r.cause == StuckCause::Offline)
        .collect();
    assert!(
        offline.len() >= STORM_RELEASED_OFFLINE,
        "the storm's offline releases are stuck: {rows:#?}"
    );
    // A machine that really is off (not one behind a VPN, which still reports).
    let state = env.state().await;
    let is_off = |id: &str| state.machines.iter().any(|m| m.id == id && !m.online);
    let r = (*offline.iter().find(|r| is_off(&r.machine_id)).unwrap()).clone();
    assert_eq!(r.next_step, NextStep::WaitForDevice, "{r:#?}");
    assert!(
        r.cause_text.starts_with("Release pending "),
        "{}",
        r.cause_text
    );
    assert!(r.next_at.is_some(), "the 72 h deadline is shown");
    assert_eq!(r.requestor, "bob@contoso.example");

    // Neither the auto-reconcile step nor a person's resubmit sends anything.
    let before = env.requests().await;
    assert!(env.app.auto_reconcile_tick().await.is_empty());
    let refused = env.app.resubmit(vec![r.machine_id.clone()], None).await;
    assert!(
        matches!(&refused, Err(CoreError::Invalid { message, .. }) if message.contains("waits for the device")),
        "{refused:?}"
    );
    // Hours pass, still pending: still waiting, still nothing sent.
    env.advance(40 * HOUR).await;
    env.app.refresh().await.expect("sync");
    let mid = env.app.reconciliation().expect("rows");
    let still = row_of(&mid, &r.machine_id).expect("still stuck");
    assert_eq!(
        (still.cause, still.next_step),
        (StuckCause::Offline, NextStep::WaitForDevice)
    );
    assert!(env.app.auto_reconcile_tick().await.is_empty());

    // Defender gives up after 72 h: flagged, and it waits for the machine (auto) or a
    // person; the machine is still offline, so nothing is sent.
    env.advance(33 * HOUR).await;
    env.app.refresh().await.expect("sync");
    let after = env.app.reconciliation().expect("rows");
    let t = row_of(&after, &r.machine_id).expect("timed out row");
    assert_eq!(t.cause, StuckCause::TimedOut, "{t:#?}");
    assert_eq!(t.action_id, r.action_id);
    assert!(
        t.cause_text.contains("timed out — reissue needed"),
        "{}",
        t.cause_text
    );
    assert_eq!(t.next_step, NextStep::AutoResubmit);
    assert!(
        t.next_text.contains("when the device is seen again"),
        "{}",
        t.next_text
    );
    env.app.auto_reconcile_tick().await;
    let log = env.requests().await;
    assert_eq!(
        posts_for(&log, &r.machine_id, "/unisolate"),
        posts_for(&before, &r.machine_id, "/unisolate"),
        "no reissue for an offline machine"
    );
    let ledger = env.ledger().await;
    assert_eq!(ledger_for(&ledger, &r.machine_id, "Unisolate").len(), 1);
}

#[tokio::test]
async fn auto_reconcile_resubmits_once_when_the_machine_returns() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let rows = env.app.reconciliation().expect("rows");
    let timed_out: Vec<&ReconRow> = rows
        .iter()
        .filter(|r| r.kind == JobKind::Release && r.cause == StuckCause::TimedOut)
        .collect();
    assert_eq!(
        timed_out.len(),
        E1_TIMED_OUT,
        "last week's timed-out releases: {rows:#?}"
    );
    let r = timed_out[0].clone();
    assert_eq!(r.health, "Inactive");
    assert!(
        r.cause_text
            .contains("resubmitting will not help until it returns")
    );
    assert_eq!(r.next_step, NextStep::AutoResubmit);
    assert!(
        env.app.auto_reconcile_tick().await.is_empty(),
        "not seen yet"
    );

    let before = ledger_for(&env.ledger().await, &r.machine_id, "Unisolate").len();
    env.set_online(&r.machine_id, true).await;
    env.app.refresh().await.expect("sync");
    let seen = env.app.reconciliation().expect("rows");
    let row = row_of(&seen, &r.machine_id).expect("row");
    assert_eq!(row.next_step, NextStep::AutoResubmit);
    assert!(row.next_text.contains("(try 1 of 3)"), "{}", row.next_text);
    assert!(row.next_at.is_some());

    let jobs = env.app.auto_reconcile_tick().await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    assert_eq!(jobs[0].source.as_deref(), Some("auto-reconcile"));
    assert_eq!(
        jobs[0].comment,
        "Cordon auto-reconcile: resubmitting release after timeout (try 1 of 3)"
    );
    assert_eq!(jobs[0].total, 1);
    // A second round while the job runs (or right after) sends nothing more.
    assert!(env.app.auto_reconcile_tick().await.is_empty());
    let done = finished(&env, &jobs[0].id).await;
    assert_eq!(done.job.succeeded, 1, "{done:#?}");
    env.app.refresh().await.expect("sync");
    assert!(env.app.auto_reconcile_tick().await.is_empty());

    let ledger = env.ledger().await;
    let releases = ledger_for(&ledger, &r.machine_id, "Unisolate");
    assert_eq!(releases.len(), before + 1, "exactly one new release");
    env.advance(600).await;
    env.app.refresh().await.expect("sync");
    assert!(env.app.auto_reconcile_tick().await.is_empty());
    let ledger = env.ledger().await;
    let releases = ledger_for(&ledger, &r.machine_id, "Unisolate");
    assert_eq!(releases.len(), before + 1, "still exactly one new release");
    assert_eq!(releases.last().unwrap()["status"], "Succeeded");
    assert!(row_of(&env.app.reconciliation().unwrap(), &r.machine_id).is_none());
    let truth = env.state().await;
    let m = truth
        .machines
        .iter()
        .find(|m| m.id == r.machine_id)
        .unwrap()
        .clone();
    assert!(!m.isolated);

    // The decision is in the audit log.
    let audit = env
        .app
        .audit_all(&AuditFilter {
            text: Some("auto_reconcile.resubmit".into()),
            ..AuditFilter::default()
        })
        .expect("audit");
    let entry = audit
        .iter()
        .find(|e| e.machine_id.as_deref() == Some(r.machine_id.as_str()))
        .unwrap_or_else(|| panic!("{audit:#?}"));
    assert_eq!(entry.job_id.as_deref(), Some(jobs[0].id.as_str()));
    assert_eq!(entry.action_id.as_deref(), Some(r.action_id.as_str()));
    assert!(
        entry.detail.contains("resubmitted (try 1 of 3)"),
        "{}",
        entry.detail
    );
}

#[tokio::test]
async fn the_sync_loop_runs_auto_reconcile() {
    let env = support::demo().await;
    let mut cfg = support::config(
        &env.sim.base_url(),
        mde_sim::identities::ANALYST_CLIENT_ID,
        mde_sim::identities::ANALYST_SECRET,
    );
    cfg.machines_every = Duration::from_millis(200);
    cfg.busy_poll = Duration::from_millis(200);
    cfg.idle_poll = Duration::from_millis(200);
    let app = cordon_core::App::start(cfg).expect("core");
    app.refresh().await.expect("sync");
    let rows = app.reconciliation().expect("rows");
    let r = rows
        .iter()
        .find(|r| r.kind == JobKind::Release && r.cause == StuckCause::TimedOut)
        .unwrap()
        .clone();
    let before = ledger_for(&env.ledger().await, &r.machine_id, "Unisolate").len();
    env.set_online(&r.machine_id, true).await;
    app.wake();
    let mut sent = 0;
    for _ in 0..100 {
        sent = ledger_for(&env.ledger().await, &r.machine_id, "Unisolate").len() - before;
        if sent > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent, 1, "the loop resubmitted the release");
    // More rounds go by: still exactly one.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let ledger = env.ledger().await;
    assert_eq!(
        ledger_for(&ledger, &r.machine_id, "Unisolate").len(),
        before + 1
    );
    let jobs = app.jobs().expect("jobs");
    assert_eq!(
        jobs.iter()
            .filter(|j| j.source.as_deref() == Some("auto-reconcile"))
            .count(),
        1
    );
}

#[tokio::test]
async fn auto_reconcile_stops_after_its_tries_and_a_person_decides() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let mut s = env.app.reconcile_settings().unwrap();
    s.max_tries = 1;
    env.app.set_reconcile_settings(s).unwrap();
    let rows = env.app.reconciliation().expect("rows");
    let r = rows
        .iter()
        .find(|r| r.kind == JobKind::Release && r.cause == StuckCause::TimedOut)
        .unwrap()
        .clone();
    let before = ledger_for(&env.ledger().await, &r.machine_id, "Unisolate").len();

    // Back for a moment: the one try is sent; the device drops off again before it
    // picks the release up, and Defender times the new release out too.
    env.set_online(&r.machine_id, true).await;
    env.app.refresh().await.expect("sync");
    let jobs = env.app.auto_reconcile_tick().await;
    assert_eq!(jobs.len(), 1);
    assert!(
        jobs[0].comment.ends_with("(try 1 of 1)"),
        "{}",
        jobs[0].comment
    );
    finished(&env, &jobs[0].id).await;
    env.set_online(&r.machine_id, false).await;
    env.advance(73 * HOUR).await;
    env.set_online(&r.machine_id, true).await;
    env.app.refresh().await.expect("sync");

    let rows = env.app.reconciliation().expect("rows");
    let row = row_of(&rows, &r.machine_id).expect("stuck again");
    assert_eq!(row.cause, StuckCause::TimedOut);
    assert_ne!(
        row.action_id, r.action_id,
        "the resubmitted release timed out"
    );
    assert_eq!(row.tries, 1);
    assert_eq!(row.next_step, NextStep::NeedsPerson, "{row:#?}");
    assert!(
        row.next_text.contains("a person decides"),
        "{}",
        row.next_text
    );
    // Other machines whose release timed out while the clock moved 73 h may get their
    // first try now; this one gets no further try.
    for job in env.app.auto_reconcile_tick().await {
        let detail = env.app.job(&job.id).expect("job");
        assert!(
            detail.items.iter().all(|i| i.machine_id != r.machine_id),
            "no third send: {detail:?}"
        );
    }
    let ledger = env.ledger().await;
    assert_eq!(
        ledger_for(&ledger, &r.machine_id, "Unisolate").len(),
        before + 1
    );

    // The person decides: resubmit.
    let jobs = env
        .app
        .resubmit(vec![r.machine_id.clone()], None)
        .await
        .expect("a person may resubmit");
    let done = finished(&env, &jobs[0].id).await;
    assert_eq!(done.job.succeeded, 1);
    assert!(
        done.job
            .comment
            .starts_with("Cordon reconcile: resubmitting the release"),
        "{}",
        done.job.comment
    );
    let ledger = env.ledger().await;
    assert_eq!(
        ledger_for(&ledger, &r.machine_id, "Unisolate").len(),
        before + 2
    );
}

#[tokio::test]
async fn manual_resubmit_refuses_what_is_not_stuck_and_cancels_before_resending() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let snap = env.app.snapshot();
    let rows = env.app.reconciliation().expect("rows");
    let fine = snap
        .machines
        .iter()
        .find(|m| row_of(&rows, &m.id).is_none())
        .unwrap();
    let before = env.requests().await.len();
    let e = env.app.resubmit(vec![fine.id.clone()], None).await;
    assert!(
        matches!(&e, Err(CoreError::Invalid { message, .. }) if message.contains("nothing to resubmit")),
        "{e:?}"
    );
    assert!(matches!(
        env.app.resubmit(vec![], None).await,
        Err(CoreError::NoMachines)
    ));
    let log = env.requests().await;
    let sent = support::posts(&log[before..], "isolate") + support::posts(&log[before..], "cancel");
    assert_eq!(sent, 0, "a refusal sends nothing");

    // A timed-out release: a person resubmits it (auto-reconcile off for this one).
    let mut s = env.app.reconcile_settings().unwrap();
    s.auto_reconcile = false;
    env.app.set_reconcile_settings(s).unwrap();
    let t = rows
        .iter()
        .find(|r| r.kind == JobKind::Release && r.cause == StuckCause::TimedOut)
        .unwrap()
        .clone();
    let row = row_of(&env.app.reconciliation().unwrap(), &t.machine_id)
        .unwrap()
        .clone();
    assert_eq!(row.next_step, NextStep::Resubmit);
    let jobs = env
        .app
        .resubmit(
            vec![t.machine_id.clone()],
            Some("Resubmitting after timeout".into()),
        )
        .await
        .expect("resubmitted");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].source.as_deref(), Some("reconcile"));
    assert_eq!(jobs[0].kind, JobKind::Release);
    finished(&env, &jobs[0].id).await;
    let ledger = env.ledger().await;
    let rel = ledger_for(&ledger, &t.machine_id, "Unisolate");
    assert_eq!(rel.len(), 2);
    assert_eq!(rel[1]["status"], "Pending", "the machine is still offline");
    assert_eq!(rel[1]["requestorComment"], "Resubmitting after timeout");

    // Pending while the device reports (a full-tunnel VPN cuts it off once isolated):
    // cancel and resubmit.
    let state = env.state().await;
    let active: HashSet<&str> = snap
        .machines
        .iter()
        .filter(|m| m.health == "Active")
        .map(|m| m.id.as_str())
        .collect();
    let vpn_id = state
        .machines
        .iter()
        .filter(|m| active.contains(m.id.as_str()))
        .find(|m| m.online && m.isolated && !m.full_tunnel_vpn)
        .map(|m| m.id.clone())
        .unwrap();
    env.ctl().set_vpn(&vpn_id, true).await.expect("control vpn");
    let out = env
        .app
        .release(ReleaseRequest {
            machine_ids: vec![vpn_id.clone()],
            comment: "False positive: release".into(),
        })
        .await
        .expect("release");
    assert!(out[0].error.is_none(), "{out:?}");
    env.advance(30 * HOUR).await;
    env.app.refresh().await.expect("sync");
    let rows = env.app.reconciliation().unwrap();
    let p = row_of(&rows, &vpn_id).expect("stuck release").clone();
    assert_eq!(
        (p.cause, p.next_step),
        (StuckCause::PendingTooLong, NextStep::CancelAndResubmit),
        "{p:#?}"
    );
    let jobs = env
        .app
        .resubmit(vec![vpn_id.clone()], None)
        .await
        .expect("cancel and resubmit");
    finished(&env, &jobs[0].id).await;
    let ledger = env.ledger().await;
    let rel = ledger_for(&ledger, &vpn_id, "Unisolate");
    let statuses: Vec<&str> = rel.iter().map(|a| a["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert_eq!(statuses[0], "Cancelled");
    assert!(
        matches!(statuses[1], "Pending" | "InProgress"),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn the_demo_storm_is_one_batch_with_a_stable_id() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let groups = env.app.groups();
    let storm = groups
        .iter()
        .find(|g| g.requestor == AUTOMATION_APP_NAME && g.count as usize == STORM_SIZE)
        .unwrap_or_else(|| panic!("one batch of {STORM_SIZE}: {groups:#?}"));
    assert_eq!(groups[0].id, storm.id, "the largest batch comes first");
    assert_eq!(storm.title, "Alert: 'Wacatac' malware was detected");
    assert_eq!(storm.comment, "Isolate machine because alert - …");
    assert_eq!(storm.machines.len(), STORM_SIZE);
    // Every machine isolated now is in exactly one batch.
    let snap = env.app.snapshot();
    let total: u32 = groups.iter().map(|g| g.count).sum();
    assert_eq!(total, snap.counters.isolated_now);
    let mut all = HashSet::new();
    for g in &groups {
        for m in &g.machines {
            assert!(all.insert(m.id.clone()), "{} in two batches", m.name);
        }
    }
    // By id; and a second core on the same tenant computes the same id.
    assert_eq!(env.app.group(&storm.id).unwrap().count as usize, STORM_SIZE);
    assert!(env.app.group("000000000000").is_err());
    let other = cordon_core::App::new(support::config(
        &env.sim.base_url(),
        mde_sim::identities::ANALYST_CLIENT_ID,
        mde_sim::identities::ANALYST_SECRET,
    ))
    .unwrap();
    other.refresh().await.expect("sync");
    assert!(other.groups().iter().any(|g| g.id == storm.id));

    // The CLI's --isolated-by-comment selection.
    let by_comment = env.app.isolated_by_comment("ISOLATE MACHINE BECAUSE ALERT");
    let ids: HashSet<&str> = by_comment.iter().map(|m| m.id.as_str()).collect();
    assert!(storm.machines.iter().all(|m| ids.contains(m.id.as_str())));
    assert!(env.app.isolated_by_comment("  ").is_empty());
    assert!(
        env.app
            .isolated_by_comment("no such comment anywhere")
            .is_empty()
    );
}

#[tokio::test]
async fn history_filters_and_csv_agree_with_the_ledger() {
    let env = support::demo().await;
    env.app.refresh().await.expect("sync");
    let ledger = env.ledger().await;
    let isolation: Vec<&Value> = ledger
        .iter()
        .filter(|a| a["type"] == "Isolate" || a["type"] == "Unisolate")
        .collect();
    let all = env.app.history(HistoryFilter::default()).expect("history");
    assert_eq!(all.rows.len(), isolation.len());
    assert!(
        all.rows.windows(2).all(|w| w[0].created >= w[1].created),
        "newest first"
    );
    let isolations: u32 = all.per_day.iter().map(|d| d.isolations).sum();
    let releases: u32 = all.per_day.iter().map(|d| d.releases).sum();
    assert_eq!(
        isolations as usize,
        isolation.iter().filter(|a| a["type"] == "Isolate").count()
    );
    assert_eq!((isolations + releases) as usize, all.rows.len());

    let bob = HistoryFilter {
        kind: Some(JobKind::Release),
        requestor: Some("bob@".into()),
        ..HistoryFilter::default()
    };
    let h = env.app.history(bob).expect("history");
    let want = isolation
        .iter()
        .filter(|a| a["type"] == "Unisolate" && a["requestor"] == "bob@contoso.example")
        .count();
    assert_eq!(h.rows.len(), want);
    assert!(want >= STORM_RELEASED_OFFLINE);

    let timed_out = HistoryFilter {
        status: Some("timeout".into()),
        since: Some(
            (env.sim.now() - chrono::Duration::days(10))
                .format("%Y-%m-%d")
                .to_string(),
        ),
        ..HistoryFilter::default()
    };
    let h = env.app.history(timed_out.clone()).expect("history");
    assert!(h.rows.iter().all(|r| r.status == "TimeOut"));
    assert!(h.rows.len() >= E1_TIMED_OUT);
    let csv = env.app.history_csv(timed_out).expect("csv");
    assert_eq!(csv.split("\r\n").count(), h.rows.len() + 2);
    assert!(
        csv.starts_with("\u{feff}\"created\",\"updated\",\"type\",\"status\",\"machine\","),
        "BOM, then every cell quoted: {}",
        &csv[..80.min(csv.len())]
    );

    let bad = env.app.history(HistoryFilter {
        status: Some("Done".into()),
        ..HistoryFilter::default()
    });
    assert!(matches!(bad, Err(CoreError::Invalid { field, .. }) if field == "status"));
}
