//! `POST /_sim/alerts` through the typed `SimControl::post_alerts`: alerts a test
//! chooses, raised at the simulated now, all or nothing, and published late when asked
//! (Defender's ingestion delay): invisible to lists, `$filter`, `$count`, gets and a
//! machine's alerts until the clock passes the delay, then shown with their original
//! creation time.
#![allow(clippy::unwrap_used)]

mod support;

use mde_sim::control_client::NewAlert;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::*;

/// `da<ticks>_<number>`, like the scenarios' alert ids.
fn alert_id_shaped(id: &str) -> bool {
    let Some((ticks, n)) = id.strip_prefix("da").and_then(|r| r.split_once('_')) else {
        return false;
    };
    !ticks.is_empty()
        && ticks.chars().all(|c| c.is_ascii_digit())
        && n.trim_start_matches('-').parse::<i64>().is_ok()
}

fn ids_of(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn posted_alerts_show_at_once_with_defaults_and_defenders_spelling() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let ctl = sim.ctl();
    let m = sim.machine_where(|m| m.online).await;
    let now = sim.state().await.now;
    let ids = ctl
        .post_alerts(&[
            NewAlert::new(&m.id, "high")
                .with_title("Ransomware behavior detected")
                .with_category("Ransomware")
                .with_detection_source("WindowsDefenderAv")
                .with_detector_id("aaaaaaaa-0000-4000-8000-000000000001"),
            NewAlert::new(&m.id, "INFORMATIONAL"),
            NewAlert::new(&m.id, "Informational"),
        ])
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| alert_id_shaped(id)), "{ids:?}");
    let (s, a) = sim.get(&token, &format!("/api/alerts/{}", ids[0])).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["severity"], "High");
    assert_eq!(a["status"], "New");
    assert_eq!(a["title"], "Ransomware behavior detected");
    assert_eq!(a["category"], "Ransomware");
    assert_eq!(a["detectionSource"], "WindowsDefenderAv");
    assert_eq!(a["detectorId"], "aaaaaaaa-0000-4000-8000-000000000001");
    assert_eq!(a["machineId"], m.id.as_str());
    for k in [
        "alertCreationTime",
        "firstEventTime",
        "lastEventTime",
        "lastUpdateTime",
    ] {
        assert_eq!(a[k], now.as_str(), "{k} is the simulated now");
    }
    let (_, b) = sim.get(&token, &format!("/api/alerts/{}", ids[1])).await;
    assert_eq!(b["severity"], "Informational");
    assert_eq!(b["title"], "Suspicious activity detected");
    assert_eq!(b["detectionSource"], "WindowsDefenderAtp");
    assert!(b["category"].as_str().is_some_and(|c| !c.is_empty()));
    let (_, c) = sim.get(&token, &format!("/api/alerts/{}", ids[2])).await;
    assert_eq!(
        c["detectorId"], b["detectorId"],
        "a default detector per title"
    );
    let (s, mine) = sim
        .get(&token, &format!("/api/machines/{}/alerts", m.id))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mine = ids_of(&mine);
    assert!(ids.iter().all(|id| mine.contains(id)), "machine alerts");
    // One object (not an array) is accepted too, by the machine's computer name.
    let r = sim
        .call(
            reqwest::Method::POST,
            "/_sim/alerts",
            None,
            Some(json!({"machineId": m.computer_dns_name, "severity": "medium"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let one = r.json["alerts"][0].as_str().unwrap().to_owned();
    let (_, d) = sim.get(&token, &format!("/api/alerts/{one}")).await;
    assert_eq!(
        (d["severity"].as_str(), d["machineId"].as_str()),
        (Some("Medium"), Some(m.id.as_str()))
    );
}

#[tokio::test]
async fn a_wrong_alert_raises_none() {
    let sim = demo().await;
    let ctl = sim.ctl();
    let m = sim.machine_where(|_| true).await;
    let before = sim.state().await.alert_count;
    let bad_machine = ctl
        .post_alerts(&[
            NewAlert::new(&m.id, "Low"),
            NewAlert::new("0000000000000000000000000000000000000000", "Low"),
        ])
        .await
        .unwrap_err();
    assert_eq!(bad_machine.status(), Some(400), "{bad_machine}");
    let text = bad_machine.to_string();
    assert!(
        text.contains("no machine 0000000000000000000000000000000000000000"),
        "{text}"
    );
    let bad_severity = ctl
        .post_alerts(&[NewAlert::new(&m.id, "Low"), NewAlert::new(&m.id, "Severe")])
        .await
        .unwrap_err();
    assert_eq!(bad_severity.status(), Some(400));
    assert!(
        bad_severity.to_string().contains("Severe"),
        "{bad_severity}"
    );
    // Bodies that are not alerts at all.
    for body in [
        json!({"severity": "Low"}),
        json!({"machineId": m.id, "severity": "Low", "visibleAfterSecs": -5}),
        json!({"machineId": m.id, "severity": "Low", "titel": "typo"}),
        json!([{"machineId": m.id, "severity": "Low"}, 7]),
    ] {
        let r = sim
            .call(reqwest::Method::POST, "/_sim/alerts", None, Some(body))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.json["error"].is_string(), "a JSON error: {}", r.text);
    }
    assert_eq!(sim.state().await.alert_count, before, "nothing was raised");
}

/// What a test looks at while an alert is unpublished, and what it saw before.
struct Look {
    late: String,
    machine: String,
    filter: String,
    machine_count: String,
    listed_before: Value,
    count_before: Value,
}

impl Look {
    /// Asserts that no read shows the late alert yet.
    async fn hidden(&self, sim: &Sim, token: &str) {
        let late = &self.late;
        let (s, e) = sim.get(token, &format!("/api/alerts/{late}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "a get does not find it: {e}");
        assert_eq!(e["error"]["code"], "ResourceNotFound");
        let (_, all) = sim.get(token, "/api/alerts?$count=true").await;
        assert!(!ids_of(&all).contains(late));
        assert_eq!(all["@odata.count"], self.listed_before["@odata.count"]);
        let (s, f) = sim.get(token, &self.filter).await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert!(!ids_of(&f).contains(late), "not in $filter");
        assert_eq!(f["@odata.count"], json!(ids_of(&f).len()));
        let mine = format!("/api/machines/{}/alerts", self.machine);
        let (_, mine) = sim.get(token, &mine).await;
        assert!(!ids_of(&mine).contains(late), "not in the machine's alerts");
        let (_, n) = sim.get(token, &self.machine_count).await;
        assert_eq!(n, self.count_before, "nor in its $count");
        // Paging one at a time never meets it either.
        let (_, page) = sim.get(token, "/api/alerts?$top=1&$skip=0").await;
        assert_ne!(ids_of(&page).first(), Some(late));
    }
}

#[tokio::test]
async fn a_late_alert_is_hidden_until_its_delay_has_passed() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let ctl = sim.ctl();
    let m = sim.machine_where(|m| m.online).await;
    let state = sim.state().await;
    let (created, since) = (state.now, state.now_rfc3339);
    let filter = format!("/api/alerts?$filter=alertCreationTime ge {since}&$count=true");
    let machine_count = format!("/api/machines/{}/alerts/$count", m.id);
    let (_, listed_before) = sim.get(&token, "/api/alerts?$count=true").await;
    let (_, count_before) = sim.get(&token, &machine_count).await;

    let ids = ctl
        .post_alerts(&[NewAlert::new(&m.id, "High")
            .with_title("Late one")
            .visible_after_secs(120)])
        .await
        .unwrap();
    let late = ids[0].clone();
    let look = Look {
        late: ids[0].clone(),
        machine: m.id.clone(),
        filter: filter.clone(),
        machine_count,
        listed_before,
        count_before,
    };
    look.hidden(&sim, &token).await;
    ctl.advance(119.0).await.unwrap();
    look.hidden(&sim, &token).await;

    ctl.advance(1.0).await.unwrap();
    let (s, a) = sim.get(&token, &format!("/api/alerts/{late}")).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        a["alertCreationTime"],
        created.as_str(),
        "its original time"
    );
    assert_eq!(a["title"], "Late one");
    let (_, f) = sim.get(&token, &filter).await;
    assert!(ids_of(&f).contains(&late), "in $filter now");
    let (_, all) = sim.get(&token, "/api/alerts?$count=true").await;
    assert!(ids_of(&all).contains(&late));
    let (_, mine) = sim
        .get(&token, &format!("/api/machines/{}/alerts", m.id))
        .await;
    assert!(ids_of(&mine).contains(&late), "in the machine's alerts now");
}
