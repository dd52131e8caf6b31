//! The demo tenant of `product.md`: 300 machines and weeks of history; last night a
//! false-positive detection ('Wacatac' on the line-of-business updater) made the
//! automation app isolate 80 workstations and laptops; this morning Bob released the
//! ones whose owners were travelling, but those laptops are offline (or behind a
//! full-tunnel VPN) and the releases sit Pending; last week's smaller false positive left
//! four releases timed out; three machines are genuinely compromised and rightly
//! isolated; three isolations are under way right now; and a week of ordinary alerts
//! (about 30 a day, a few High) for the isolation rule's dry run.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::SliceRandom;

use super::alerts::{BACKGROUND, COBALT, POWERSHELL, WACATAC_FP, raise, week};
use super::fleet::{DEMO_ROLES, Role, machine, numbers};
use super::script::{Ev, Script};
use crate::identities::{ANALYST_APP_NAME, AUTOMATION_APP_NAME};
use crate::model::{ActionType, Tenant};

pub const STORM_SIZE: usize = 80;
pub const STORM_OFFLINE: usize = 12;
pub const STORM_RELEASED_OFFLINE: usize = 8;
pub const STORM_VPN: usize = 2;
pub const E1_SIZE: usize = 6;
pub const E1_TIMED_OUT: usize = 4;
pub const COMPROMISED: usize = 3;
pub const ANALYSTS: &[&str] = &[
    "alice@contoso.example",
    "bob@contoso.example",
    "carol@contoso.example",
    "dave@contoso.example",
];

pub(super) fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

pub(super) fn pick<'a, T>(t: &mut Tenant, items: &'a [T]) -> &'a T {
    &items[t.rng.gen_range(0..items.len())]
}

/// Builds the demo tenant as of `now`.
pub fn build(t: &mut Tenant, now: DateTime<Utc>) {
    let mut roles: Vec<(u32, &'static Role)> = Vec::new();
    // Two machines share a short host name in different domains (a finance
    // workstation re-imaged into the EMEA domain), as real estates do: resolving
    // "ws-fin-00NN" must then list both and act on neither until one is chosen.
    let mut first_host: Option<String> = None;
    for (ri, role) in DEMO_ROLES.iter().enumerate() {
        for (k, n) in numbers(&mut t.rng, role).into_iter().enumerate() {
            let mut m = machine(&mut t.rng, role, n, now, "contoso.local");
            if ri == 0 && k == 0 {
                first_host = m.dns.split('.').next().map(str::to_owned);
            }
            if let (0, 1, Some(host)) = (ri, k, &first_host) {
                m.dns = format!("{host}.emea.contoso.local");
            }
            roles.push((t.add_machine(m), role));
        }
    }
    let is_win_client = |r: &Role| r.os.iter().all(|o| o.starts_with("Windows1"));
    let mut used: HashSet<u32> = HashSet::new();
    let take = |t: &mut Tenant,
                used: &mut HashSet<u32>,
                n: usize,
                pred: &dyn Fn(&Role) -> bool|
     -> Vec<u32> {
        let mut pool: Vec<u32> = roles
            .iter()
            .filter(|(m, r)| pred(r) && !used.contains(m))
            .map(|(m, _)| *m)
            .collect();
        pool.shuffle(&mut t.rng);
        pool.truncate(n);
        used.extend(&pool);
        pool
    };
    let storm_laptops = take(t, &mut used, STORM_OFFLINE + STORM_VPN + 10, &|r| {
        is_win_client(r) && r.laptop
    });
    let storm_desks = take(t, &mut used, STORM_SIZE - storm_laptops.len(), &|r| {
        is_win_client(r)
    });
    let compromised = [
        take(t, &mut used, 1, &|r| r.prefix == "srv-web"),
        take(t, &mut used, 1, &|r| r.prefix == "ws-eng"),
        take(t, &mut used, 1, &|r| r.prefix == "lt-sales"),
    ]
    .concat();
    let now_online = take(t, &mut used, 2, &|r| is_win_client(r) && !r.laptop);
    let now_offline = take(t, &mut used, 1, &|r| r.laptop);
    let e1 = take(t, &mut used, E1_SIZE, &|r| is_win_client(r) && r.laptop);
    let idle_offline = take(t, &mut used, 10, &|r| {
        r.laptop || r.prefix.starts_with("ws")
    });
    let history = take(t, &mut used, 70, &|r| r.prefix != "dc");

    let mut s = Script::default();
    let automation: Arc<str> = Arc::from(AUTOMATION_APP_NAME);
    let app: Arc<str> = Arc::from(ANALYST_APP_NAME);
    let people: Vec<Arc<str>> = ANALYSTS.iter().map(|a| Arc::from(*a)).collect();
    let (alice, bob, carol, dave) = (&people[0], &people[1], &people[2], &people[3]);

    // Weeks of everyday history.
    for &m in &history {
        super::history::incident(t, &mut s, m, now, &people, &app, &automation);
    }
    for _ in 0..25 {
        let m = roles[t.rng.gen_range(0..roles.len())].0;
        if roles[m as usize].1.prefix == "dc" || history.contains(&m) {
            continue;
        }
        let at = now - Duration::minutes(t.rng.gen_range(3 * 60..40 * 24 * 60));
        let who = pick(t, &people).clone();
        s.submit(
            at,
            m,
            ActionType::RunAntiVirusScan,
            Some("Quick"),
            &who,
            "Routine scan after alert",
            false,
        );
    }
    let bg: Vec<Arc<_>> = BACKGROUND.iter().cloned().map(Arc::new).collect();
    for _ in 0..150 {
        let m = roles[t.rng.gen_range(0..roles.len())].0;
        let at = now - Duration::minutes(t.rng.gen_range(30..42 * 24 * 60));
        let det = pick(t, &bg).clone();
        let status = if at < now - hours(48) || t.rng.gen_bool(0.5) {
            "Resolved"
        } else {
            "New"
        };
        raise(t, &det, m, at, status);
    }

    // Last week's false positive: four releases timed out on offline laptops.
    let e1_start = now - Duration::days(8) - hours(t.rng.gen_range(0..6));
    let ps = Arc::new(POWERSHELL);
    for (k, &m) in e1.iter().enumerate() {
        let at = e1_start + Duration::minutes(k as i64 * 7);
        let id = raise(t, &ps, m, at, "Resolved");
        s.submit(
            at + Duration::minutes(2),
            m,
            ActionType::Isolate,
            Some("Full"),
            &automation,
            format!("Isolate machine because alert - {id}"),
            false,
        );
        if k < E1_TIMED_OUT {
            s.at(e1_start + hours(2 + k as i64 * 5), Ev::Online(m, false));
        }
        let release = e1_start + Duration::days(2) + Duration::minutes(k as i64 * 3);
        s.submit(
            release,
            m,
            ActionType::Unisolate,
            None,
            alice,
            format!("False positive: alert {id} (suspicious PowerShell from SCCM)"),
            false,
        );
    }

    // The machines with offline laptops not related to any action.
    for &m in &idle_offline {
        let at = now - hours(t.rng.gen_range(20..20 * 24));
        s.at(at, Ev::Online(m, false));
    }

    // Two days ago: a real compromise, rightly isolated.
    let cobalt = Arc::new(COBALT);
    let comp_start = now - Duration::days(2) - hours(t.rng.gen_range(0..5));
    for (k, &m) in compromised.iter().enumerate() {
        let at = comp_start + Duration::minutes(k as i64 * 41);
        let id = raise(t, &cobalt, m, at, "InProgress");
        let who = if k == 1 { carol } else { alice };
        let when = at + Duration::minutes(t.rng.gen_range(15..60));
        s.submit(when, m, ActionType::Isolate, Some("Full"), who, format!("Confirmed compromise: Cobalt Strike beacon (incident 4821, alert {id}) - keep isolated until reimaged"), false);
        s.submit(
            when + hours(1),
            m,
            ActionType::CollectInvestigationPackage,
            None,
            who,
            "Evidence collection for incident 4821",
            false,
        );
        if t.machines[m as usize].os_platform.starts_with("Windows") && k != 0 {
            s.submit(
                when + hours(2),
                m,
                ActionType::RestrictCodeExecution,
                None,
                who,
                "Restrict app execution until reimage (incident 4821)",
                false,
            );
        }
    }

    // Last night's storm.
    let storm_start = now - hours(9) - Duration::minutes(t.rng.gen_range(0..40));
    let wacatac = Arc::new(WACATAC_FP);
    let mut storm: Vec<u32> = storm_laptops.iter().chain(&storm_desks).copied().collect();
    storm.shuffle(&mut t.rng);
    let mut storm_alert = std::collections::HashMap::new();
    for (k, &m) in storm.iter().enumerate() {
        let at = storm_start + Duration::seconds(k as i64 * t.rng.gen_range(8..25));
        let id = raise(t, &wacatac, m, at, "New");
        let isolate_at = at + Duration::seconds(t.rng.gen_range(60..240));
        s.submit(
            isolate_at,
            m,
            ActionType::Isolate,
            Some("Full"),
            &automation,
            format!("Isolate machine because alert - {id}"),
            false,
        );
        storm_alert.insert(m, id);
    }
    let (offline, rest) = storm_laptops.split_at(STORM_OFFLINE);
    let vpn = &rest[..STORM_VPN];
    for &m in vpn {
        t.machines[m as usize].full_tunnel_vpn = true;
    }
    for &m in offline {
        let at = storm_start + hours(1) + Duration::minutes(t.rng.gen_range(0..240));
        s.at(at, Ev::Online(m, false));
    }
    for (k, &m) in offline[..STORM_RELEASED_OFFLINE]
        .iter()
        .chain(vpn)
        .enumerate()
    {
        let at = now - hours(3) + Duration::minutes(k as i64 * 9);
        let id = &storm_alert[&m];
        s.submit(
            at,
            m,
            ActionType::Unisolate,
            None,
            bob,
            format!("False positive: Wacatac on ContosoUpdater.exe (alert {id}) - releasing"),
            false,
        );
    }

    // Right now: isolations under way (exact configured delays, like API submissions).
    let d = Some((t.lifecycle.pickup_secs, t.lifecycle.exec_secs));
    let reason: Arc<str> =
        Arc::from("Suspicious lateral movement from this host - isolating pending investigation");
    s.at(
        now - Duration::seconds(10),
        Ev::Submit {
            m: now_online[0],
            kind: ActionType::Isolate,
            scope: Some("Full"),
            requestor: carol.clone(),
            comment: reason.clone(),
            fail: false,
            delays: d,
        },
    );
    s.at(
        now - Duration::seconds(50),
        Ev::Submit {
            m: now_online[1],
            kind: ActionType::Isolate,
            scope: Some("Selective"),
            requestor: app.clone(),
            comment: reason.clone(),
            fail: false,
            delays: d,
        },
    );
    s.at(now - Duration::days(2), Ev::Online(now_offline[0], false));
    s.at(
        now - Duration::minutes(20),
        Ev::Submit {
            m: now_offline[0],
            kind: ActionType::Isolate,
            scope: Some("Full"),
            requestor: dave.clone(),
            comment: reason,
            fail: false,
            delays: d,
        },
    );

    s.run(t);
    t.settle(now);
    // Last: the week's ordinary alerts (drawn after the story, so it stays the same).
    week(t, now);
    t.next_alert = Some(now + Duration::minutes(t.rng.gen_range(5..20)));
}
