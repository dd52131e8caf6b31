//! Resolves what an analyst types (a machine id or a DNS name) to machines.
//!
//! An id matches exactly (case-insensitive). A name matches the full DNS name or the
//! host part before the first dot, case-insensitively. Several matches are returned
//! as candidates: the caller asks which one, and nothing is done until then. A long
//! list (a file of thousands of names) is resolved through an [`Index`]: the same
//! answers as [`matches`], one hash look-up per name.

use std::collections::HashMap;

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

/// The machines indexed by id, full DNS name and host name (all lower case), for
/// resolving many queries at once.
pub struct Index<'a> {
    by_id: HashMap<String, Vec<&'a Machine>>,
    by_dns: HashMap<String, Vec<&'a Machine>>,
    by_host: HashMap<String, Vec<&'a Machine>>,
}

impl<'a> Index<'a> {
    pub fn new(machines: &'a [Machine]) -> Self {
        let mut index = Self {
            by_id: HashMap::with_capacity(machines.len()),
            by_dns: HashMap::with_capacity(machines.len()),
            by_host: HashMap::with_capacity(machines.len()),
        };
        for m in machines {
            index
                .by_id
                .entry(m.id.to_ascii_lowercase())
                .or_default()
                .push(m);
            if let Some(dns) = m.computer_dns_name.as_deref() {
                let dns = dns.to_ascii_lowercase();
                let host = dns.split('.').next().unwrap_or_default().to_owned();
                index.by_host.entry(host).or_default().push(m);
                index.by_dns.entry(dns).or_default().push(m);
            }
        }
        index
    }

    /// Every machine `query` may mean: the answer of [`matches`].
    pub fn matches(&self, query: &str) -> Vec<MachineRef> {
        let q = query.trim().to_ascii_lowercase();
        [&self.by_id, &self.by_dns, &self.by_host]
            .into_iter()
            .find_map(|map| map.get(&q).filter(|found| !found.is_empty()))
            .map(|found| found.iter().map(|m| to_ref(m)).collect())
            .unwrap_or_default()
    }
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

    #[test]
    fn the_index_answers_as_matches_does() {
        let ms = [
            machine("a".repeat(40).as_str(), "ws-1.eu.contoso.com"),
            machine("b".repeat(40).as_str(), "WS-1.us.contoso.com"),
            machine("c".repeat(40).as_str(), "ws-10.eu.contoso.com"),
            machine("d".repeat(40).as_str(), "ws-10"),
        ];
        let index = Index::new(&ms);
        for q in [
            "ws-1",
            " WS-1 ",
            "ws-1.us.contoso.com",
            "ws-10",
            "ws-10.eu.contoso.com",
            &"C".repeat(40),
            "ws",
            "",
            "nothing",
        ] {
            assert_eq!(index.matches(q), matches(&ms, q), "{q:?}");
        }
    }
}
