//! The rule's decision, as a pure function: alerts, the machines they name, the
//! rule's settings and what the store remembers in; one decision per matching alert
//! out. Every guard rail of reliability-security.md §6 is a branch here, so each is a
//! table test and the randomized checks (S-1, S-2, S-8) run without a clock or a
//! network. The effects (fetching alerts, starting jobs, queueing proposals, the
//! audit log) live in `evaluate.rs`.
//!
//! Order of the rails for one alert: suppressed detection → unknown machine →
//! protected id (S-1) → isolation already under way or done (S-10) → already waiting
//! for approval → flap damping (S-8) → exclusions (queued, or skipped by setting) →
//! mode (dry run: would-isolate; approval: queued) → paused (S-6) → breaker open →
//! per-window cap K and hard ceiling (S-2) → concurrent cap Y (S-2) → device-group
//! share (S-3) → isolate, with the type the tag table gives (S-9).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::dto::IsolationKind;
use crate::dto::automation::{
    DecisionKind, HARD_CEILING_PER_HOUR, RuleMode, RuleSettings, Severity,
};

/// What the rule reads from an alert.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFacts {
    pub id: String,
    pub machine_id: Option<String>,
    pub severity: Option<Severity>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub detection_source: Option<String>,
    pub detector_id: Option<String>,
    pub service_source: Option<String>,
    pub created: Option<DateTime<Utc>>,
}

/// What the rule reads from a machine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MachineFacts {
    pub id: String,
    pub name: String,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub high_value: bool,
    /// A server-class machine (Windows Server).
    pub server: bool,
    /// An isolation is under way or in force (S-10).
    pub isolation_active: bool,
}

/// A suppressed detection (after a false positive).
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    /// `title` or `detector`.
    pub kind: String,
    pub value: String,
    pub until: DateTime<Utc>,
}

/// What the store remembers that the decision needs.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// The rule's isolations (machine id, when), at least `flap_hours` and the window
    /// back.
    pub rule_isolations: Vec<(String, DateTime<Utc>)>,
    /// Isolations by automation in the last hour (the rule's and approved
    /// proposals'), for the hard ceiling.
    pub automation_last_hour: u32,
    /// Machines the rule isolated that are still isolated.
    pub isolated_by_rule_now: u32,
    /// Machines with a proposal waiting.
    pub waiting: HashSet<String>,
    pub breaker_open: bool,
    pub paused: bool,
    pub suppressions: Vec<Suppressed>,
    /// Machines per device group (for S-3).
    pub group_sizes: HashMap<String, u32>,
}

/// One decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub alert_id: String,
    pub machine_id: String,
    pub kind: DecisionKind,
    pub reason: String,
    /// For `isolated`, `would-isolate` and `queued`: the type it would be isolated with.
    pub isolation_type: Option<IsolationKind>,
}

/// The decisions of one evaluation and whether it opened the breaker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub decisions: Vec<Decided>,
    /// Set when this evaluation opened the breaker: why.
    pub breaker_opened: Option<String>,
}

/// True when `alert` is one the rule takes (severity and the optional filters).
pub fn matches(s: &RuleSettings, alert: &AlertFacts) -> bool {
    let contains = |want: &Option<String>, have: &Option<String>| match want {
        None => true,
        Some(w) if w.trim().is_empty() => true,
        Some(w) => have
            .as_deref()
            .is_some_and(|h| h.to_lowercase().contains(&w.trim().to_lowercase())),
    };
    let equals = |want: &Option<String>, have: &Option<String>| match want {
        None => true,
        Some(w) if w.trim().is_empty() => true,
        Some(w) => have
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(w.trim())),
    };
    alert.severity.is_some_and(|sev| sev >= s.min_severity)
        && contains(&s.title_contains, &alert.title)
        && equals(&s.category, &alert.category)
        && equals(&s.detection_source, &alert.detection_source)
        && equals(&s.service_source, &alert.service_source)
}

/// `*` and `?` glob over a name, case-insensitive.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.trim().to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    go(&p, &n)
}

/// Why a machine is excluded from automatic isolation, if it is.
pub fn exclusion(s: &RuleSettings, m: &MachineFacts) -> Option<String> {
    let has_tag = |t: &str| m.tags.iter().any(|x| x.eq_ignore_ascii_case(t.trim()));
    if let Some(t) = s.exclude_tags.iter().find(|t| has_tag(t)) {
        return Some(format!("excluded by tag “{t}”"));
    }
    if let Some(p) = s.exclude_names.iter().find(|p| glob(p, &m.name)) {
        return Some(format!("excluded by name pattern “{p}”"));
    }
    if let Some(g) = s.exclude_groups.iter().find(|g| {
        m.group
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(g.trim()))
    }) {
        return Some(format!("excluded device group “{g}”"));
    }
    if s.exclude_high_value && m.high_value {
        return Some("high-value device (deviceValue High)".into());
    }
    if s.exclude_servers && m.server {
        return Some("server-class machine: servers need approval".into());
    }
    None
}

/// The isolation type for `m` (S-9: the tag table, else the rule's type).
pub fn isolation_type_for(s: &RuleSettings, m: &MachineFacts) -> IsolationKind {
    s.type_by_tag
        .iter()
        .find(|t| m.tags.iter().any(|x| x.eq_ignore_ascii_case(t.tag.trim())))
        .map_or(s.isolation_type, |t| t.isolation_type)
}

/// True when `id` is protected (compared as lower-case ids, I-7).
pub fn is_protected(s: &RuleSettings, id: &str) -> bool {
    s.protected_ids.iter().any(|p| p.eq_ignore_ascii_case(id))
}

fn suppressed(mem: &Memory, a: &AlertFacts, now: DateTime<Utc>) -> Option<String> {
    mem.suppressions.iter().find_map(|x| {
        let hit = match x.kind.as_str() {
            "title" => a
                .title
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case(&x.value)),
            "detector" => a.detector_id.as_deref() == Some(x.value.as_str()),
            _ => false,
        };
        (hit && x.until > now).then(|| {
            format!(
                "detection suppressed until {} ({} “{}”)",
                x.until.format("%Y-%m-%d %H:%M UTC"),
                x.kind,
                x.value
            )
        })
    })
}

/// Decides every matching alert. Pure: the same input gives the same output.
pub fn decide(
    s: &RuleSettings,
    alerts: &[AlertFacts],
    machines: &HashMap<String, MachineFacts>,
    mem: &Memory,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    if s.mode == RuleMode::Off {
        return out;
    }
    let window_start = now - Duration::minutes(i64::from(s.window_minutes.max(1)));
    let flap_start = now - Duration::hours(i64::from(s.flap_hours));
    let mut in_window = mem
        .rule_isolations
        .iter()
        .filter(|(_, at)| *at > window_start)
        .count() as u32;
    let mut last_hour = mem.automation_last_hour;
    let mut concurrent = mem.isolated_by_rule_now;
    let mut breaker = mem.breaker_open;
    let mut group_taken: HashMap<String, u32> = HashMap::new();
    for (id, at) in &mem.rule_isolations {
        if *at > window_start
            && let Some(g) = machines.get(id).and_then(|m| m.group.clone())
        {
            *group_taken.entry(g).or_default() += 1;
        }
    }
    let mut decided_machines: HashSet<String> = HashSet::new();
    let cap = s.max_per_window.min(HARD_CEILING_PER_HOUR);

    let mut sorted: Vec<&AlertFacts> = alerts.iter().filter(|a| matches(s, a)).collect();
    sorted.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
    for a in sorted {
        let Some(mid) = a.machine_id.as_deref().map(str::to_ascii_lowercase) else {
            continue;
        };
        let decided = |kind, reason: String, t: Option<IsolationKind>| Decided {
            alert_id: a.id.clone(),
            machine_id: mid.clone(),
            kind,
            reason,
            isolation_type: t,
        };
        if let Some(why) = suppressed(mem, a, now) {
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        let Some(m) = machines.get(&mid) else {
            let why = "the machine is not in the fleet cache (not synced yet or offboarded)";
            out.decisions
                .push(decided(DecisionKind::Skipped, why.into(), None));
            continue;
        };
        if is_protected(s, &mid) {
            let why = "protected machine: never isolated by the rule".into();
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        if m.isolation_active {
            let why = "an isolation is already under way or in force".into();
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        if !decided_machines.insert(mid.clone()) {
            let why = "another alert of this round already decided this machine".into();
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        if mem.waiting.contains(&mid) {
            let why = "already waiting for approval".into();
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        if let Some((_, at)) = mem
            .rule_isolations
            .iter()
            .filter(|(id, at)| *id == mid && *at > flap_start)
            .max_by_key(|(_, at)| *at)
        {
            let why = format!(
                "flap damping: the rule isolated it at {} (at most once per {} h)",
                at.format("%Y-%m-%d %H:%M UTC"),
                s.flap_hours
            );
            out.decisions
                .push(decided(DecisionKind::Skipped, why, None));
            continue;
        }
        let kind = isolation_type_for(s, m);
        if let Some(why) = exclusion(s, m) {
            let d = if s.exclusions_skip || s.mode == RuleMode::DryRun {
                DecisionKind::Skipped
            } else {
                DecisionKind::Queued
            };
            out.decisions.push(decided(d, why, Some(kind)));
            continue;
        }
        match s.mode {
            RuleMode::Off => continue,
            RuleMode::DryRun => {
                let why = "dry run: nothing sent".into();
                out.decisions
                    .push(decided(DecisionKind::WouldIsolate, why, Some(kind)));
                continue;
            }
            RuleMode::Approval => {
                let why = "the rule is in approval mode".into();
                out.decisions
                    .push(decided(DecisionKind::Queued, why, Some(kind)));
                continue;
            }
            RuleMode::Automatic => {}
        }
        if mem.paused {
            let why = "automation is paused".into();
            out.decisions
                .push(decided(DecisionKind::Queued, why, Some(kind)));
            continue;
        }
        if breaker {
            let why = "the breaker is open: a person decides".into();
            out.decisions
                .push(decided(DecisionKind::Queued, why, Some(kind)));
            continue;
        }
        let trip = if in_window >= cap {
            Some(format!(
                "{in_window} isolations in {} min reached the limit of {cap}",
                s.window_minutes
            ))
        } else if last_hour >= HARD_CEILING_PER_HOUR {
            Some(format!(
                "{last_hour} automatic isolations in the last hour reached the hard ceiling of {HARD_CEILING_PER_HOUR}"
            ))
        } else if concurrent >= s.max_concurrent {
            Some(format!(
                "{concurrent} machines isolated by the rule are still isolated (limit {})",
                s.max_concurrent
            ))
        } else {
            None
        };
        if let Some(why) = trip {
            breaker = true;
            out.breaker_opened.get_or_insert(why.clone());
            let why = format!("breaker opened: {why}");
            out.decisions
                .push(decided(DecisionKind::Queued, why, Some(kind)));
            continue;
        }
        if s.max_group_percent > 0
            && let Some(g) = &m.group
        {
            let size = mem.group_sizes.get(g).copied().unwrap_or(1).max(1);
            let taken = group_taken.get(g).copied().unwrap_or(0);
            // At most P% of the group (at least one machine) per window.
            let allowed = (size * s.max_group_percent / 100).max(1);
            if taken >= allowed {
                let why = format!(
                    "device group “{g}”: {taken} of {size} isolated in this window (limit {}%)",
                    s.max_group_percent
                );
                out.decisions
                    .push(decided(DecisionKind::Queued, why, Some(kind)));
                continue;
            }
            *group_taken.entry(g.clone()).or_default() += 1;
        }
        in_window += 1;
        last_hour += 1;
        concurrent += 1;
        let why = format!("severity {}", a.severity.map_or("?", Severity::as_str));
        out.decisions
            .push(decided(DecisionKind::Isolated, why, Some(kind)));
    }
    out
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
