//! Resolves what an analyst types (a machine id or a DNS name) to machines.
//!
//! An id matches exactly (case-insensitive). A name matches the full DNS name or the
//! host part before the first dot, case-insensitively. Several matches are returned
//! as candidates: the caller asks which one, and nothing is done until then.

use mde_api::Machine;

use crate::dto::MachineRef;

/// The machine with this id (case-insensitive): the one look-up by id.
pub fn by_id<'a>(machines: &'a [Machine], id: &str) -> Option<&'a Machine> {
    machines
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(id.trim()))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(id: &str, dns: &str) -> Machine {
        serde_json::from_value(
            serde_json::json!({"id": id, "computerDnsName": dns, "healthStatus": "Active"}),
        )
        .expect("machine")
    }

    #[test]
    fn a_shared_short_name_gives_every_candidate() {
        let ms = [
            machine("a".repeat(40).as_str(), "ws-1.eu.contoso.com"),
            machine("b".repeat(40).as_str(), "ws-1.us.contoso.com"),
            machine("c".repeat(40).as_str(), "ws-10.eu.contoso.com"),
        ];
        assert_eq!(matches(&ms, "WS-1").len(), 2);
        assert_eq!(
            matches(&ms, "ws-1.us.contoso.com").len(),
            1,
            "a full name is exact"
        );
        assert_eq!(matches(&ms, &"C".repeat(40)).len(), 1, "an id is exact");
        assert!(matches(&ms, "ws").is_empty(), "no prefix matching");
    }
}
