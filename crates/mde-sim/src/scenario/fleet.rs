//! Realistic machines: host names by role (`ws-fin-0142.contoso.local`,
//! `srv-sql-03.contoso.local`), the OS mix of a real estate, device groups with numeric
//! ids, tags, risk and exposure, IPs. Everything comes from the seeded generator.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use crate::model::Machine;

/// A device group and the kind of machine in it.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    pub prefix: &'static str,
    /// Digits of the host number (4 for workstations, 2 for servers).
    pub digits: usize,
    pub count: usize,
    pub group: &'static str,
    pub group_id: u32,
    pub os: &'static [&'static str],
    pub tags: &'static [&'static str],
    pub value: &'static str,
    pub laptop: bool,
    /// Second octet of the site's 10.x.0.0/16.
    pub subnet: u8,
}

/// The demo estate: 300 machines.
pub const DEMO_ROLES: &[Role] = &[
    role(
        "ws-fin",
        4,
        40,
        "Finance Workstations",
        101,
        &["Windows11", "Windows10"],
        &["Finance"],
        "Normal",
        false,
        10,
    ),
    role(
        "ws-eng",
        4,
        60,
        "Engineering Workstations",
        102,
        &["Windows11", "Windows11", "Windows10"],
        &["Engineering"],
        "Normal",
        false,
        11,
    ),
    role(
        "lt-sales",
        4,
        50,
        "Sales Laptops",
        103,
        &["Windows11"],
        &["Sales", "Laptop"],
        "Normal",
        true,
        12,
    ),
    role(
        "ws-hr",
        4,
        20,
        "HR Workstations",
        104,
        &["Windows10", "Windows11"],
        &["HR", "PII"],
        "Normal",
        false,
        13,
    ),
    role(
        "lt-exec",
        3,
        10,
        "Executive Laptops",
        105,
        &["Windows11"],
        &["VIP", "Laptop"],
        "High",
        true,
        14,
    ),
    role(
        "mac-dsgn",
        3,
        20,
        "Mac Fleet",
        106,
        &["macOS"],
        &["Design", "Laptop"],
        "Normal",
        true,
        15,
    ),
    role(
        "ws-ops",
        3,
        15,
        "IT & SOC",
        107,
        &["Windows11"],
        &["IT"],
        "Normal",
        false,
        16,
    ),
    role(
        "lt-field",
        4,
        20,
        "Field Laptops",
        108,
        &["Windows10", "Windows11"],
        &["Field", "Laptop"],
        "Low",
        true,
        17,
    ),
    role(
        "srv-sql",
        2,
        8,
        "Datacenter Servers",
        201,
        &["WindowsServer2019", "WindowsServer2022"],
        &["Server", "SQL", "PCI"],
        "High",
        false,
        20,
    ),
    role(
        "srv-web",
        2,
        10,
        "Datacenter Servers",
        201,
        &["WindowsServer2022", "WindowsServer2019"],
        &["Server", "DMZ"],
        "Normal",
        false,
        21,
    ),
    role(
        "srv-app",
        2,
        12,
        "Datacenter Servers",
        201,
        &["WindowsServer2022"],
        &["Server"],
        "Normal",
        false,
        20,
    ),
    role(
        "srv-file",
        2,
        6,
        "Datacenter Servers",
        201,
        &["WindowsServer2019"],
        &["Server"],
        "Normal",
        false,
        20,
    ),
    role(
        "dc",
        2,
        4,
        "Domain Controllers",
        202,
        &["WindowsServer2022"],
        &["Tier0", "DomainController", "NoAutoIsolate"],
        "High",
        false,
        2,
    ),
    role(
        "lnx-build",
        2,
        15,
        "Linux Servers",
        203,
        &["Linux"],
        &["Linux", "CI"],
        "Normal",
        false,
        30,
    ),
    role(
        "lnx-web",
        2,
        10,
        "Linux Servers",
        203,
        &["Linux"],
        &["Linux", "DMZ"],
        "Normal",
        false,
        31,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn role(
    prefix: &'static str,
    digits: usize,
    count: usize,
    group: &'static str,
    group_id: u32,
    os: &'static [&'static str],
    tags: &'static [&'static str],
    value: &'static str,
    laptop: bool,
    subnet: u8,
) -> Role {
    Role {
        prefix,
        digits,
        count,
        group,
        group_id,
        os,
        tags,
        value,
        laptop,
        subnet,
    }
}

/// OS facts: (osPlatform, version, osBuild, agentVersion).
fn os_facts(os: &'static str, rng: &mut StdRng) -> (&'static str, Option<u64>, &'static str) {
    match os {
        "Windows10" => ("22H2", Some(19045), "10.8760.19041.4355"),
        "Windows11" => {
            if rng.gen_bool(0.6) {
                ("23H2", Some(22631), "10.8760.22621.3447")
            } else {
                ("24H2", Some(26100), "10.8760.26100.1742")
            }
        }
        "WindowsServer2019" => ("1809", Some(17763), "10.8760.17763.5830"),
        "WindowsServer2022" => ("21H2", Some(20348), "10.8760.20348.2461"),
        "Linux" => ("22.4", None, "101.24052.0002"),
        "macOS" => ("14.5", None, "101.24042.0002"),
        _ => ("", None, ""),
    }
}

fn hex40(rng: &mut StdRng) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes: [u8; 20] = rng.r#gen();
    let mut out = String::with_capacity(40);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// One machine of a role, numbered `number`, as of `now`.
pub fn machine(
    rng: &mut StdRng,
    role: &Role,
    number: usize,
    now: DateTime<Utc>,
    domain: &str,
) -> Machine {
    let os = pick(rng, role.os);
    let (version, os_build, agent_version) = os_facts(os, rng);
    let width = role.digits;
    let dns = format!("{}-{number:0width$}.{domain}", role.prefix);
    let windows_client = os == "Windows10" || os == "Windows11";
    let mut tags: Vec<String> = role.tags.iter().map(|t| (*t).to_string()).collect();
    if rng.gen_bool(0.08) {
        tags.push(pick(rng, &["Pilot", "Legacy", "Contractor", "VIP"]).to_string());
    }
    let risk = pick(
        rng,
        &["None", "Informational", "Low", "Low", "Medium", "High"],
    );
    let exposure = pick(rng, &["Low", "Medium", "Medium", "High"]);
    let mac: [u8; 3] = rng.r#gen();
    let mut m = Machine {
        id: hex40(rng),
        first_seen: now
            - Duration::days(rng.gen_range(40..900))
            - Duration::seconds(rng.gen_range(0..86_400)),
        last_report: now - Duration::seconds(rng.gen_range(0..86_400)),
        report_phase_secs: rng.gen_range(0..86_400),
        os_platform: os,
        version,
        os_build,
        arch: "64-bit",
        agent_version,
        last_ip: format!(
            "10.{}.{}.{}",
            role.subnet,
            rng.gen_range(0..64),
            rng.gen_range(2..254)
        ),
        external_ip: format!("203.0.113.{}", rng.gen_range(1..250)),
        mac: format!("00-15-5D-{:02X}-{:02X}-{:02X}", mac[0], mac[1], mac[2]),
        rbac_group_name: Arc::from(role.group),
        rbac_group_id: role.group_id,
        risk,
        exposure,
        device_value: role.value,
        aad_device_id: windows_client.then(|| {
            uuid::Builder::from_random_bytes(rng.r#gen())
                .into_uuid()
                .to_string()
        }),
        tags,
        online: true,
        online_since: DateTime::<Utc>::MIN_UTC,
        flaky: rng.gen_bool(0.03),
        no_sensor_data: false,
        full_tunnel_vpn: false,
        isolated: false,
        restricted: false,
        dns,
    };
    // About 2 % without sensor data, chosen from the id so that adding the state did
    // not shift the seeded generator (and with it every scenario).
    m.no_sensor_data = u8::from_str_radix(&m.id[..2], 16).is_ok_and(|b| b < 6);
    m
}

/// Host numbers for a role: increasing with random gaps, like a real estate's.
pub fn numbers(rng: &mut StdRng, role: &Role) -> Vec<usize> {
    let max = 10usize.pow(role.digits as u32) - 1;
    let mut n = if role.digits >= 3 {
        rng.gen_range(1..40)
    } else {
        1
    };
    let mut out = Vec::with_capacity(role.count);
    for _ in 0..role.count {
        out.push(n.min(max));
        n += if role.digits >= 3 {
            rng.gen_range(1..6)
        } else {
            1
        };
    }
    out
}
