//! `listVisibilityDelaySecs`: Defender does not promise that a new action is listed at
//! once, and Cordon's lookup of an unknown outcome must not take "not listed yet" for
//! "not there". The simulator's setting for it, driven through the typed `SimControl`.
#![allow(clippy::unwrap_used)]

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::*;

/// `listVisibilityDelaySecs`: a new action (answered or cut) is missing from filtered
/// `GET /api/machineactions` lists until that many simulated seconds after its creation,
/// while a get by id finds it at once; 0 lists new actions at once again.
#[tokio::test]
async fn new_actions_are_listed_only_after_the_visibility_delay() {
    let sim = demo().await;
    let token = sim.analyst().await;
    let ctl = sim.ctl();
    let settings = ctl.set_list_visibility_delay(30).await.expect("config");
    assert_eq!(settings.list_visibility_delay_secs, 30);
    assert_eq!(ctl.settings().await.unwrap().list_visibility_delay_secs, 30);
    let online = sim.state().await;
    let mut free = online.machines.iter().filter(|m| m.online && !m.isolated);
    let (answered, cut) = (
        free.next().unwrap().id.clone(),
        free.next().unwrap().id.clone(),
    );
    let (s, a) = sim
        .post(
            &token,
            &format!("/api/machines/{answered}/isolate"),
            json!({"Comment": "late listing", "IsolationType": "Full"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "the POST still answers: {a}");
    ctl.add_fault(Fault::new("/isolate", FaultKind::accept_then_drop()).method("POST"))
        .await
        .expect("fault");
    let r = sim
        .http
        .post(sim.url(&format!("/api/machines/{cut}/isolate")))
        .bearer_auth(&token)
        .json(&json!({"Comment": "late listing", "IsolationType": "Full"}))
        .send()
        .await;
    assert!(r.is_err(), "the second answer is cut");
    let cut_id = sim.ledger().await.last().unwrap()["id"].clone();
    let listed = |machine: String| {
        let (sim, token) = (&sim, &token);
        async move {
            let q = format!(
                "/api/machineactions?$filter=machineId eq '{machine}' and type eq 'Isolate'"
            );
            let (s, v) = sim.get(token, &q).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    // (A demo machine may have older isolations: only the new ids matter.)
    let a_id = a["id"].clone();
    assert!(
        !listed(answered.clone()).await.contains(&a_id),
        "not listed yet"
    );
    assert!(
        !listed(cut.clone()).await.contains(&cut_id),
        "not listed yet"
    );
    let (s, _) = sim
        .get(
            &token,
            &format!("/api/machineactions/{}", a["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a get by id finds it at once");
    sim.advance(29.0).await;
    assert!(
        !listed(answered.clone()).await.contains(&a_id),
        "29 s: not yet"
    );
    sim.advance(1.0).await;
    assert!(
        listed(answered.clone()).await.contains(&a_id),
        "listed at 30 s"
    );
    assert!(
        listed(cut.clone()).await.contains(&cut_id),
        "the cut one too"
    );
    // Back to 0: the next action is listed at once.
    assert_eq!(
        ctl.set_list_visibility_delay(0)
            .await
            .unwrap()
            .list_visibility_delay_secs,
        0
    );
    let third = free.next().unwrap().id.clone();
    let (s, b) = sim
        .post(
            &token,
            &format!("/api/machines/{third}/isolate"),
            json!({"Comment": "listed at once", "IsolationType": "Full"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(listed(third).await.contains(&b["id"]), "listed at once");
}
