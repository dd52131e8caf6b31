//! `scale:<machines>:<actions>`: a large, plain tenant for benchmarks. Generated directly
//! (not replayed through the lifecycle) so that 100,000 machines and 1,000,000 actions
//! build in seconds; strings are shared, every action is final, and each machine's
//! isolation flag follows its last succeeded Isolate/Unisolate.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, RngCore};

use super::fleet::{DEMO_ROLES, machine};
use crate::model::{Action, ActionType, Status, Tenant};

pub fn build(t: &mut Tenant, machines: u32, actions: u32, now: DateTime<Utc>) {
    let roles = DEMO_ROLES;
    t.reserve(machines as usize, actions as usize);
    for i in 0..machines {
        let role = &roles[i as usize % roles.len()];
        let mut m = machine(&mut t.rng, role, i as usize, now, "scale.contoso.local");
        // Unique, sortable names regardless of the role's digit width.
        m.dns = format!("{}-{i:06}.scale.contoso.local", role.prefix);
        if t.rng.gen_bool(0.05) {
            m.go_offline(now - Duration::hours(t.rng.gen_range(1..400)));
        }
        t.add_machine(m);
    }
    if machines == 0 {
        return;
    }
    let requestors: Vec<Arc<str>> = [
        "alice@contoso.example",
        "bob@contoso.example",
        "carol@contoso.example",
        crate::identities::ANALYST_APP_NAME,
        crate::identities::AUTOMATION_APP_NAME,
    ]
    .iter()
    .map(|s| Arc::from(*s))
    .collect();
    let comments: Vec<Arc<str>> = [
        "Isolate per IR playbook",
        "Investigation complete, releasing",
        "Routine scan",
    ]
    .iter()
    .map(|s| Arc::from(*s))
    .collect();
    let span = Duration::days(180).num_seconds() as f64;
    let start = now - Duration::days(180) - Duration::hours(1);
    let start_ms = start.timestamp_millis();
    let step_ms = span * 1000.0 / f64::from(actions.max(1));
    for a in 0..actions {
        // One draw per action, sliced: `gen_range` per field made big tenants slow to
        // build in debug builds.
        let r = t.rng.next_u64();
        let m = ((r & 0xffff_ffff) % u64::from(machines)) as u32;
        let roll = (r >> 32) % 100;
        let status_roll = (r >> 40) % 100;
        let who = ((r >> 48) % requestors.len() as u64) as usize;
        let isolated = t.machines[m as usize].isolated;
        let (kind, scope, comment) = if roll < 10 {
            (ActionType::RunAntiVirusScan, Some("Quick"), &comments[2])
        } else if isolated {
            (ActionType::Unisolate, None, &comments[1])
        } else {
            (ActionType::Isolate, Some("Full"), &comments[0])
        };
        let status = match status_roll {
            0..=2 => Status::Failed,
            3..=5 => Status::TimeOut,
            6..=8 => Status::Cancelled,
            _ => Status::Succeeded,
        };
        let created_ms = start_ms + (f64::from(a) * step_ms) as i64;
        let created = DateTime::from_timestamp_millis(created_ms).unwrap_or(start);
        let updated = created
            + Duration::seconds(if status == Status::TimeOut {
                3 * 86_400
            } else {
                120
            });
        if status == Status::Succeeded {
            match kind {
                ActionType::Isolate => t.machines[m as usize].isolated = true,
                ActionType::Unisolate => t.machines[m as usize].isolated = false,
                _ => {}
            }
        }
        let id = t.new_uuid();
        let requestor = requestors[who].clone();
        t.push_action(Action {
            id,
            kind,
            scope,
            requestor,
            comment: comment.clone(),
            status,
            machine: m,
            created,
            updated,
            started: Some(created + Duration::seconds(30)),
            cancel: None,
            external_id: None,
            pickup_secs: 30,
            exec_secs: 90,
            will_fail: status == Status::Failed,
            error_hresult: if status == Status::Failed {
                crate::model::action::E_FAIL
            } else {
                0
            },
        });
    }
}
