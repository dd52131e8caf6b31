#![allow(clippy::unwrap_used)]
use super::*;
use proptest::prelude::*;

/// Shaped like the get-machines example and the May 2023 capture (T6): a
/// numeric `rbacGroupId`, `onboardingStatus`, extra fields, nulls.
const MACHINE: &str = r#"{
    "@odata.context": "https://api.securitycenter.microsoft.com/api/$metadata#Machines/$entity",
    "id": "1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
    "mergedIntoMachineId": null,
    "isPotentialDuplication": false,
    "isExcluded": false,
    "exclusionReason": null,
    "computerDnsName": "mymachine1.contoso.com",
    "firstSeen": "2018-08-02T14:55:03.7791856Z",
    "lastSeen": "2024-08-02T14:55:03.7791856Z",
    "osPlatform": "Windows10",
    "osVersion": null,
    "osProcessor": "x64",
    "version": "1709",
    "lastIpAddress": "172.17.230.209",
    "lastExternalIpAddress": "167.220.196.71",
    "agentVersion": "10.5830.18209.1001",
    "osBuild": 18209,
    "healthStatus": "Active",
    "deviceValue": "Normal",
    "rbacGroupId": 140,
    "rbacGroupName": "The-A-Team",
    "riskScore": "Low",
    "exposureLevel": "Medium",
    "isAadJoined": true,
    "aadDeviceId": "80fe8ff8-2624-418e-9591-41f0491218f9",
    "machineTags": [ "test tag 1", "test tag 2" ],
    "onboardingStatus": "Onboarded",
    "defenderAvStatus": "Updated",
    "managedBy": "Intune",
    "managedByStatus": "Success",
    "ipAddresses": [
        {"ipAddress": "172.17.230.209", "macAddress": "00155D9A8D2C", "type": "Ethernet", "operationalStatus": "Up"},
        {"ipAddress": "127.0.0.1", "macAddress": null, "type": "SoftwareLoopback", "operationalStatus": "Up"},
        "not an object"
    ],
    "vmMetadata": {"vmId": "x", "cloudProvider": "Azure"}
}"#;

#[test]
fn machine_from_microsoft_shape() {
    let m: Machine = serde_json::from_str(MACHINE).unwrap();
    assert_eq!(m.id, "1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
    assert_eq!(m.rbac_group_id.as_deref(), Some("140"));
    assert_eq!(m.health_status, HealthStatus::Active);
    assert_eq!(m.onboarding_status, Some(OnboardingStatus::Onboarded));
    assert_eq!(m.risk_score, Some(RiskScore::Low));
    assert_eq!(m.exposure_level, Some(ExposureLevel::Medium));
    assert_eq!(m.device_value, Some(DeviceValue::Normal));
    assert_eq!(m.os_build, Some(18209));
    assert_eq!(m.is_aad_joined, Some(true));
    assert_eq!(m.machine_tags, ["test tag 1", "test tag 2"]);
    assert_eq!(m.ip_addresses.len(), 2);
    assert_eq!(m.ip_addresses[1].mac_address, None);
    assert_eq!(m.ip_addresses[0].kind.as_deref(), Some("Ethernet"));
    assert_eq!(m.os_version, None);
    assert!(m.last_seen > m.first_seen);

    // Our own serialisation reads back identically.
    let again: Machine = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
    assert_eq!(again, m);
}

#[test]
fn machine_minimal_and_odd() {
    let m: Machine = serde_json::from_str(
        r#"{"id":"abc","healthStatus":null,"rbacGroupId":"7","onboardingstatus":"onboarded",
            "riskScore":"Critical","osBuild":"n/a","machineTags":null,"lastSeen":"garbage"}"#,
    )
    .unwrap();
    assert_eq!(m.health_status, HealthStatus::Unknown);
    assert_eq!(m.rbac_group_id.as_deref(), Some("7"));
    assert_eq!(m.onboarding_status, Some(OnboardingStatus::Onboarded));
    assert_eq!(m.risk_score, Some(RiskScore::Other("Critical".into())));
    assert_eq!(m.os_build, None);
    assert!(m.machine_tags.is_empty());
    assert_eq!(m.last_seen, None);

    assert!(serde_json::from_str::<Machine>(r#"{"computerDnsName":"x"}"#).is_err());
    assert!(serde_json::from_str::<Machine>("[]").is_err());
}

/// The list example of get-machineactions-collection (D4): `lastUpdateTimeUtc`,
/// `externalID`, `relatedFileInfo`, and an unknown type.
const ACTIONS_PAGE: &str = r#"{
    "@odata.context": "https://api-us3.securitycenter.microsoft.com/api/$metadata#MachineActions",
    "value": [
        {
            "id": "69dc3630-1ea4-4a4a-a5bc-2ee6ce49ed45",
            "type": "RunAntiVirusScan",
            "scope": "Full",
            "requestor": "Analyst@TestPrd.onmicrosoft.com",
            "requestorComment": "Check machine for viruses due to alert 3212",
            "status": "Succeeded",
            "machineId": "1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
            "computerDnsName": "desktop-test",
            "creationDateTimeUtc": "2019-01-02T14:39:38.2262283Z",
            "lastUpdateTimeUtc": "2019-01-02T14:40:44.6596267Z",
            "externalID": "abc",
            "relatedFileInfo": null
        },
        {
            "id": "947a677a-a11a-4240-ab6q-91277e2386b9",
            "type": "ContainDevice",
            "scope": null,
            "requestor": "Customer App",
            "requestSource": "PublicApi",
            "requestorComment": "x",
            "status": "Archived",
            "machineId": "1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
            "creationDateTimeUtc": "2019-01-02T14:39:31.8371226Z",
            "lastUpdateDateTimeUtc": "2019-01-02T14:41:02.1111111Z",
            "externalId": "def",
            "errorHResult": 0,
            "troubleshootInfo": null,
            "commands": [],
            "title": null
        }
    ]
}"#;

#[test]
fn machine_actions_page_with_quirks() {
    let page: Page<MachineAction> = serde_json::from_str(ACTIONS_PAGE).unwrap();
    assert_eq!(page.value.len(), 2);
    assert_eq!(page.next_link, None);
    let a = &page.value[0];
    assert_eq!(a.action_type, ActionType::RunAntiVirusScan);
    assert_eq!(a.status, ActionStatus::Succeeded);
    assert_eq!(a.scope.as_deref(), Some("Full"));
    assert_eq!(a.external_id.as_deref(), Some("abc"));
    assert_eq!(
        a.last_update_date_time_utc.unwrap().to_rfc3339(),
        "2019-01-02T14:40:44.659626700+00:00"
    );
    let b = &page.value[1];
    assert_eq!(b.action_type, ActionType::Other("ContainDevice".into()));
    assert_eq!(b.status, ActionStatus::Other("Archived".into()));
    assert_eq!(b.external_id.as_deref(), Some("def"));
    assert_eq!(b.error_h_result, Some(0));
    assert_eq!(b.request_source.as_deref(), Some("PublicApi"));
    assert!(b.last_update_date_time_utc.is_some());

    let again: MachineAction = serde_json::from_value(serde_json::to_value(a).unwrap()).unwrap();
    assert_eq!(&again, a);
}

#[test]
fn isolate_response_2017_shape() {
    let a: MachineAction = serde_json::from_str(
        r#"{"@odata.context":"https://api.securitycenter.windows.com/api/$metadata#MachineActions/$entity",
            "id":"b89eb834-4578-496c-8be0-03f004061435","type":"Isolate","scope":"Selective",
            "requestor":"Analyst@contoso.com","requestorComment":"Isolate machine due to alert 1234",
            "status":"Pending","error":"None","machineId":"1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
            "creationDateTimeUtc":"2017-12-04T12:12:18.9725659Z",
            "lastUpdateTimeUtc":"2017-12-04T12:12:18.9725659Z","relatedFileInfo":null}"#,
    )
    .unwrap();
    assert_eq!(a.action_type, ActionType::Isolate);
    assert_eq!(a.status, ActionStatus::Pending);
    assert_eq!(a.last_update_date_time_utc, Some(a.creation_date_time_utc));
    // A required field missing is an error, not a default.
    assert!(
        serde_json::from_str::<MachineAction>(r#"{"id":"x","type":"Isolate","status":"Pending"}"#)
            .is_err()
    );
}

#[test]
fn alert_shape() {
    let a: Alert = serde_json::from_str(
        r#"{"id":"da637472900382838869_1364969609","incidentId":1126093,"investigationId":null,
            "assignedTo":null,"severity":"Low","status":"New","classification":null,
            "determination":null,"investigationState":"Queued","detectionSource":"WindowsDefenderAtp",
            "detectorId":"17e10bbc-3a68-474a-8aad-faef14d43952","category":"Execution",
            "threatFamilyName":null,"title":"Low-reputation arbitrary code executed by signed executable",
            "description":"Binaries signed by Microsoft…","alertCreationTime":"2021-01-26T20:33:57.7220239Z",
            "firstEventTime":"2021-01-26T20:31:32.9562661Z","lastEventTime":"2021-01-26T20:31:33.0577322Z",
            "lastUpdateTime":"2021-01-26T20:33:59.2Z","resolvedTime":null,
            "machineId":"111e6dd8c833c8a052ea231ec1b19adaf497b625","computerDnsName":"temp123.middleeast.corp.microsoft.com",
            "rbacGroupName":"A","aadTenantId":"a839b112-1253-6432-9bf6-94542403f21c","threatName":null,
            "mitreTechniques":["T1064","T1085","T1220"],"relatedUser":{"userName":"temp123","domainName":"DOMAIN"},
            "comments":[],"evidence":[{"entityType":"User","userSid":"S-1-5-21"}]}"#,
    )
    .unwrap();
    assert_eq!(a.severity, Some(AlertSeverity::Low));
    assert_eq!(a.status, Some(AlertStatus::New));
    assert_eq!(a.incident_id, Some(1_126_093));
    assert_eq!(a.mitre_techniques.len(), 3);
    assert_eq!(a.evidence.len(), 1);
}

#[test]
fn next_link_is_read() {
    let page: Page<Machine> = serde_json::from_str(
        r#"{"value":[],"@odata.nextLink":"https://api.securitycenter.microsoft.com/api/machines?$skip=10000"}"#,
    )
    .unwrap();
    assert!(page.next_link.unwrap().ends_with("$skip=10000"));
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let names = prop_oneof![
        Just("id".to_owned()),
        Just("type".to_owned()),
        Just("status".to_owned()),
        Just("creationDateTimeUtc".to_owned()),
        Just("lastUpdateTimeUtc".to_owned()),
        Just("externalID".to_owned()),
        Just("rbacGroupId".to_owned()),
        Just("ipAddresses".to_owned()),
        Just("machineTags".to_owned()),
        Just("evidence".to_owned()),
        Just("value".to_owned()),
        Just("@odata.nextLink".to_owned()),
        "[a-zA-Z]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(Value::String("2024-01-01T00:00:00Z".into())),
        Just(Value::String("Isolate".into())),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(names.clone(), inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any JSON document decodes to a value or an error, never a panic.
    #[test]
    fn decoding_never_panics(v in arb_json()) {
        let text = v.to_string();
        let _ = serde_json::from_str::<Machine>(&text);
        let _ = serde_json::from_str::<MachineAction>(&text);
        let _ = serde_json::from_str::<Alert>(&text);
        let _ = serde_json::from_str::<Page<Machine>>(&text);
        let _ = serde_json::from_str::<Page<MachineAction>>(&text);
        let _ = serde_json::from_str::<Page<Alert>>(&text);
        let _ = serde_json::from_str::<crate::transport::ErrorEnvelope>(&text);
    }
}
