//! The documented wire shapes, written by hand from `defender-api.md` (§1.1, §4, §5.2):
//! for each entity the keys a response carries and the JSON type of each value. They
//! are deliberately not derived from the simulator's code nor from the client's structs,
//! so that a field-name mistake on either side cannot be mirrored here.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

/// The JSON type of a value.
#[derive(Debug, Clone, Copy)]
pub enum T {
    Str,
    /// A GUID string.
    Guid,
    /// A 40-character hex machine id (§5.4).
    Hex40,
    /// An ISO 8601 UTC timestamp (DateTimeOffset).
    Date,
    Num,
    Bool,
    Arr,
    Obj,
    /// One of the documented values.
    Enum(&'static [&'static str]),
    /// Anything (undocumented content, e.g. `troubleshootInfo`).
    Any,
}

/// A documented key: name, type, and whether `null` is allowed.
pub type Field = (&'static str, T, bool);

const HEALTH: &[&str] = &[
    "Active",
    "Inactive",
    "ImpairedCommunication",
    "NoSensorData",
    "NoSensorDataImpairedCommunication",
    "Unknown",
];

/// Machine (§4.2, D7, D8; extra real-tenant fields from T6).
pub const MACHINE: &[Field] = &[
    ("id", T::Hex40, false),
    ("computerDnsName", T::Str, false),
    ("firstSeen", T::Date, false),
    ("lastSeen", T::Date, false),
    ("osPlatform", T::Str, false),
    ("version", T::Str, true),
    ("osBuild", T::Num, true),
    ("osProcessor", T::Str, true),
    ("osArchitecture", T::Enum(&["32-bit", "64-bit"]), true),
    (
        "onboardingStatus",
        T::Enum(&[
            "onboarded",
            "Onboarded",
            "CanBeOnboarded",
            "Unsupported",
            "InsufficientInfo",
        ]),
        false,
    ),
    ("lastIpAddress", T::Str, true),
    ("lastExternalIpAddress", T::Str, true),
    ("healthStatus", T::Enum(HEALTH), false),
    ("rbacGroupName", T::Str, true),
    // A number in the JSON examples and real captures (the default quirk).
    ("rbacGroupId", T::Num, false),
    (
        "riskScore",
        T::Enum(&["None", "Informational", "Low", "Medium", "High"]),
        true,
    ),
    (
        "exposureLevel",
        T::Enum(&["None", "Low", "Medium", "High"]),
        true,
    ),
    ("deviceValue", T::Enum(&["Normal", "Low", "High"]), true),
    ("aadDeviceId", T::Guid, true),
    ("isAadJoined", T::Bool, false),
    ("machineTags", T::Arr, false),
    ("ipAddresses", T::Arr, false),
    // Seen in real responses (T6).
    ("mergedIntoMachineId", T::Hex40, true),
    ("isPotentialDuplication", T::Bool, false),
    ("isExcluded", T::Bool, false),
    ("exclusionReason", T::Str, true),
    ("osVersion", T::Str, true),
    ("agentVersion", T::Str, true),
    ("defenderAvStatus", T::Str, true),
    ("managedBy", T::Str, true),
    ("managedByStatus", T::Str, true),
    ("vmMetadata", T::Obj, true),
];

/// An entry of `ipAddresses` (D7, D21, T6).
pub const IP_ADDRESS: &[Field] = &[
    ("ipAddress", T::Str, false),
    ("macAddress", T::Str, true),
    ("operationalStatus", T::Str, false),
    ("type", T::Str, false),
];

/// MachineAction (§4.1, D3). `lastUpdateDateTimeUtc` is checked separately because the
/// list quirk renames it.
pub const ACTION: &[Field] = &[
    ("id", T::Guid, false),
    (
        "type",
        T::Enum(&[
            "RunAntiVirusScan",
            "Offboard",
            "LiveResponse",
            "CollectInvestigationPackage",
            "Isolate",
            "Unisolate",
            "StopAndQuarantineFile",
            "RestrictCodeExecution",
            "UnrestrictCodeExecution",
        ]),
        false,
    ),
    ("scope", T::Str, true),
    ("requestor", T::Str, false),
    ("requestorComment", T::Str, false),
    ("requestSource", T::Str, false),
    (
        "status",
        T::Enum(&[
            "Pending",
            "InProgress",
            "Succeeded",
            "Failed",
            "TimeOut",
            "Cancelled",
        ]),
        false,
    ),
    ("machineId", T::Hex40, false),
    ("computerDnsName", T::Str, false),
    ("creationDateTimeUtc", T::Date, false),
    ("cancellationRequestor", T::Str, true),
    ("cancellationComment", T::Str, true),
    ("cancellationDateTimeUtc", T::Date, true),
    ("title", T::Str, true),
    ("relatedFileInfo", T::Obj, true),
    ("commands", T::Arr, false),
    ("errorHResult", T::Num, false),
    ("troubleshootInfo", T::Any, true),
];

/// Alert (§4.3, D12).
pub const ALERT: &[Field] = &[
    ("id", T::Str, false),
    ("incidentId", T::Num, true),
    ("investigationId", T::Num, true),
    ("assignedTo", T::Str, true),
    (
        "severity",
        T::Enum(&["UnSpecified", "Informational", "Low", "Medium", "High"]),
        false,
    ),
    (
        "status",
        T::Enum(&["Unknown", "New", "InProgress", "Resolved"]),
        false,
    ),
    ("classification", T::Str, true),
    (
        "determination",
        T::Enum(&[
            "MultiStagedAttack",
            "MaliciousUserActivity",
            "CompromisedUser",
            "Malware",
            "Phishing",
            "UnwantedSoftware",
            "Other",
            "SecurityTesting",
            "LineOfBusinessApplication",
            "ConfirmedUserActivity",
            "Clean",
            "InsufficientData",
        ]),
        true,
    ),
    (
        "investigationState",
        T::Enum(&[
            "Unknown",
            "Terminated",
            "SuccessfullyRemediated",
            "Benign",
            "Failed",
            "PartiallyRemediated",
            "Running",
            "PendingApproval",
            "PendingResource",
            "PartiallyInvestigated",
            "TerminatedByUser",
            "TerminatedBySystem",
            "Queued",
            "InnerFailure",
            "PreexistingAlert",
            "UnsupportedOs",
            "UnsupportedAlertType",
            "SuppressedAlert",
        ]),
        false,
    ),
    ("detectionSource", T::Str, false),
    ("detectorId", T::Str, true),
    ("category", T::Str, false),
    ("threatFamilyName", T::Str, true),
    ("threatName", T::Str, true),
    ("title", T::Str, false),
    ("description", T::Str, true),
    ("alertCreationTime", T::Date, true),
    ("firstEventTime", T::Date, true),
    ("lastEventTime", T::Date, true),
    ("lastUpdateTime", T::Date, true),
    ("resolvedTime", T::Date, true),
    ("machineId", T::Hex40, false),
    ("computerDnsName", T::Str, true),
    ("rbacGroupName", T::Str, true),
    ("aadTenantId", T::Guid, false),
    ("mitreTechniques", T::Arr, false),
    ("relatedUser", T::Obj, true),
    ("comments", T::Arr, false),
];

/// An `evidence[]` entry (`$expand=evidence`, D12, D13).
pub const EVIDENCE: &[Field] = &[
    ("entityType", T::Str, false),
    ("evidenceCreationTime", T::Date, true),
    ("sha1", T::Str, true),
    ("sha256", T::Str, true),
    ("fileName", T::Str, true),
    ("filePath", T::Str, true),
    ("processId", T::Num, true),
    ("processCommandLine", T::Str, true),
    ("processCreationTime", T::Date, true),
    ("parentProcessId", T::Num, true),
    ("parentProcessCreationTime", T::Date, true),
    ("parentProcessFileName", T::Str, true),
    ("parentProcessFilePath", T::Str, true),
    ("ipAddress", T::Str, true),
    ("url", T::Str, true),
    ("registryKey", T::Str, true),
    ("registryHive", T::Str, true),
    ("registryValueType", T::Str, true),
    ("registryValue", T::Str, true),
    ("accountName", T::Str, true),
    ("domainName", T::Str, true),
    ("userSid", T::Str, true),
    ("aadUserId", T::Guid, true),
    ("userPrincipalName", T::Str, true),
    ("detectionStatus", T::Str, true),
];

/// The v2.0 token response (§1.1, D16).
pub const TOKEN: &[Field] = &[
    ("token_type", T::Enum(&["Bearer"]), false),
    ("expires_in", T::Num, false),
    ("ext_expires_in", T::Num, false),
    ("access_token", T::Str, false),
];

/// Entra's error (§1.1, E1).
pub const ENTRA_ERROR: &[Field] = &[
    ("error", T::Str, false),
    ("error_description", T::Str, false),
    ("error_codes", T::Arr, false),
    ("timestamp", T::Str, false),
    ("trace_id", T::Guid, false),
    ("correlation_id", T::Guid, false),
];

fn type_ok(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Guid => v.as_str().is_some_and(|s| uuid::Uuid::try_parse(s).is_ok()),
        T::Hex40 => v
            .as_str()
            .is_some_and(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())),
        T::Date => v
            .as_str()
            .is_some_and(|s| s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        T::Num => v.is_number(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
        T::Enum(values) => v.as_str().is_some_and(|s| values.contains(&s)),
        T::Any => true,
    }
}

/// Asserts that `v` is an object carrying every documented key with a value of the
/// documented type (`what` names the entity in failure messages).
pub fn check(what: &str, v: &Value, fields: &[Field]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for &(name, t, nullable) in fields {
        let got = obj
            .get(name)
            .unwrap_or_else(|| panic!("{what} lacks key {name:?}: {v}"));
        if got.is_null() {
            assert!(nullable, "{what}.{name} is null but documented non-null");
        } else {
            assert!(type_ok(got, t), "{what}.{name} = {got} is not {t:?}");
        }
    }
}

pub fn machine(v: &Value) {
    check("Machine", v, MACHINE);
    for ip in v["ipAddresses"].as_array().unwrap() {
        check("ipAddresses[]", ip, IP_ADDRESS);
    }
    assert!(
        v["machineTags"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string),
        "machineTags are strings"
    );
    // §5.5: the entity has no isolation-state property.
    assert!(
        v.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.to_ascii_lowercase().contains("isolat")),
        "no isolation flag on Machine: {v}"
    );
}

/// A MachineAction; `list_quirk` expects `lastUpdateTimeUtc` instead of
/// `lastUpdateDateTimeUtc`.
pub fn action(v: &Value, list_quirk: bool) {
    check("MachineAction", v, ACTION);
    let (want, not) = if list_quirk {
        ("lastUpdateTimeUtc", "lastUpdateDateTimeUtc")
    } else {
        ("lastUpdateDateTimeUtc", "lastUpdateTimeUtc")
    };
    assert!(type_ok(&v[want], T::Date), "MachineAction.{want}: {v}");
    assert!(v.get(not).is_none(), "MachineAction has {not}: {v}");
    let ext = v.get("externalId").or_else(|| v.get("externalID"));
    assert!(
        ext.is_some_and(|e| e.is_null() || e.is_string()),
        "externalId/externalID: {v}"
    );
}

pub fn alert(v: &Value, evidence: bool) {
    check("Alert", v, ALERT);
    match v.get("evidence") {
        Some(ev) if evidence => {
            for e in ev.as_array().expect("evidence is an array") {
                check("evidence[]", e, EVIDENCE);
            }
        }
        Some(_) => panic!("evidence without $expand: {v}"),
        None => assert!(!evidence, "$expand=evidence gave no evidence: {v}"),
    }
}

/// The Defender error envelope `{"error":{"code","message","target"}}` (§5.2); returns
/// the code.
pub fn api_error(v: &Value) -> String {
    let top = v.as_object().expect("error body is an object");
    assert_eq!(top.len(), 1, "only `error` at the top: {v}");
    let e = v["error"].as_object().expect("error is an object");
    let mut keys: Vec<&str> = e.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "target"], "{v}");
    assert!(e["message"].is_string());
    assert!(e["target"].as_str().is_some_and(|t| !t.is_empty()));
    e["code"].as_str().expect("code is a string").to_string()
}

/// A collection envelope: `@odata.context` naming the set, `value` an array; returns it.
pub fn collection<'a>(v: &'a Value, set: &str) -> &'a Vec<Value> {
    let ctx = v["@odata.context"]
        .as_str()
        .unwrap_or_else(|| panic!("no @odata.context: {v}"));
    assert!(ctx.ends_with(&format!("$metadata#{set}")), "{ctx}");
    if let Some(n) = v.get("@odata.nextLink") {
        assert!(n.is_string());
    }
    if let Some(c) = v.get("@odata.count") {
        assert!(c.is_u64());
    }
    v["value"].as_array().expect("value is an array")
}

/// An entity answer: `@odata.context` ends with `#<Set>/$entity`.
pub fn entity_context(v: &Value, set: &str) {
    let ctx = v["@odata.context"].as_str().expect("@odata.context");
    assert!(ctx.ends_with(&format!("$metadata#{set}/$entity")), "{ctx}");
}
