//! The entities of the wire: Machine, MachineAction, Alert.
//!
//! Every field but `id` (and an action's type, status and creation time) is
//! tolerant: missing, `null` or oddly typed values read as `None` or empty, the
//! documented name variants are all accepted, and unknown fields are ignored.
//! `Serialize` writes the canonical camelCase names, which read back the same.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::kinds::{
    ActionStatus, ActionType, AlertSeverity, AlertStatus, DeviceValue, ExposureLevel, HealthStatus,
    OnboardingStatus, RiskScore,
};
use crate::lenient::{Obj, deserialize_object};

/// A device known to Defender (`/api/machines`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    pub id: String,
    pub computer_dns_name: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    /// The last *full device report* (about daily), not a heartbeat.
    pub last_seen: Option<DateTime<Utc>>,
    pub os_platform: Option<String>,
    pub os_version: Option<String>,
    pub version: Option<String>,
    pub os_build: Option<i64>,
    pub os_architecture: Option<String>,
    pub health_status: HealthStatus,
    pub onboarding_status: Option<OnboardingStatus>,
    /// A string, although the wire usually carries a number.
    pub rbac_group_id: Option<String>,
    pub rbac_group_name: Option<String>,
    pub risk_score: Option<RiskScore>,
    pub exposure_level: Option<ExposureLevel>,
    pub device_value: Option<DeviceValue>,
    pub aad_device_id: Option<String>,
    pub is_aad_joined: Option<bool>,
    pub machine_tags: Vec<String>,
    pub last_ip_address: Option<String>,
    pub last_external_ip_address: Option<String>,
    pub ip_addresses: Vec<IpAddress>,
    pub agent_version: Option<String>,
    pub defender_av_status: Option<String>,
    pub managed_by: Option<String>,
    pub is_potential_duplication: Option<bool>,
    pub merged_into_machine_id: Option<String>,
    pub is_excluded: Option<bool>,
}

/// One network interface of a machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpAddress {
    pub ip_address: Option<String>,
    pub mac_address: Option<String>,
    pub operational_status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl Machine {
    fn read(mut o: Obj) -> Result<Self, String> {
        Ok(Self {
            id: o.string("id").ok_or("missing id")?,
            computer_dns_name: o.string("computerDnsName"),
            first_seen: o.datetime("firstSeen"),
            last_seen: o.datetime("lastSeen"),
            os_platform: o.string("osPlatform"),
            os_version: o.string("osVersion"),
            version: o.string("version"),
            os_build: o.i64("osBuild"),
            os_architecture: o.string("osArchitecture"),
            health_status: o.parse("healthStatus").unwrap_or_default(),
            onboarding_status: o.parse("onboardingStatus"),
            rbac_group_id: o.string("rbacGroupId"),
            rbac_group_name: o.string("rbacGroupName"),
            risk_score: o.parse("riskScore"),
            exposure_level: o.parse("exposureLevel"),
            device_value: o.parse("deviceValue"),
            aad_device_id: o.string("aadDeviceId"),
            is_aad_joined: o.bool("isAadJoined"),
            machine_tags: o.strings("machineTags"),
            last_ip_address: o.string("lastIpAddress"),
            last_external_ip_address: o.string("lastExternalIpAddress"),
            ip_addresses: o.objects("ipAddresses", |mut a| {
                Some(IpAddress {
                    ip_address: a.string("ipAddress"),
                    mac_address: a.string("macAddress"),
                    operational_status: a.string("operationalStatus"),
                    kind: a.string("type"),
                })
            }),
            agent_version: o.string("agentVersion"),
            defender_av_status: o.string("defenderAvStatus"),
            managed_by: o.string("managedBy"),
            is_potential_duplication: o.bool("isPotentialDuplication"),
            merged_into_machine_id: o.string("mergedIntoMachineId"),
            is_excluded: o.bool("isExcluded"),
        })
    }
}

impl<'de> Deserialize<'de> for Machine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_object(d, "Machine", Machine::read)
    }
}

/// A response action and its progress (`/api/machineactions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineAction {
    pub id: String,
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// `Full`/`Selective` for isolation, `Quick`/`Full` for a scan.
    pub scope: Option<String>,
    pub requestor: Option<String>,
    pub requestor_comment: Option<String>,
    pub request_source: Option<String>,
    pub status: ActionStatus,
    pub machine_id: Option<String>,
    pub computer_dns_name: Option<String>,
    pub creation_date_time_utc: DateTime<Utc>,
    /// Read from `lastUpdateDateTimeUtc` or `lastUpdateTimeUtc`.
    pub last_update_date_time_utc: Option<DateTime<Utc>>,
    pub cancellation_requestor: Option<String>,
    pub cancellation_comment: Option<String>,
    pub cancellation_date_time_utc: Option<DateTime<Utc>>,
    /// Read from `externalID` or `externalId`.
    pub external_id: Option<String>,
    pub error_h_result: Option<i64>,
    pub title: Option<String>,
}

impl MachineAction {
    fn read(mut o: Obj) -> Result<Self, String> {
        let last_update = o
            .datetime("lastUpdateDateTimeUtc")
            .or_else(|| o.datetime("lastUpdateTimeUtc"));
        Ok(Self {
            id: o.string("id").ok_or("missing id")?,
            action_type: o.parse("type").ok_or("missing type")?,
            scope: o.string("scope"),
            requestor: o.string("requestor"),
            requestor_comment: o.string("requestorComment"),
            request_source: o.string("requestSource"),
            status: o.parse("status").ok_or("missing status")?,
            machine_id: o.string("machineId"),
            computer_dns_name: o.string("computerDnsName"),
            creation_date_time_utc: o
                .datetime("creationDateTimeUtc")
                .ok_or("missing or invalid creationDateTimeUtc")?,
            last_update_date_time_utc: last_update,
            cancellation_requestor: o.string("cancellationRequestor"),
            cancellation_comment: o.string("cancellationComment"),
            cancellation_date_time_utc: o.datetime("cancellationDateTimeUtc"),
            external_id: o.string("externalId"),
            error_h_result: o.i64("errorHResult"),
            title: o.string("title"),
        })
    }
}

impl<'de> Deserialize<'de> for MachineAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_object(d, "MachineAction", MachineAction::read)
    }
}

/// A Defender alert (`/api/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub id: String,
    pub incident_id: Option<i64>,
    pub investigation_id: Option<i64>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<AlertSeverity>,
    pub status: Option<AlertStatus>,
    pub classification: Option<String>,
    pub determination: Option<String>,
    pub investigation_state: Option<String>,
    pub category: Option<String>,
    pub detection_source: Option<String>,
    pub detector_id: Option<String>,
    pub threat_family_name: Option<String>,
    pub threat_name: Option<String>,
    pub assigned_to: Option<String>,
    pub machine_id: Option<String>,
    pub computer_dns_name: Option<String>,
    pub rbac_group_name: Option<String>,
    pub aad_tenant_id: Option<String>,
    pub mitre_techniques: Vec<String>,
    pub alert_creation_time: Option<DateTime<Utc>>,
    pub first_event_time: Option<DateTime<Utc>>,
    pub last_event_time: Option<DateTime<Utc>>,
    pub last_update_time: Option<DateTime<Utc>>,
    pub resolved_time: Option<DateTime<Utc>>,
    /// Present with `$expand=evidence`; kept as raw JSON (many entity shapes).
    pub evidence: Vec<serde_json::Value>,
}

impl Alert {
    fn read(mut o: Obj) -> Result<Self, String> {
        Ok(Self {
            id: o.string("id").ok_or("missing id")?,
            incident_id: o.i64("incidentId"),
            investigation_id: o.i64("investigationId"),
            title: o.string("title"),
            description: o.string("description"),
            severity: o.parse("severity"),
            status: o.parse("status"),
            classification: o.string("classification"),
            determination: o.string("determination"),
            investigation_state: o.string("investigationState"),
            category: o.string("category"),
            detection_source: o.string("detectionSource"),
            detector_id: o.string("detectorId"),
            threat_family_name: o.string("threatFamilyName"),
            threat_name: o.string("threatName"),
            assigned_to: o.string("assignedTo"),
            machine_id: o.string("machineId"),
            computer_dns_name: o.string("computerDnsName"),
            rbac_group_name: o.string("rbacGroupName"),
            aad_tenant_id: o.string("aadTenantId"),
            mitre_techniques: o.strings("mitreTechniques"),
            alert_creation_time: o.datetime("alertCreationTime"),
            first_event_time: o.datetime("firstEventTime"),
            last_event_time: o.datetime("lastEventTime"),
            last_update_time: o.datetime("lastUpdateTime"),
            resolved_time: o.datetime("resolvedTime"),
            evidence: match o.take("evidence") {
                Some(serde_json::Value::Array(items)) => items,
                _ => Vec::new(),
            },
        })
    }
}

impl<'de> Deserialize<'de> for Alert {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_object(d, "Alert", Alert::read)
    }
}

/// One page of an OData collection.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
    /// The collection's size, when `$count=true` was asked and honoured (read
    /// leniently: anything but a whole number is ignored).
    #[serde(rename = "@odata.count", default)]
    pub(crate) count: Option<serde_json::Value>,
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
