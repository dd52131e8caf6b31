//! Lifecycle rules, checked without HTTP.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::config::{DuplicatePolicy, SimConfig};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn machine(online: bool, vpn: bool) -> Machine {
    Machine {
        id: "a".repeat(40),
        dns: "ws-test-0001.contoso.local".into(),
        first_seen: t0() - Duration::days(100),
        last_report: t0() - Duration::hours(3),
        report_phase_secs: 3600,
        os_platform: "Windows11",
        version: "23H2",
        os_build: Some(22631),
        arch: "64-bit",
        agent_version: "10.8760.22631.3447",
        last_ip: "10.1.2.3".into(),
        external_ip: "203.0.113.7".into(),
        mac: "00-15-5D-01-02-03".into(),
        rbac_group_name: Arc::from("Test"),
        rbac_group_id: 7,
        risk: "Low",
        exposure: "Low",
        device_value: "Normal",
        aad_device_id: None,
        tags: vec![],
        online,
        online_since: t0() - Duration::days(1),
        flaky: false,
        no_sensor_data: false,
        full_tunnel_vpn: vpn,
        isolated: false,
        restricted: false,
    }
}

fn tenant(policy: DuplicatePolicy) -> Tenant {
    let cfg = SimConfig {
        duplicate_policy: policy,
        ..SimConfig::default()
    };
    Tenant::new(1, Lifecycle::from(&cfg))
}

fn req(kind: ActionType) -> NewAction {
    NewAction {
        kind,
        scope: Some("Full"),
        requestor: Arc::from("tester"),
        comment: Arc::from("why"),
        external_id: None,
    }
}

fn created(s: Result<Submitted, SubmitError>) -> u32 {
    match s {
        Ok(Submitted::Created(a)) => a,
        other => panic!("expected a new action, got {other:?}"),
    }
}

#[test]
fn online_isolation_goes_pending_inprogress_succeeded() {
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(true, false));
    let a = created(t.submit(m, req(ActionType::Isolate), t0()));
    assert_eq!(t.actions[a as usize].status, Status::Pending);
    t.settle(t0() + Duration::seconds(29));
    assert_eq!(t.actions[a as usize].status, Status::Pending);
    t.settle(t0() + Duration::seconds(31));
    assert_eq!(t.actions[a as usize].status, Status::InProgress);
    assert!(
        !t.machines[0].isolated,
        "isolated only once the action succeeds"
    );
    t.settle(t0() + Duration::seconds(500));
    let act = &t.actions[a as usize];
    assert_eq!(act.status, Status::Succeeded);
    assert_eq!(
        act.updated,
        t0() + Duration::seconds(120),
        "exact event time"
    );
    assert!(t.machines[0].isolated);
}

#[test]
fn offline_machine_stays_pending_then_times_out_after_three_days() {
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(false, false));
    let a = created(t.submit(m, req(ActionType::Isolate), t0()));
    t.settle(t0() + Duration::hours(71));
    assert_eq!(t.actions[a as usize].status, Status::Pending);
    t.settle(t0() + Duration::hours(73));
    assert_eq!(t.actions[a as usize].status, Status::TimeOut);
    assert_eq!(t.actions[a as usize].updated, t0() + Duration::days(3));
}

#[test]
fn offline_machine_coming_back_gets_its_action() {
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(false, false));
    let a = created(t.submit(m, req(ActionType::Isolate), t0()));
    t.set_online(m, true, t0() + Duration::hours(5));
    t.settle(t0() + Duration::hours(5) + Duration::seconds(200));
    assert_eq!(t.actions[a as usize].status, Status::Succeeded);
    assert!(t.machines[0].isolated);
}

#[test]
fn full_tunnel_vpn_machine_never_receives_its_release() {
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(true, true));
    created(t.submit(m, req(ActionType::Isolate), t0()));
    let later = t0() + Duration::minutes(10);
    let r = created(t.submit(m, req(ActionType::Unisolate), later));
    t.settle(later + Duration::days(4));
    assert_eq!(t.actions[r as usize].status, Status::TimeOut);
    assert!(t.machines[0].isolated);
}

#[test]
fn duplicates_follow_the_policy() {
    let mut t = tenant(DuplicatePolicy::PendingAction);
    let m = t.add_machine(machine(false, false));
    let a = created(t.submit(m, req(ActionType::Isolate), t0()));
    assert_eq!(
        t.submit(m, req(ActionType::Isolate), t0()),
        Ok(Submitted::Existing(a))
    );
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(false, false));
    created(t.submit(m, req(ActionType::Isolate), t0()));
    assert_eq!(
        t.submit(m, req(ActionType::Isolate), t0()),
        Err(SubmitError::AlreadyInProgress)
    );
    // A different type is not a duplicate.
    created(t.submit(m, req(ActionType::Unisolate), t0()));
}

#[test]
fn cancel_only_active_actions() {
    let mut t = tenant(DuplicatePolicy::Error);
    let m = t.add_machine(machine(false, false));
    let a = created(t.submit(m, req(ActionType::Isolate), t0()));
    assert_eq!(t.cancel(a, Arc::from("x"), Some("c".into()), t0()), Ok(()));
    assert_eq!(t.actions[a as usize].status, Status::Cancelled);
    assert_eq!(
        t.cancel(a, Arc::from("x"), None, t0()),
        Err(Status::Cancelled)
    );
}

#[test]
fn health_turns_inactive_after_seven_days_offline() {
    let mut m = machine(true, false);
    m.go_offline(t0());
    assert_eq!(m.health(t0() + Duration::days(6)), "Active");
    assert_eq!(m.health(t0() + Duration::days(8)), "Inactive");
    let mut on = machine(true, false);
    on.report_phase_secs = 0;
    let seen = on.last_seen(t0() + Duration::days(2));
    assert!(seen <= t0() + Duration::days(2) && seen > t0() + Duration::days(1));
}

#[test]
fn selective_isolation_not_on_linux() {
    let mut t = tenant(DuplicatePolicy::Error);
    let mut lx = machine(true, false);
    lx.os_platform = "Linux";
    let m = t.add_machine(lx);
    let mut r = req(ActionType::Isolate);
    r.scope = Some("Selective");
    assert_eq!(
        t.submit(m, r, t0()),
        Err(SubmitError::OsPlatformNotSupported)
    );
}
