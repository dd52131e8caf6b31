//! A synthetic fleet for the derivation benchmark: `machines` machines with
//! `actions_per_machine` isolate/release actions each, in the proportions the `scale`
//! scenario of mde-sim uses (≈ 91 % succeeded, 3 % each failed, timed out, cancelled;
//! a few releases still pending). Deterministic (a fixed xorshift seed), no I/O.

use chrono::{DateTime, Duration, TimeZone, Utc};
use cordon_core::fleet::derive::{IsolationAction, Kind, Liveness, Status};

/// The derivation's inputs for one machine.
pub struct FleetMachine {
    pub id: String,
    pub live: Liveness,
    pub actions: Vec<IsolationAction>,
}

/// A fixed "now" for the whole fleet (2025-06-02 08:00 UTC, as in the simulator tests).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 8, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Builds the fleet; `machines × actions_per_machine` actions in total.
pub fn build(machines: usize, actions_per_machine: usize) -> Vec<FleetMachine> {
    let now = now();
    let mut rng = XorShift(0x5eed_c0de_d00d_f00d);
    let requestors = ["alice@contoso.example", "bob@contoso.example", "automation"];
    let span_secs = 180 * 86_400_i64;
    let step = span_secs / actions_per_machine.max(1) as i64;
    (0..machines)
        .map(|m| {
            let start = now - Duration::seconds(span_secs) + Duration::seconds(m as i64 % step);
            let mut isolated = false;
            let actions = (0..actions_per_machine)
                .map(|k| {
                    let r = rng.next();
                    let created = start + Duration::seconds(k as i64 * step);
                    let kind = if isolated {
                        Kind::Unisolate
                    } else {
                        Kind::Isolate
                    };
                    let last = k + 1 == actions_per_machine;
                    let status = match r % 100 {
                        _ if last && r % 1000 < 50 => Status::Pending,
                        0..=2 => Status::Failed,
                        3..=5 => Status::TimeOut,
                        6..=8 => Status::Cancelled,
                        _ => Status::Succeeded,
                    };
                    if status == Status::Succeeded {
                        isolated = kind == Kind::Isolate;
                    }
                    IsolationAction {
                        id: format!("{:016x}{:016x}", m as u64, k as u64 ^ r),
                        kind,
                        status,
                        created,
                        updated: (status != Status::Pending)
                            .then(|| created + Duration::seconds(120)),
                        requestor: requestors[(r >> 32) as usize % requestors.len()].to_owned(),
                        comment: if kind == Kind::Isolate {
                            "Isolate per IR playbook".to_owned()
                        } else {
                            "Investigation complete, releasing".to_owned()
                        },
                        scope: (kind == Kind::Isolate).then(|| "Full".to_owned()),
                    }
                })
                .collect();
            FleetMachine {
                id: format!("{m:040x}"),
                live: Liveness {
                    health: Some(if m % 20 == 0 { "Inactive" } else { "Active" }.to_owned()),
                    last_full_report: Some(now - Duration::hours((m % 200) as i64)),
                },
                actions,
            }
        })
        .collect()
}

/// Total actions of a fleet.
pub fn action_count(fleet: &[FleetMachine]) -> usize {
    fleet.iter().map(|m| m.actions.len()).sum()
}
