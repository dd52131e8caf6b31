//! Everyday history of the demo: isolations and releases across analysts and apps over
//! six weeks, with the mishaps of real life (cancelled, failed and retried, timed out).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::alerts::{BACKGROUND, raise};
use super::demo::{hours, pick};
use super::script::{Ev, Script};
use crate::model::{ActionType, Tenant};

const ISOLATE_REASONS: &[&str] = &[
    "Suspicious lateral movement from this host - isolating pending investigation",
    "User reported opening a phishing attachment",
    "Ransomware precursor behaviour, isolating per IR playbook IR-07",
    "Possible credential dumping (lsass access) - contain",
    "Beaconing to a newly registered domain",
];
const RELEASE_REASONS: &[&str] = &[
    "Investigation complete - false positive, releasing",
    "Machine reimaged and verified clean",
    "Released after full AV scan came back clean",
    "Threat remediated, releasing per IR lead",
];

/// One everyday incident on machine `m`: isolate and release, sometimes cancelled,
/// failed and retried, or timed out on an offline device.
pub fn incident(
    t: &mut Tenant,
    s: &mut Script,
    m: u32,
    now: DateTime<Utc>,
    people: &[Arc<str>],
    app: &Arc<str>,
    automation: &Arc<str>,
) {
    let start = now - hours(t.rng.gen_range(3 * 24..42 * 24));
    let linux = t.machines[m as usize].os_platform == "Linux";
    let scope = if !linux && t.rng.gen_bool(0.15) {
        "Selective"
    } else {
        "Full"
    };
    let roll: f64 = t.rng.r#gen();
    let who = if roll < 0.15 {
        app.clone()
    } else {
        pick(t, people).clone()
    };
    let reason = pick(t, ISOLATE_REASONS).to_string();
    let releaser = pick(t, people).clone();
    let release_reason = *pick(t, RELEASE_REASONS);
    let release_after = hours(t.rng.gen_range(2..30));
    let variant = t.rng.gen_range(0..100);
    if variant < 8 && !linux {
        // Automation on a real (later resolved) alert.
        let det = Arc::new(BACKGROUND[3].clone());
        let id = raise(t, &det, m, start, "Resolved");
        s.submit(
            start + Duration::minutes(3),
            m,
            ActionType::Isolate,
            Some("Full"),
            automation,
            format!("Isolate machine because alert - {id}"),
            false,
        );
        s.submit(
            start + release_after,
            m,
            ActionType::Unisolate,
            None,
            &releaser,
            release_reason,
            false,
        );
    } else if variant < 18 {
        // Wrong machine: the device was off, the analyst cancelled.
        s.at(start - hours(1), Ev::Online(m, false));
        s.submit(
            start,
            m,
            ActionType::Isolate,
            Some(scope),
            &who,
            reason,
            false,
        );
        s.at(
            start + Duration::minutes(12),
            Ev::CancelNewest {
                m,
                requestor: who.clone(),
                comment: "Wrong machine".into(),
            },
        );
        s.at(start + hours(3), Ev::Online(m, true));
    } else if variant < 26 {
        // Offline for days: the isolation timed out; nobody resubmitted.
        s.at(start - hours(2), Ev::Online(m, false));
        s.submit(
            start,
            m,
            ActionType::Isolate,
            Some(scope),
            &who,
            reason,
            false,
        );
        s.at(start + Duration::days(4), Ev::Online(m, true));
    } else if variant < 33 {
        // Failed once, resubmitted, released later.
        s.submit(
            start,
            m,
            ActionType::Isolate,
            Some(scope),
            &who,
            reason.clone(),
            true,
        );
        s.submit(
            start + Duration::minutes(25),
            m,
            ActionType::Isolate,
            Some(scope),
            &who,
            reason,
            false,
        );
        s.submit(
            start + release_after + hours(1),
            m,
            ActionType::Unisolate,
            None,
            &releaser,
            release_reason,
            false,
        );
    } else {
        s.submit(
            start,
            m,
            ActionType::Isolate,
            Some(scope),
            &who,
            reason,
            false,
        );
        if t.rng.gen_bool(0.4) {
            s.submit(
                start + hours(1),
                m,
                ActionType::RunAntiVirusScan,
                Some("Full"),
                &who,
                "Full scan before release",
                false,
            );
        }
        s.submit(
            start + release_after,
            m,
            ActionType::Unisolate,
            None,
            &releaser,
            release_reason,
            false,
        );
    }
}
