//! Detections and alerts of the scenarios. Alert ids look like the real ones
//! (`da<.NET ticks>_<number>`), and many alerts can share one detection.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use crate::model::{Alert, Detection, Tenant};

/// The false positive of last night: a line-of-business updater flagged as a trojan.
pub const WACATAC_FP: Detection = Detection {
    title: Cow::Borrowed("'Wacatac' malware was detected"),
    description: "Malware and unwanted software are undesirable applications that perform annoying, disruptive, or harmful actions on affected machines.",
    category: Cow::Borrowed("Malware"),
    detection_source: Cow::Borrowed("WindowsDefenderAv"),
    detector_id: Cow::Borrowed("0f4ff6a6-1c36-4e8b-9b9d-7a1c6f0d2b61"),
    threat_family: Some("Wacatac"),
    threat_name: Some("Trojan:Win32/Wacatac.B!ml"),
    mitre: &[],
    severity: "High",
    file_name: "ContosoUpdater.exe",
    file_path: "C:\\Program Files\\Contoso\\Updater",
    sha1: "5f1c2f7e9b8a3d4c6e0f1a2b3c4d5e6f7a8b9c0d",
    sha256: "8e2f1d4c7b6a59483726150f0e1d2c3b4a59687766554433221100ffeeddccbb",
};

/// The real compromise: a Cobalt Strike beacon.
pub const COBALT: Detection = Detection {
    title: Cow::Borrowed("Cobalt Strike command and control beacon detected"),
    description: "A process on this device communicated with a known Cobalt Strike command and control server.",
    category: Cow::Borrowed("CommandAndControl"),
    detection_source: Cow::Borrowed("WindowsDefenderAtp"),
    detector_id: Cow::Borrowed("9b7e2d1a-4c5f-4a8e-b3d2-6f1e0c9a8b7d"),
    threat_family: Some("CobaltStrike"),
    threat_name: Some("Backdoor:Win64/CobaltStrike.NP!dha"),
    mitre: &["T1071.001", "T1055", "T1105"],
    severity: "High",
    file_name: "svchost_update.exe",
    file_path: "C:\\Users\\Public\\Libraries",
    sha1: "a3b1c9d2e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3",
    sha256: "c0ffee00deadbeef1234567890abcdef1234567890abcdef1234567890abcdef",
};

/// An earlier, smaller false positive (last week).
pub const POWERSHELL: Detection = Detection {
    title: Cow::Borrowed("Suspicious PowerShell command line"),
    description: "A suspicious PowerShell activity was observed on the machine.",
    category: Cow::Borrowed("Execution"),
    detection_source: Cow::Borrowed("WindowsDefenderAtp"),
    detector_id: Cow::Borrowed("3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99"),
    threat_family: None,
    threat_name: None,
    mitre: &["T1059.001"],
    severity: "Medium",
    file_name: "powershell.exe",
    file_path: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
    sha1: "6cbce4a295c163791b60fc23d285e6d84f28ee4c",
    sha256: "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c",
};

/// The steady background of everyday alerts.
pub const BACKGROUND: &[Detection] = &[
    bg(
        "Unwanted software was detected",
        "UnwantedSoftware",
        "WindowsDefenderAv",
        "Low",
        Some("PUA:Win32/Presenoker"),
    ),
    bg(
        "Suspicious file dropped",
        "Execution",
        "WindowsDefenderAtp",
        "Medium",
        None,
    ),
    bg(
        "Anomalous account lookups",
        "Discovery",
        "WindowsDefenderAtp",
        "Low",
        None,
    ),
    bg(
        "Suspicious scheduled task",
        "Persistence",
        "WindowsDefenderAtp",
        "Medium",
        None,
    ),
    bg(
        "An active 'Presenoker' unwanted software was detected",
        "UnwantedSoftware",
        "WindowsDefenderAv",
        "Informational",
        Some("PUA:Win32/Presenoker"),
    ),
    bg(
        "Suspicious process injection observed",
        "DefenseEvasion",
        "WindowsDefenderAtp",
        "Medium",
        None,
    ),
];

const fn bg(
    title: &'static str,
    category: &'static str,
    source: &'static str,
    severity: &'static str,
    threat: Option<&'static str>,
) -> Detection {
    Detection {
        title: Cow::Borrowed(title),
        description: "Review the alert story and the affected entities.",
        category: Cow::Borrowed(category),
        detection_source: Cow::Borrowed(source),
        detector_id: Cow::Borrowed("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"),
        threat_family: None,
        threat_name: threat,
        mitre: &[],
        severity,
        file_name: "setup.exe",
        file_path: "C:\\Users\\user\\Downloads",
        sha1: "1111111111111111111111111111111111111111",
        sha256: "2222222222222222222222222222222222222222222222222222222222222222",
    }
}

/// An alert id in the real format: `da` + .NET ticks of the creation time + `_` + number.
pub fn alert_id(t: &mut Tenant, at: DateTime<Utc>) -> String {
    let ticks = (at.timestamp() + 62_135_596_800) * 10_000_000
        + i64::from(at.timestamp_subsec_nanos() / 100);
    let n: i32 = t.rng.r#gen();
    format!("da{ticks}_{n}")
}

/// Adds an alert of `detection` on machine `m` at `at`; returns its id.
pub fn raise(
    t: &mut Tenant,
    detection: &Arc<Detection>,
    m: u32,
    at: DateTime<Utc>,
    status: &'static str,
) -> String {
    let id = alert_id(t, at);
    let incident_id = t.rng.gen_range(1000..99_999);
    let resolved = (status == "Resolved").then(|| at + Duration::hours(t.rng.gen_range(1..48)));
    let (classification, determination) = match (status, &detection.title) {
        ("Resolved", _) => (Some("FalsePositive"), Some("Clean")),
        (_, title) if *title == COBALT.title => (Some("TruePositive"), Some("Malware")),
        _ => (None, None),
    };
    let first_event = at - Duration::seconds(t.rng.gen_range(5..600));
    t.add_alert(Alert {
        id: id.clone(),
        incident_id,
        investigation_id: None,
        detection: detection.clone(),
        status,
        classification,
        determination,
        investigation_state: if status == "Resolved" {
            "Benign"
        } else {
            "Unknown"
        },
        assigned_to: None,
        machine: m,
        created: at,
        first_event,
        last_update: resolved.unwrap_or(at),
        resolved,
        user: Some(("user".into(), "CONTOSO".into())),
        visible_from: None,
    });
    id
}

/// Fires the storm detection on every target at `now` (control API).
pub fn storm(t: &mut Tenant, targets: &[u32], now: DateTime<Utc>) -> Vec<String> {
    let det = Arc::new(WACATAC_FP);
    targets
        .iter()
        .map(|&m| raise(t, &det, m, now, "New"))
        .collect()
}

/// Background alerts a day over the demo's last week (a 300-machine estate's ordinary
/// noise), of which [`WEEK_HIGH_PER_DAY`] are High: the isolation rule's week of dry
/// run then has a record to show, not only last night's storm.
pub const WEEK_PER_DAY: u32 = 30;
pub const WEEK_HIGH_PER_DAY: u32 = 3;

/// Raises a week of background alerts before `now`, spread over each day: mostly
/// Informational, Low and Medium, [`WEEK_HIGH_PER_DAY`] High a day; those older than
/// two days are resolved, about half of the newer ones too.
pub fn week(t: &mut Tenant, now: DateTime<Utc>) {
    if t.machines.is_empty() {
        return;
    }
    let high = Arc::new(Detection {
        severity: "High",
        ..BACKGROUND[5].clone()
    });
    let bg: Vec<Arc<Detection>> = BACKGROUND.iter().cloned().map(Arc::new).collect();
    for day in 0..7i64 {
        for k in 0..WEEK_PER_DAY {
            let at = now - Duration::days(day) - Duration::seconds(t.rng.gen_range(60..86_400));
            let m = t.rng.gen_range(0..t.machines.len() as u32);
            let det = if k < WEEK_HIGH_PER_DAY {
                high.clone()
            } else {
                bg[t.rng.gen_range(0..bg.len())].clone()
            };
            let status = if at < now - Duration::hours(48) || t.rng.gen_bool(0.5) {
                "Resolved"
            } else {
                "New"
            };
            raise(t, &det, m, at, status);
        }
    }
}

/// Mean sim seconds between background alerts in the demo.
pub const TRICKLE_MEAN_SECS: i64 = 20 * 60;
/// The trickle stops adding alerts beyond this many (a demo left running for weeks).
const TRICKLE_CAP: usize = 50_000;

/// Raises the background alerts due up to `now` (a steady trickle, one every ~20 sim
/// minutes; one in twenty is High, so an auto-isolation rule has something to do).
pub fn trickle(t: &mut Tenant, now: DateTime<Utc>) {
    while let Some(at) = t.next_alert.filter(|at| *at <= now) {
        if t.machines.is_empty() || t.alerts.len() >= TRICKLE_CAP {
            t.next_alert = None;
            return;
        }
        let m = t.rng.gen_range(0..t.machines.len() as u32);
        let det = if t.rng.gen_bool(0.05) {
            Arc::new(Detection {
                severity: "High",
                ..BACKGROUND[5].clone()
            })
        } else {
            Arc::new(BACKGROUND[t.rng.gen_range(0..BACKGROUND.len())].clone())
        };
        raise(t, &det, m, at, "New");
        let gap = t
            .rng
            .gen_range(TRICKLE_MEAN_SECS / 2..TRICKLE_MEAN_SECS * 3 / 2);
        t.next_alert = Some(at + Duration::seconds(gap));
    }
}
