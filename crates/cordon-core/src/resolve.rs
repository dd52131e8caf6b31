//! Resolves what an analyst types (a machine id or a DNS name) to machines.
//!
//! An id matches exactly (case-insensitive). A name matches the full DNS name or the
//! host part before the first dot, case-insensitively. Several matches are returned
//! as candidates: the caller asks which one, and nothing is done until then.

use mde_api::Machine;

use crate::dto::MachineRef;

/// Every machine `query` may mean.
pub fn matches(machines: &[Machine], query: &str) -> Vec<MachineRef> {
    let q = query.trim().to_ascii_lowercase();
    let by_id: Vec<MachineRef> = machines
        .iter()
        .filter(|m| m.id.eq_ignore_ascii_case(&q))
        .map(to_ref)
        .collect();
    if !by_id.is_empty() {
        return by_id;
    }
    let exact: Vec<MachineRef> = machines
        .iter()
        .filter(|m| {
            m.computer_dns_name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&q))
        })
        .map(to_ref)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    machines
        .iter()
        .filter(|m| {
            m.computer_dns_name
                .as_deref()
                .and_then(|n| n.split('.').next())
                .is_some_and(|host| host.eq_ignore_ascii_case(&q))
        })
        .map(to_ref)
        .collect()
}

fn to_ref(m: &Machine) -> MachineRef {
    MachineRef {
        id: m.id.clone(),
        name: m.computer_dns_name.clone().unwrap_or_else(|| m.id.clone()),
    }
}
