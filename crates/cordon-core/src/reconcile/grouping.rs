//! Isolations grouped by cause, so that "release the whole false-positive batch" is one
//! selection (`cordon release --batch <id>`, the Machines view's batches).
//!
//! Pure: a function of (machines, actions, alerts, now). Every machine isolated now
//! (per the state derivation) belongs to exactly one group: the group of the isolation
//! that isolated it. Isolations share a cause when they have the same requestor, the
//! same comment once ids are taken out (an automation writes "Isolate machine because
//! alert - da6387…" with a different alert per machine), the same detection title when
//! the comment names a known alert, and follow each other within [`WINDOW`].
//!
//! Clusters are built over *every* Isolate action, not only the ones still isolating
//! a machine, so a group's id — a hash of (requestor, comment template, first isolation
//! time) — stays the same while its machines are released one by one, and between runs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use mde_api::{ActionType, Alert, Machine, MachineAction};

use crate::dto::MachineRef;
use crate::dto::jobs::IsolationGroup;
use crate::fleet::derive::{self, IsolationAction, Kind, Liveness, Status, Thresholds};
use crate::fleet::view;
use crate::time::rfc3339;

/// Isolations further apart than this start a new group.
pub const WINDOW: Duration = Duration::hours(2);

/// What an id in a comment becomes in the template.
const PLACEHOLDER: &str = "…";

/// The groups of the machines isolated now, largest first (then newest).
pub fn groups(
    machines: &[Machine],
    actions: &[MachineAction],
    alerts: &[Alert],
    now: DateTime<Utc>,
) -> Vec<IsolationGroup> {
    groups_from(machines, actions.iter(), alerts, now)
}

/// [`groups`] over any iteration of the actions (the App's cache is a map).
pub fn groups_from<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction> + Clone,
    alerts: &[Alert],
    now: DateTime<Utc>,
) -> Vec<IsolationGroup> {
    let isolating: HashMap<String, MachineRef> = isolated_now(machines, actions.clone(), now)
        .into_iter()
        .map(|(m, a)| (a.id, m))
        .collect();
    let titles: HashMap<&str, &str> = alerts
        .iter()
        .filter_map(|a| Some((a.id.as_str(), a.title.as_deref()?)))
        .collect();
    // (requestor, template, detection title) → isolations, clustered by time below.
    type Key = (String, String, Option<String>);
    let mut by_key: BTreeMap<Key, Vec<&MachineAction>> = BTreeMap::new();
    for a in actions {
        if a.action_type != ActionType::Isolate || a.machine_id.is_none() {
            continue;
        }
        let comment = a.requestor_comment.as_deref().unwrap_or_default();
        let (template, title) = template(comment, &titles);
        let requestor = a.requestor.clone().unwrap_or_default();
        by_key
            .entry((requestor, template, title))
            .or_default()
            .push(a);
    }
    let mut out: Vec<IsolationGroup> = Vec::new();
    for ((requestor, template, title), mut list) in by_key {
        list.sort_by(|x, y| {
            x.creation_date_time_utc
                .cmp(&y.creation_date_time_utc)
                .then_with(|| x.id.cmp(&y.id))
        });
        let mut start = 0;
        for i in 1..=list.len() {
            let split = i == list.len()
                || list[i].creation_date_time_utc - list[i - 1].creation_date_time_utc > WINDOW;
            if !split {
                continue;
            }
            let cluster = &list[start..i];
            start = i;
            let mut members: Vec<MachineRef> = cluster
                .iter()
                .filter_map(|a| isolating.get(&a.id).cloned())
                .collect();
            if members.is_empty() {
                continue;
            }
            members.sort_by(|x, y| x.name.cmp(&y.name).then_with(|| x.id.cmp(&y.id)));
            members.dedup();
            let first = cluster[0].creation_date_time_utc;
            let last = cluster[cluster.len() - 1].creation_date_time_utc;
            out.push(IsolationGroup {
                id: group_id(&requestor, &template, first),
                title: match &title {
                    Some(t) => format!("Alert: {t}"),
                    None => template.clone(),
                },
                requestor: requestor.clone(),
                comment: template.clone(),
                first_at: rfc3339(first),
                last_at: rfc3339(last),
                count: u32::try_from(members.len()).unwrap_or(u32::MAX),
                machines: members,
            });
        }
    }
    out.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then_with(|| y.last_at.cmp(&x.last_at))
            .then_with(|| x.id.cmp(&y.id))
    });
    // Two groups cannot share an id (same requestor, template and first second): the
    // later ones get a suffix, deterministically.
    let mut seen: HashMap<String, u32> = HashMap::new();
    for g in &mut out {
        let n = seen.entry(g.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            g.id = format!("{}-{n}", g.id);
        }
    }
    out
}

/// Every machine isolated now with the isolation that isolated it (the latest
/// succeeded Isolate, exactly as the derivation orders them).
pub fn isolated_now<'a>(
    machines: &[Machine],
    actions: impl IntoIterator<Item = &'a MachineAction>,
    now: DateTime<Utc>,
) -> Vec<(MachineRef, IsolationAction)> {
    let grouped = view::by_machine(actions);
    let mut out = Vec::new();
    for m in machines {
        let Some(acts) = grouped.get(&m.id.to_ascii_lowercase()) else {
            continue;
        };
        let live = Liveness {
            health: Some(m.health_status.as_str().to_owned()),
            last_full_report: m.last_seen,
        };
        let d = derive::derive(acts, &live, now, Thresholds::default());
        if !d.kind.is_isolated_now() {
            continue;
        }
        let iso = acts
            .iter()
            .filter(|a| a.status == Status::Succeeded)
            .max_by(|a, b| {
                let fa = a.updated.unwrap_or(a.created);
                let fb = b.updated.unwrap_or(b.created);
                fa.cmp(&fb).then(a.created.cmp(&b.created))
            })
            .filter(|a| a.kind == Kind::Isolate);
        if let Some(iso) = iso {
            let name = m.computer_dns_name.clone().unwrap_or_else(|| m.id.clone());
            out.push((
                MachineRef {
                    id: m.id.clone(),
                    name,
                },
                iso.clone(),
            ));
        }
    }
    out
}

/// The comment with ids taken out, and the title of the first known alert it names.
pub fn template(comment: &str, alert_titles: &HashMap<&str, &str>) -> (String, Option<String>) {
    let mut out = String::with_capacity(comment.len());
    let mut title: Option<String> = None;
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String, title: &mut Option<String>| {
        if token.is_empty() {
            return;
        }
        if let Some(t) = alert_titles.get(token.as_str()) {
            title.get_or_insert_with(|| (*t).to_owned());
            out.push_str(PLACEHOLDER);
        } else if looks_like_id(token) {
            out.push_str(PLACEHOLDER);
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in comment.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            token.push(c);
        } else {
            flush(&mut token, &mut out, &mut title);
            if c.is_whitespace() {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        }
    }
    flush(&mut token, &mut out, &mut title);
    (out, title)
}

/// Alert ids (`da638…_-1234`), GUIDs, machine ids and other long numbers.
fn looks_like_id(token: &str) -> bool {
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let hex = token.chars().filter(char::is_ascii_hexdigit).count();
    let guid = token.len() == 36 && hex == 32 && token.matches('-').count() == 4;
    let long_hex = token.len() >= 32 && hex == token.len();
    digits >= 6 || guid || long_hex
}

/// A short, stable hex id (FNV-1a 64, first 12 hex digits): the same batch has the
/// same id in every run and on every machine.
pub fn group_id(requestor: &str, template: &str, first: DateTime<Utc>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let text = format!("{requestor}\n{template}\n{}", rfc3339(first));
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..12].to_owned()
}

#[cfg(test)]
#[path = "grouping_tests.rs"]
mod tests;
