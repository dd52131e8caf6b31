//! Alerts (§4.3). Many alerts share one detection (a storm is one detector firing on many
//! machines), so the detection is kept once and shared. An alert can be published late
//! (`visible_from`): Defender's ingestion delay, during which the API does not show it.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock::odata;
use crate::identities::TENANT_ID;

/// What fired: the same for every alert of a storm. The names a test may choose (`POST
/// /_sim/alerts`) are owned or borrowed; the scenarios' detections are constants.
#[derive(Debug, Clone)]
pub struct Detection {
    pub title: Cow<'static, str>,
    pub description: &'static str,
    pub category: Cow<'static, str>,
    pub detection_source: Cow<'static, str>,
    pub detector_id: Cow<'static, str>,
    pub threat_family: Option<&'static str>,
    pub threat_name: Option<&'static str>,
    pub mitre: &'static [&'static str],
    pub severity: &'static str,
    pub file_name: &'static str,
    pub file_path: &'static str,
    pub sha1: &'static str,
    pub sha256: &'static str,
}

#[derive(Debug, Clone)]
pub struct Alert {
    /// e.g. `da638712345678901234_-1234567890`.
    pub id: String,
    pub incident_id: u64,
    pub investigation_id: Option<u64>,
    pub detection: Arc<Detection>,
    pub status: &'static str,
    pub classification: Option<&'static str>,
    pub determination: Option<&'static str>,
    pub investigation_state: &'static str,
    pub assigned_to: Option<Arc<str>>,
    pub machine: u32,
    pub created: DateTime<Utc>,
    pub first_event: DateTime<Utc>,
    pub last_update: DateTime<Utc>,
    pub resolved: Option<DateTime<Utc>>,
    pub user: Option<(String, String)>,
    /// When the API starts showing the alert (`None`: as soon as it exists). Until then
    /// lists, counts and gets behave as if it did not exist.
    pub visible_from: Option<DateTime<Utc>>,
}

impl Alert {
    /// Whether the API shows the alert at `now`.
    pub fn visible_at(&self, now: DateTime<Utc>) -> bool {
        self.visible_from.is_none_or(|v| v <= now)
    }

    pub fn to_json(&self, machine_id: &str, dns: &str, rbac: &str, evidence: bool) -> Value {
        let d = &self.detection;
        let mut v = json!({
            "id": self.id,
            "incidentId": self.incident_id,
            "investigationId": self.investigation_id,
            "assignedTo": self.assigned_to.as_deref(),
            "severity": d.severity,
            "status": self.status,
            "classification": self.classification,
            "determination": self.determination,
            "investigationState": self.investigation_state,
            "detectionSource": d.detection_source,
            "detectorId": d.detector_id,
            "category": d.category,
            "threatFamilyName": d.threat_family,
            "threatName": d.threat_name,
            "title": d.title,
            "description": d.description,
            "alertCreationTime": odata(self.created),
            "firstEventTime": odata(self.first_event),
            "lastEventTime": odata(self.first_event),
            "lastUpdateTime": odata(self.last_update),
            "resolvedTime": self.resolved.map(odata),
            "machineId": machine_id,
            "computerDnsName": dns,
            "rbacGroupName": rbac,
            "aadTenantId": TENANT_ID,
            "mitreTechniques": d.mitre,
            "relatedUser": self.user.as_ref().map(|(u, dom)| json!({"userName": u, "domainName": dom})),
            "loggedOnUsers": [],
            "comments": [],
        });
        if evidence {
            let ev = json!([{
                "entityType": "File",
                "evidenceCreationTime": odata(self.created),
                "sha1": d.sha1,
                "sha256": d.sha256,
                "fileName": d.file_name,
                "filePath": d.file_path,
                "processId": null,
                "processCommandLine": null,
                "processCreationTime": null,
                "parentProcessId": null,
                "parentProcessCreationTime": null,
                "parentProcessFileName": null,
                "parentProcessFilePath": null,
                "ipAddress": null,
                "url": null,
                "registryKey": null,
                "registryHive": null,
                "registryValueType": null,
                "registryValue": null,
                "accountName": null,
                "domainName": null,
                "userSid": null,
                "aadUserId": null,
                "userPrincipalName": null,
                "detectionStatus": "Detected"
            }]);
            if let Some(o) = v.as_object_mut() {
                o.insert("evidence".into(), ev);
            }
        }
        v
    }
}
