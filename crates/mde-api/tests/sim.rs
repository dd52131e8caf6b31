//! The client against the real simulator (`mde-sim`): auth, permissions,
//! faults, the action lifecycle, filters, paging and the simulation clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use mde_api::{
    ActionStatus, ActionType, Client, ClientOptions, Credentials, Endpoints, Error, Filter,
    IsolationType, Machine, MachineId, Query,
};
use mde_sim::control_client::{Fault, FaultKind, LoggedRequest, SimControl};
use mde_sim::identities as ids;
use serde_json::Value;

struct Sim {
    // Kept alive for the test's duration.
    _handle: mde_sim::SimHandle,
    base: String,
    http: reqwest::Client,
}

impl Sim {
    async fn start(scenario: mde_sim::Scenario) -> Sim {
        let handle = mde_sim::Simulator::start(mde_sim::SimConfig {
            scenario,
            ..Default::default()
        })
        .await
        .expect("simulator starts");
        let base = handle.base_url().to_string();
        Sim {
            _handle: handle,
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn demo() -> Sim {
        Sim::start(mde_sim::Scenario::Demo).await
    }

    fn client(&self, client_id: &str, secret: &str) -> Client {
        Client::new(
            Endpoints::custom(&self.base, &self.base).unwrap(),
            Credentials::client_secret(ids::TENANT_ID, client_id, secret),
            ClientOptions {
                base_backoff: Duration::from_millis(50),
                requests_per_minute: None,
                requests_per_hour: None,
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn analyst(&self) -> Client {
        self.client(ids::ANALYST_CLIENT_ID, ids::ANALYST_SECRET)
    }

    /// The typed client of the simulator's control API.
    fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.base.clone())
    }

    async fn fault(&self, path_contains: &str, method: &str, count: u32, kind: FaultKind) {
        self.ctl()
            .add_fault(Fault::new(path_contains, kind).method(method).count(count))
            .await
            .expect("control faults");
    }

    async fn advance(&self, seconds: u64) {
        self.ctl()
            .advance(seconds as f64)
            .await
            .expect("control clock");
    }

    async fn set_online(&self, id: &MachineId, online: bool) {
        self.ctl()
            .set_online(id.as_str(), online)
            .await
            .expect("control online");
    }

    /// The simulator's request log.
    async fn requests(&self) -> Vec<LoggedRequest> {
        self.ctl().requests().await.expect("control requests")
    }

    /// Requests in the log whose method matches and whose path contains `part`.
    async fn logged(&self, method: &str, part: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.method == method && r.path.contains(part))
            .count()
    }

    /// Actions in the ledger for one machine.
    async fn ledger(&self, id: &MachineId) -> Vec<Value> {
        self.ctl()
            .actions()
            .await
            .expect("control actions")
            .into_iter()
            .filter(|a| a["machineId"].as_str() == Some(id.as_str()))
            .collect()
    }
}

/// An online, unisolated machine with no Pending/InProgress action.
async fn idle_machine(sim: &Sim, client: &Client) -> MachineId {
    let state = sim.ctl().state().await.expect("control state");
    let calm: Vec<String> = state
        .machines
        .into_iter()
        .filter(|m| !m.isolated && !m.full_tunnel_vpn)
        .map(|m| m.id)
        .collect();
    let busy: Vec<String> = client
        .list_machine_actions(
            &Query::new().filter(Filter::r#in("status", ["Pending", "InProgress"])),
        )
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.machine_id)
        .collect();
    let machines: Vec<Machine> = client.list_machines(&Query::new()).await.unwrap();
    let id = machines
        .iter()
        .map(|m| MachineId::parse(&m.id).unwrap())
        .find(|id| {
            calm.iter().any(|c| c.eq_ignore_ascii_case(id.as_str()))
                && !busy.iter().any(|b| b.eq_ignore_ascii_case(id.as_str()))
        })
        .expect("an idle machine");
    sim.set_online(&id, true).await;
    id
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let sim = Sim::demo().await;
    let err = sim
        .client(ids::ANALYST_CLIENT_ID, "wrong")
        .list_machines(&Query::new())
        .await
        .unwrap_err();
    match &err {
        Error::Auth { error, .. } => assert_eq!(error, "invalid_client"),
        other => panic!("{other:?}"),
    }
    assert!(
        !format!("{err:?}").contains("wrong\""),
        "no secret in errors"
    );
}

#[tokio::test]
async fn reader_may_read_but_not_isolate() {
    let sim = Sim::demo().await;
    let reader = sim.client(ids::READER_CLIENT_ID, ids::READER_SECRET);
    let mut perms = reader.granted_permissions().await.unwrap();
    perms.sort();
    let mut want: Vec<String> = ids::READER_ROLES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(perms, want);

    let machines = reader.list_machines(&Query::new().top(1)).await.unwrap();
    let id = MachineId::parse(&machines[0].id).unwrap();
    let err = reader
        .isolate(&id, IsolationType::Full, "not allowed")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
    assert_eq!(err.code(), Some("Forbidden"));
    match &err {
        Error::Api { message, .. } => assert!(message.contains("Machine.Isolate"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(err.correlation_id().is_some());
    assert!(
        sim.ledger(&id)
            .await
            .iter()
            .all(|a| a["requestorComment"] != "not allowed")
    );
}

#[tokio::test]
async fn invalid_machine_id_sends_nothing() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    client.list_machines(&Query::new().top(1)).await.unwrap();
    for bad in [
        "../../alerts",
        "1e5bc9d7e413ddd7902c2932e418702b84d0cc0",
        "x y",
    ] {
        let err = MachineId::parse(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidMachineId { .. }));
    }
    assert_eq!(sim.logged("POST", "/api/machines").await, 0);
}

#[tokio::test]
async fn get_429_is_waited_out() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    sim.fault("/api/machines", "GET", 1, FaultKind::throttle(1))
        .await;
    let started = std::time::Instant::now();
    let machines = client.list_machines(&Query::new()).await.unwrap();
    assert!(!machines.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(sim.logged("GET", "/api/machines").await, 2);
}

#[tokio::test]
async fn get_500_is_retried() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    sim.fault("/api/machineactions", "GET", 2, FaultKind::status(500))
        .await;
    let actions = client.list_machine_actions(&Query::new()).await.unwrap();
    assert!(!actions.is_empty());
    assert_eq!(sim.logged("GET", "/api/machineactions").await, 3);
}

#[tokio::test]
async fn post_500_is_not_retried() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let id = idle_machine(&sim, &client).await;
    let before = sim.ledger(&id).await.len();
    sim.fault("/isolate", "POST", 1, FaultKind::status(500))
        .await;
    let err = client
        .isolate(&id, IsolationType::Full, "500 test")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable(), "the caller may decide to resend");
    assert_eq!(sim.logged("POST", "/isolate").await, 1, "exactly one POST");
    assert!(sim.ledger(&id).await.len() <= before + 1);
}

#[tokio::test]
async fn accept_then_drop_on_post_is_outcome_unknown() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let id = idle_machine(&sim, &client).await;
    sim.fault("/isolate", "POST", 1, FaultKind::accept_then_drop())
        .await;
    let err = client
        .isolate(&id, IsolationType::Full, "dropped")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(sim.logged("POST", "/isolate").await, 1);
    // Reconciliation: the action exists and can be found by reading.
    let found = client
        .list_machine_actions(
            &Query::new()
                .filter(Filter::eq("machineId", id.as_str()).and(Filter::eq("type", "Isolate"))),
        )
        .await
        .unwrap();
    assert!(
        found
            .iter()
            .any(|a| a.requestor_comment.as_deref() == Some("dropped"))
    );
}

#[tokio::test]
async fn isolate_then_succeeds_after_the_clock_moves() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let id = idle_machine(&sim, &client).await;
    let action = client
        .isolate(&id, IsolationType::Selective, "lifecycle")
        .await
        .unwrap();
    assert_eq!(action.action_type, ActionType::Isolate);
    assert_eq!(action.status, ActionStatus::Pending);
    assert_eq!(action.scope.as_deref(), Some("Selective"));
    assert_eq!(action.machine_id.as_deref(), Some(id.as_str()));

    sim.advance(600).await;
    let later = client.get_machine_action(&action.id).await.unwrap();
    assert_eq!(later.status, ActionStatus::Succeeded);
    assert!(later.last_update_date_time_utc.is_some());

    // Filtered listing finds it, and only matching rows come back.
    let listed = client
        .list_machine_actions(
            &Query::new()
                .filter(
                    Filter::eq("machineId", id.as_str())
                        .and(Filter::r#in("type", ["Isolate", "Unisolate"])),
                )
                .orderby("creationDateTimeUtc desc"),
        )
        .await
        .unwrap();
    assert!(listed.iter().any(|a| a.id == action.id));
    assert!(
        listed
            .iter()
            .all(|a| a.machine_id.as_deref() == Some(id.as_str())
                && matches!(a.action_type, ActionType::Isolate | ActionType::Unisolate))
    );
    assert_eq!(listed[0].id, action.id, "newest first");

    // Release it again.
    let release = client.unisolate(&id, "release").await.unwrap();
    assert_eq!(release.action_type, ActionType::Unisolate);
}

#[tokio::test]
async fn pending_action_on_offline_machine_can_be_cancelled() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let id = idle_machine(&sim, &client).await;
    sim.set_online(&id, false).await;
    let action = client
        .isolate(&id, IsolationType::Full, "offline")
        .await
        .unwrap();
    sim.advance(600).await;
    assert_eq!(
        client.get_machine_action(&action.id).await.unwrap().status,
        ActionStatus::Pending
    );
    let cancelled = client
        .cancel_action(&action.id, "changed my mind")
        .await
        .unwrap();
    assert_eq!(cancelled.id, action.id);
    let now = client.get_machine_action(&action.id).await.unwrap();
    assert_eq!(now.status, ActionStatus::Cancelled);
    assert_eq!(now.cancellation_comment.as_deref(), Some("changed my mind"));
}

#[tokio::test]
async fn server_now_follows_the_simulation_clock() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    client.list_machines(&Query::new().top(1)).await.unwrap();
    let skew = client.server_now() - chrono::Utc::now();
    assert!(skew.num_seconds().abs() <= 2, "{skew}");
    sim.advance(3 * 3600).await;
    // Tokens are checked in simulation time: the old one has expired, so this
    // also exercises the 401 → re-acquire path.
    client.list_machines(&Query::new().top(1)).await.unwrap();
    let skew = client.server_now() - chrono::Utc::now();
    assert!((skew.num_seconds() - 3 * 3600).abs() <= 2, "{skew}");
    let statuses: Vec<u16> = sim
        .requests()
        .await
        .iter()
        .filter(|r| r.path == "/api/machines")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 401, 200], "one 401, one re-acquire");
}

#[tokio::test]
async fn paging_gives_the_same_machines() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let all = client.list_machines(&Query::new()).await.unwrap();
    assert!(all.len() > 100, "demo has a few hundred machines");
    let small = Client::new(
        Endpoints::custom(&sim.base, &sim.base).unwrap(),
        Credentials::client_secret(ids::TENANT_ID, ids::ANALYST_CLIENT_ID, ids::ANALYST_SECRET),
        ClientOptions {
            page_size: 50,
            requests_per_minute: None,
            requests_per_hour: None,
            ..Default::default()
        },
    )
    .unwrap();
    let paged = small.list_machines(&Query::new()).await.unwrap();
    let mut a: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
    let mut b: Vec<&str> = paged.iter().map(|m| m.id.as_str()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    let top = small.list_machines(&Query::new().top(120)).await.unwrap();
    assert_eq!(top.len(), 120);

    // Filters reach the server intact, quotes included.
    let one = &all[0];
    let name = one.computer_dns_name.clone().unwrap();
    let by_name = client
        .list_machines(&Query::new().filter(Filter::eq("computerDnsName", name.as_str())))
        .await
        .unwrap();
    assert_eq!(by_name.len(), 1);
    let none = client
        .list_machines(&Query::new().filter(Filter::eq("computerDnsName", "o'brien' or 'a' eq 'a")))
        .await
        .unwrap();
    assert!(none.is_empty(), "an injected `or` stays inside the literal");
    assert_eq!(client.get_machine(&name).await.unwrap().id, one.id);
}

#[tokio::test]
async fn empty_tenant_lists_no_machines() {
    let sim = Sim::start(mde_sim::Scenario::Empty).await;
    let machines = sim.analyst().list_machines(&Query::new()).await.unwrap();
    assert!(machines.is_empty());
}

#[tokio::test]
async fn alerts_tags_and_ips() {
    let sim = Sim::demo().await;
    let client = sim.analyst();
    let alerts = client.list_alerts(&Query::new().top(5)).await.unwrap();
    assert!(!alerts.is_empty());
    let alert = client.get_alert(&alerts[0].id).await.unwrap();
    assert_eq!(alert.id, alerts[0].id);

    let machines = client.list_machines(&Query::new()).await.unwrap();
    let tagged = machines
        .iter()
        .find(|m| !m.machine_tags.is_empty())
        .expect("demo machines carry tags");
    let tag = &tagged.machine_tags[0];
    let found = client.find_machines_by_tag(tag, false).await.unwrap();
    assert!(found.iter().any(|m| m.id == tagged.id));
    assert!(found.iter().all(|m| m.machine_tags.contains(tag)));

    let (m, ip) = machines
        .iter()
        .find_map(|m| Some((m, m.last_ip_address.as_deref()?.parse().ok()?)))
        .expect("demo machines have IP addresses");
    let at = client.server_now();
    let found = client.find_machines_by_ip(ip, at).await.unwrap();
    assert!(
        found.iter().any(|f| f.id == m.id),
        "{ip} at {at}: {:?}",
        found.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}
