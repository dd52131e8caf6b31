//! Table tests of every guard rail, and the randomized checks S-1 (10,000
//! evaluations), S-2 (a 1,000-alert flood in 60 s) and S-8 (a 10,000-event replay).

use std::collections::HashMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn mid(n: u32) -> String {
    format!("{n:040x}")
}

fn machine(n: u32) -> MachineFacts {
    MachineFacts {
        id: mid(n),
        name: format!("ws-{n:04}.contoso.example"),
        group: Some("Workstations".into()),
        ..MachineFacts::default()
    }
}

fn edit(m: &mut HashMap<String, MachineFacts>, n: u32, f: impl FnOnce(&mut MachineFacts)) {
    if let Some(x) = m.get_mut(&mid(n)) {
        f(x);
    }
}

fn fleet(n: u32) -> HashMap<String, MachineFacts> {
    (0..n).map(|i| (mid(i), machine(i))).collect()
}

fn alert(n: u32, machine: u32, sev: Severity) -> AlertFacts {
    AlertFacts {
        id: format!("da{n:08}"),
        machine_id: Some(mid(machine)),
        severity: Some(sev),
        title: Some("Suspicious PowerShell".into()),
        detector_id: Some("det-1".into()),
        created: Some(t0() + Duration::seconds(i64::from(n))),
        ..AlertFacts::default()
    }
}

fn automatic() -> RuleSettings {
    RuleSettings {
        mode: RuleMode::Automatic,
        ..RuleSettings::default()
    }
}

fn kinds(o: &Outcome) -> Vec<DecisionKind> {
    o.decisions.iter().map(|d| d.kind).collect()
}

#[test]
fn severity_and_filters_choose_the_alerts() {
    let mut s = automatic();
    s.min_severity = Severity::Medium;
    s.title_contains = Some("powershell".into());
    let low = alert(1, 1, Severity::Low);
    let medium = alert(2, 2, Severity::Medium);
    let mut other = alert(3, 3, Severity::High);
    other.title = Some("Ransomware".into());
    let o = decide(
        &s,
        &[low, medium, other],
        &fleet(5),
        &Memory::default(),
        t0(),
    );
    assert_eq!(kinds(&o), vec![DecisionKind::Isolated]);
    assert_eq!(o.decisions[0].machine_id, mid(2));
    s.category = Some("Execution".into());
    assert!(!matches(&s, &alert(2, 2, Severity::High)));
}

#[test]
fn each_rail_has_its_decision_and_reason() {
    let s = RuleSettings {
        protected_ids: vec![mid(1).to_uppercase()],
        exclude_tags: vec!["vip".into()],
        exclude_names: vec!["dc-*".into()],
        exclude_groups: vec!["Servers".into()],
        ..automatic()
    };
    let mut m = fleet(11);
    edit(&mut m, 2, |x| x.isolation_active = true);
    edit(&mut m, 3, |x| x.tags = vec!["VIP".into()]);
    edit(&mut m, 4, |x| x.name = "DC-01.contoso.example".into());
    edit(&mut m, 5, |x| x.group = Some("servers".into()));
    edit(&mut m, 6, |x| x.high_value = true);
    edit(&mut m, 9, |x| x.server = true);
    let mut mem = Memory::default();
    mem.waiting.insert(mid(7));
    mem.rule_isolations
        .push((mid(8), t0() - Duration::hours(3)));
    let alerts: Vec<_> = (1..=10).map(|i| alert(i, i, Severity::High)).collect();
    let o = decide(&s, &alerts, &m, &mem, t0());
    let got: Vec<(DecisionKind, &str)> = o
        .decisions
        .iter()
        .map(|d| (d.kind, d.reason.as_str()))
        .collect();
    use DecisionKind::*;
    assert_eq!(got[0].0, Skipped);
    assert!(got[0].1.contains("protected"), "{got:?}");
    assert_eq!(
        got[1],
        (Skipped, "an isolation is already under way or in force")
    );
    assert_eq!(got[2], (Queued, "excluded by tag “vip”"));
    assert_eq!(got[3], (Queued, "excluded by name pattern “dc-*”"));
    assert_eq!(got[4], (Queued, "excluded device group “Servers”"));
    assert_eq!(got[5], (Queued, "high-value device (deviceValue High)"));
    assert_eq!(got[6], (Skipped, "already waiting for approval"));
    assert_eq!(got[7].0, Skipped);
    assert!(got[7].1.starts_with("flap damping"), "{got:?}");
    assert_eq!(
        got[8],
        (Queued, "server-class machine: servers need approval")
    );
    assert_eq!(got[9].0, Isolated);
}

#[test]
fn exclusions_can_be_set_to_skip() {
    let s = RuleSettings {
        exclude_tags: vec!["vip".into()],
        exclusions_skip: true,
        ..automatic()
    };
    let mut m = fleet(3);
    edit(&mut m, 1, |x| x.tags = vec!["vip".into()]);
    let o = decide(
        &s,
        &[alert(1, 1, Severity::High)],
        &m,
        &Memory::default(),
        t0(),
    );
    assert_eq!(kinds(&o), vec![DecisionKind::Skipped]);
}

#[test]
fn modes_decide_what_passes_the_rails() {
    let a = [alert(1, 1, Severity::High)];
    let mut s = automatic();
    for (mode, want) in [
        (RuleMode::Off, vec![]),
        (RuleMode::DryRun, vec![DecisionKind::WouldIsolate]),
        (RuleMode::Approval, vec![DecisionKind::Queued]),
        (RuleMode::Automatic, vec![DecisionKind::Isolated]),
    ] {
        s.mode = mode;
        assert_eq!(
            kinds(&decide(&s, &a, &fleet(3), &Memory::default(), t0())),
            want,
            "{mode:?}"
        );
    }
    let paused = Memory {
        paused: true,
        ..Memory::default()
    };
    s.mode = RuleMode::Automatic;
    let o = decide(&s, &a, &fleet(3), &paused, t0());
    assert_eq!(o.decisions[0].reason, "automation is paused");
}

#[test]
fn one_machine_is_decided_once_per_round() {
    let alerts = [alert(1, 1, Severity::High), alert(2, 1, Severity::High)];
    let o = decide(&automatic(), &alerts, &fleet(3), &Memory::default(), t0());
    assert_eq!(
        kinds(&o),
        vec![DecisionKind::Isolated, DecisionKind::Skipped]
    );
}

#[test]
fn suppressed_detections_are_skipped_until_they_expire() {
    let mem = Memory {
        suppressions: vec![Suppressed {
            kind: "detector".into(),
            value: "det-1".into(),
            until: t0() + Duration::days(1),
        }],
        ..Memory::default()
    };
    let a = [alert(1, 1, Severity::High)];
    let o = decide(&automatic(), &a, &fleet(3), &mem, t0());
    assert_eq!(kinds(&o), vec![DecisionKind::Skipped]);
    assert!(o.decisions[0].reason.contains("suppressed"));
    let later = decide(&automatic(), &a, &fleet(3), &mem, t0() + Duration::days(2));
    assert_eq!(kinds(&later), vec![DecisionKind::Isolated]);
}

#[test]
fn tags_map_to_selective_isolation() {
    let mut m = fleet(3);
    edit(&mut m, 1, |x| x.tags = vec!["Hyper-V-Host".into()]);
    let a = [alert(1, 1, Severity::High), alert(2, 2, Severity::High)];
    let o = decide(&automatic(), &a, &m, &Memory::default(), t0());
    assert_eq!(
        o.decisions[0].isolation_type,
        Some(IsolationKind::Selective)
    );
    assert_eq!(o.decisions[1].isolation_type, Some(IsolationKind::Full));
}

#[test]
fn the_concurrent_cap_and_the_group_share_queue_the_rest() {
    let s = RuleSettings {
        max_per_window: 50,
        max_concurrent: 2,
        ..automatic()
    };
    let mem = Memory {
        isolated_by_rule_now: 1,
        ..Memory::default()
    };
    let a: Vec<_> = (0..4).map(|i| alert(i, i, Severity::High)).collect();
    let o = decide(&s, &a, &fleet(10), &mem, t0());
    assert_eq!(
        kinds(&o),
        vec![
            DecisionKind::Isolated,
            DecisionKind::Queued,
            DecisionKind::Queued,
            DecisionKind::Queued
        ]
    );
    assert!(
        o.breaker_opened
            .as_deref()
            .is_some_and(|w| w.contains("still isolated"))
    );

    // S-3: 5% of a 40-machine group is 2 per window.
    let s = RuleSettings {
        max_per_window: 50,
        max_group_percent: 5,
        ..automatic()
    };
    let mem = Memory {
        group_sizes: HashMap::from([("Workstations".to_owned(), 40)]),
        ..Memory::default()
    };
    let o = decide(&s, &a, &fleet(10), &mem, t0());
    assert_eq!(
        kinds(&o),
        vec![
            DecisionKind::Isolated,
            DecisionKind::Isolated,
            DecisionKind::Queued,
            DecisionKind::Queued
        ]
    );
    assert!(
        o.breaker_opened.is_none(),
        "the group share queues without opening the breaker"
    );
}

#[test]
fn the_hard_ceiling_holds_whatever_the_settings() {
    let s = RuleSettings {
        max_per_window: 10_000,
        max_concurrent: 10_000,
        ..automatic()
    };
    let a: Vec<_> = (0..300).map(|i| alert(i, i, Severity::High)).collect();
    let o = decide(&s, &a, &fleet(300), &Memory::default(), t0());
    let n = o
        .decisions
        .iter()
        .filter(|d| d.kind == DecisionKind::Isolated)
        .count();
    assert_eq!(n, HARD_CEILING_PER_HOUR as usize);
}

/// S-1: 10,000 randomized evaluations; no protected machine is ever in the output
/// as isolated, queued or would-isolate.
#[test]
fn s1_protected_machines_are_never_isolated_in_10000_random_evaluations() {
    let mut rng = StdRng::seed_from_u64(51);
    let mut m = fleet(200);
    for (i, x) in m.values_mut().enumerate() {
        if i % 7 == 0 {
            x.tags = vec!["protected-looking".into()];
        }
    }
    let mut hits = 0usize;
    for eval in 0..10_000u32 {
        let protected: Vec<String> = (0..rng.gen_range(1..20))
            .map(|_| mid(rng.gen_range(0..200)))
            .collect();
        let s = RuleSettings {
            mode: [RuleMode::DryRun, RuleMode::Approval, RuleMode::Automatic][rng.gen_range(0..3)],
            protected_ids: protected
                .iter()
                .map(|p| {
                    if rng.gen_bool(0.5) {
                        p.to_uppercase()
                    } else {
                        p.clone()
                    }
                })
                .collect(),
            max_per_window: rng.gen_range(0..200),
            max_concurrent: rng.gen_range(0..200),
            exclusions_skip: rng.gen_bool(0.5),
            ..RuleSettings::default()
        };
        let alerts: Vec<_> = (0..rng.gen_range(1..60))
            .map(|i| alert(eval * 100 + i, rng.gen_range(0..200), Severity::High))
            .collect();
        let mem = Memory {
            breaker_open: rng.gen_bool(0.2),
            ..Memory::default()
        };
        for d in decide(&s, &alerts, &m, &mem, t0()).decisions {
            if protected
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&d.machine_id))
            {
                assert_eq!(d.kind, DecisionKind::Skipped, "evaluation {eval}: {d:?}");
                hits += 1;
            }
        }
    }
    assert!(
        hits > 1_000,
        "the protected machines were exercised ({hits})"
    );
}

/// S-2: 1,000 matching alerts in 60 s on distinct machines: K isolated, the breaker
/// opens, the rest queued; the next evaluation isolates nothing while it stays open.
#[test]
fn s2_a_flood_of_1000_alerts_isolates_k_and_opens_the_breaker() {
    let s = automatic();
    let m = fleet(1_000);
    let mut mem = Memory::default();
    let mut isolated = 0;
    let mut queued = 0;
    let mut opened = None;
    // Evaluated in 6 rounds of 10 s each (alerts keep arriving during the minute).
    for round in 0..6u32 {
        let alerts: Vec<_> = (round * 167..((round + 1) * 167).min(1_000))
            .map(|i| alert(i, i, Severity::High))
            .collect();
        let now = t0() + Duration::seconds(i64::from(round) * 10);
        let o = decide(&s, &alerts, &m, &mem, now);
        for d in &o.decisions {
            match d.kind {
                DecisionKind::Isolated => {
                    isolated += 1;
                    mem.rule_isolations.push((d.machine_id.clone(), now));
                    mem.isolated_by_rule_now += 1;
                }
                DecisionKind::Queued => {
                    queued += 1;
                    mem.waiting.insert(d.machine_id.clone());
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if let Some(why) = o.breaker_opened {
            mem.breaker_open = true;
            opened.get_or_insert(why);
        }
    }
    assert_eq!(isolated, s.max_per_window as usize);
    assert_eq!(queued, 1_000 - isolated);
    assert!(opened.is_some_and(|w| w.contains("limit of 5")));
}

/// S-8: a 10,000-event replay of alerts, releases and re-alerts over 30 days on 50
/// machines: no machine is isolated by the rule twice within 24 h.
#[test]
fn s8_no_machine_is_isolated_twice_in_a_day_in_a_10000_event_replay() {
    let mut rng = StdRng::seed_from_u64(58);
    let s = RuleSettings {
        max_per_window: 100,
        max_concurrent: 100,
        ..automatic()
    };
    let mut m = fleet(50);
    let mut mem = Memory::default();
    let mut now = t0();
    let mut isolations: Vec<(String, DateTime<Utc>)> = Vec::new();
    for event in 0..10_000u32 {
        now += Duration::seconds(rng.gen_range(1..520));
        let n = rng.gen_range(0..50);
        if rng.gen_bool(0.3) {
            // A person releases the machine (false positive).
            if let Some(x) = m.get_mut(&mid(n)) {
                x.isolation_active = false;
            }
            continue;
        }
        let o = decide(&s, &[alert(event, n, Severity::High)], &m, &mem, now);
        for d in o
            .decisions
            .iter()
            .filter(|d| d.kind == DecisionKind::Isolated)
        {
            mem.rule_isolations.push((d.machine_id.clone(), now));
            isolations.push((d.machine_id.clone(), now));
            if let Some(x) = m.get_mut(&d.machine_id) {
                x.isolation_active = true;
            }
        }
        mem.rule_isolations
            .retain(|(_, at)| *at > now - Duration::hours(25));
    }
    assert!(
        isolations.len() > 100,
        "the replay isolated ({})",
        isolations.len()
    );
    let mut last: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for (id, at) in &isolations {
        if let Some(prev) = last.insert(id, *at) {
            assert!(
                *at - prev >= Duration::hours(24),
                "{id} isolated at {prev} and {at}"
            );
        }
    }
}

#[test]
fn globs_match_like_a_person_expects() {
    for (p, n, want) in [
        ("dc-*", "DC-01.contoso.example", true),
        ("*.lab.contoso.example", "ws1.lab.contoso.example", true),
        ("ws-??", "ws-01", true),
        ("ws-??", "ws-001", false),
        ("srv", "srv-1", false),
    ] {
        assert_eq!(glob(p, n), want, "{p} {n}");
    }
}
