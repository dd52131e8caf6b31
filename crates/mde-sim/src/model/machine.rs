//! A device of the tenant: what the API shows about it (§4.2) plus the hidden truth the
//! simulator needs (is it online, behind a full-tunnel VPN, isolated right now).
//!
//! `lastSeen` is the last *full device report* (about daily), not a heartbeat, and
//! `healthStatus` turns `Inactive` only after 7 days without reports, as in the real
//! service: liveness must look as uncertain here as it does for real.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::clock::odata;
use crate::config::Quirks;

/// Seconds between full device reports.
pub const REPORT_INTERVAL_SECS: i64 = 24 * 3600;
/// Without a report for this long a machine is `Inactive`.
pub const INACTIVE_AFTER_SECS: i64 = 7 * 24 * 3600;

/// Fields real responses carry beyond the documented entity (T6); the
/// `extra_machine_fields` quirk switches them off.
pub const EXTRA_FIELDS: &[&str] = &[
    "mergedIntoMachineId",
    "isPotentialDuplication",
    "isExcluded",
    "exclusionReason",
    "osVersion",
    "agentVersion",
    "defenderAvStatus",
    "managedBy",
    "managedByStatus",
    "vmMetadata",
];

#[derive(Debug, Clone)]
pub struct Machine {
    /// 40 lowercase hex characters.
    pub id: String,
    pub dns: String,
    pub first_seen: DateTime<Utc>,
    /// The last full report known while the machine was last observed.
    pub last_report: DateTime<Utc>,
    /// Offset of the daily report within the day (jitter between machines).
    pub report_phase_secs: u32,
    pub os_platform: &'static str,
    pub version: &'static str,
    pub os_build: Option<u64>,
    pub arch: &'static str,
    pub agent_version: &'static str,
    pub last_ip: String,
    pub external_ip: String,
    pub mac: String,
    pub rbac_group_name: Arc<str>,
    pub rbac_group_id: u32,
    pub risk: &'static str,
    pub exposure: &'static str,
    pub device_value: &'static str,
    pub aad_device_id: Option<String>,
    pub tags: Vec<String>,
    // Hidden truth, never on the wire.
    pub online: bool,
    pub online_since: DateTime<Utc>,
    /// Reports irregularly: `ImpairedCommunication` while online.
    pub flaky: bool,
    /// The sensor sends no telemetry (`NoSensorData`, D7) although the device is on.
    pub no_sensor_data: bool,
    /// Behind a full-tunnel VPN: once isolated it cannot reach the service (D1, D34).
    pub full_tunnel_vpn: bool,
    pub isolated: bool,
    pub restricted: bool,
}

impl Machine {
    /// Can the device reach the Defender cloud and pick up actions?
    pub fn reachable(&self) -> bool {
        self.online && !(self.isolated && self.full_tunnel_vpn)
    }

    /// `lastSeen`: the newest daily report at or before `now` while online.
    pub fn last_seen(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        if !self.online || now < self.online_since {
            return self.last_report;
        }
        let phase = Duration::seconds(i64::from(self.report_phase_secs));
        let since_phase = (now - phase).timestamp().div_euclid(REPORT_INTERVAL_SECS);
        let latest = DateTime::from_timestamp(since_phase * REPORT_INTERVAL_SECS, 0)
            .map_or(self.last_report, |d| d + phase);
        latest.max(self.last_report).min(now)
    }

    /// `healthStatus` as the service would report it at `now`.
    pub fn health(&self, now: DateTime<Utc>) -> &'static str {
        let silent = now - self.last_seen(now);
        if silent > Duration::seconds(INACTIVE_AFTER_SECS) {
            "Inactive"
        } else if self.no_sensor_data && self.flaky {
            "NoSensorDataImpairedCommunication"
        } else if self.no_sensor_data {
            "NoSensorData"
        } else if self.flaky {
            "ImpairedCommunication"
        } else {
            "Active"
        }
    }

    /// Records an observation before the machine drops off: freezes `lastSeen`.
    pub fn go_offline(&mut self, now: DateTime<Utc>) {
        if self.online {
            self.last_report = self.last_seen(now);
            self.online = false;
        }
    }

    /// The machine comes back and sends a full report at once.
    pub fn go_online(&mut self, now: DateTime<Utc>) {
        if !self.online {
            self.online = true;
            self.online_since = now;
            self.last_report = now;
        }
    }

    /// The Machine entity as the API returns it.
    pub fn to_json(&self, now: DateTime<Utc>, quirks: &Quirks) -> Value {
        let rbac_group_id = if quirks.numeric_rbac_group_id {
            json!(self.rbac_group_id)
        } else {
            json!(self.rbac_group_id.to_string())
        };
        let last_seen = self.last_seen(now);
        let mut v = json!({
            "id": self.id,
            "computerDnsName": self.dns,
            "firstSeen": odata(self.first_seen),
            "lastSeen": odata(last_seen),
            "osPlatform": self.os_platform,
            "osVersion": null,
            "osProcessor": if self.arch == "32-bit" { "x86" } else { "x64" },
            "version": self.version,
            "lastIpAddress": self.last_ip,
            "lastExternalIpAddress": self.external_ip,
            "agentVersion": self.agent_version,
            "osBuild": self.os_build,
            "healthStatus": self.health(now),
            "deviceValue": self.device_value,
            "rbacGroupId": rbac_group_id,
            "rbacGroupName": &*self.rbac_group_name,
            "riskScore": self.risk,
            "exposureLevel": self.exposure,
            "isAadJoined": self.aad_device_id.is_some(),
            "aadDeviceId": self.aad_device_id,
            "machineTags": self.tags,
            "defenderAvStatus": "Updated",
            "onboardingStatus": "Onboarded",
            "osArchitecture": self.arch,
            "managedBy": if self.os_platform.starts_with("Windows") { "Intune" } else { "Unknown" },
            "managedByStatus": "Success",
            "ipAddresses": [
                {
                    "ipAddress": self.last_ip,
                    "macAddress": self.mac,
                    "type": "Ethernet",
                    "operationalStatus": "Up"
                },
                {
                    "ipAddress": "127.0.0.1",
                    "macAddress": null,
                    "type": "SoftwareLoopback",
                    "operationalStatus": "Up"
                }
            ],
            "vmMetadata": null,
            "isPotentialDuplication": false,
            "mergedIntoMachineId": null,
            "isExcluded": false,
            "exclusionReason": null
        });
        if !quirks.extra_machine_fields
            && let Some(o) = v.as_object_mut()
        {
            for k in EXTRA_FIELDS {
                o.remove(*k);
            }
        }
        v
    }
}
