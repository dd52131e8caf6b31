//! Two people in the demo tenant: the analyst (the default) and the lead. Each one's
//! tokens speak for them (`upn`, `unique_name`, `name`, `oid`, also in the `id_token`),
//! whether they signed in through the control API (`SimControl::sign_in_person`), the
//! authorize endpoint or the device code with a `login_hint`; an unknown person is
//! Entra's AADSTS50034. App-only tokens say so (`idtyp: app`).
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mde_sim::Scenario;
use mde_sim::identities::*;
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

fn claims(token: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

async fn token_form(sim: &Sim, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = sim
        .http
        .post(sim.handle.token_url())
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn refresh(sim: &Sim, refresh_token: &str) -> (StatusCode, Value) {
    token_form(
        sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// The authorize endpoint's redirect for a sign-in with this `login_hint`.
async fn authorize(sim: &Sim, hint: Option<&str>) -> reqwest::Response {
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let scope = format!("{API_SCOPE} offline_access openid");
    let mut q = vec![
        ("client_id", PUBLIC_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", "http://127.0.0.1:53682/cb"),
        ("scope", scope.as_str()),
    ];
    if let Some(h) = hint {
        q.push(("login_hint", h));
    }
    let q = mde_sim::urlenc::build(&q);
    no_redirect
        .get(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/authorize?{q}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn two_people_sign_in_as_themselves() {
    let sim = start(config(Scenario::Demo)).await;
    let ctl = sim.ctl();
    let analyst = ctl.sign_in_person(DEMO_USER).await.unwrap();
    let lead = ctl.sign_in_person("Lead@Contoso.Example").await.unwrap();
    assert_eq!(
        (analyst.upn.as_str(), lead.upn.as_str()),
        (DEMO_USER, DEMO_LEAD)
    );
    assert_ne!(analyst.oid, lead.oid);
    assert_ne!(analyst.refresh_token, lead.refresh_token);
    assert_eq!(
        ctl.sign_in_person(DEMO_LEAD).await.unwrap().oid,
        lead.oid,
        "an oid is stable per person"
    );
    let state = sim.state().await;
    let mut free = state.machines.iter().filter(|m| m.online && !m.isolated);
    for (who, name, signed) in [
        (DEMO_USER, DEMO_USER_NAME, &analyst),
        (DEMO_LEAD, DEMO_LEAD_NAME, &lead),
    ] {
        let (s, tok) = refresh(&sim, &signed.refresh_token).await;
        assert_eq!(s, StatusCode::OK, "{tok}");
        let c = claims(tok["access_token"].as_str().unwrap());
        assert_eq!(c["upn"], who);
        assert_eq!(c["unique_name"], who);
        assert_eq!(c["name"], name);
        assert_eq!(c["oid"], signed.oid.as_str());
        assert!(c.get("idtyp").is_none(), "a user token: {c}");
        assert!(c["scp"].as_str().unwrap().contains("Machine.Isolate"));
        // The rotated refresh token works as well, and the person acts as themselves.
        let (s, again) = refresh(&sim, tok["refresh_token"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        let access = again["access_token"].as_str().unwrap();
        assert_eq!(claims(access)["upn"], who);
        // A machine of their own (a second isolate of one machine answers the first).
        let m = free.next().unwrap();
        let (s, a) = sim
            .post(
                access,
                &format!("/api/machines/{}/isolate", m.id),
                serde_json::json!({"Comment": "two people"}),
            )
            .await;
        assert_eq!(
            (s, a["requestor"].as_str()),
            (StatusCode::CREATED, Some(who))
        );
    }
    let err = ctl
        .sign_in_person("nobody@contoso.example")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn login_hint_on_authorize_picks_the_person() {
    let sim = start(config(Scenario::Empty)).await;
    for (hint, who, name) in [
        (None, DEMO_USER, DEMO_USER_NAME),
        (Some(DEMO_LEAD), DEMO_LEAD, DEMO_LEAD_NAME),
        (Some("LEAD@contoso.example"), DEMO_LEAD, DEMO_LEAD_NAME),
        (Some(DEMO_USER), DEMO_USER, DEMO_USER_NAME),
    ] {
        let r = authorize(&sim, hint).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let q = location.split_once('?').unwrap().1;
        let code = mde_sim::urlenc::parse(q)
            .into_iter()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1;
        let (s, tok) = token_form(
            &sim,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", PUBLIC_CLIENT_ID),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:53682/cb"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{tok}");
        let c = claims(tok["access_token"].as_str().unwrap());
        assert_eq!(
            (c["upn"].as_str(), c["name"].as_str()),
            (Some(who), Some(name))
        );
        let id = claims(tok["id_token"].as_str().unwrap());
        assert_eq!(id["preferred_username"], who);
        assert_eq!(id["name"], name);
        assert_eq!(id["oid"], c["oid"]);
    }
    let r = authorize(&sim, Some("nobody@contoso.example")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error_codes"][0], 50034, "{e}");
    let d = e["error_description"].as_str().unwrap();
    assert!(
        d.starts_with("AADSTS50034: The user account nobody@contoso.example does not exist"),
        "{d}"
    );
}

#[tokio::test]
async fn login_hint_on_the_device_code_picks_the_person() {
    let sim = start(config(Scenario::Empty)).await;
    let r = sim
        .http
        .post(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/devicecode")))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("scope", API_SCOPE),
            ("login_hint", DEMO_LEAD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let dc: Value = r.json().await.unwrap();
    let page = sim
        .http
        .get(format!(
            "{}?code={}",
            dc["verification_uri"].as_str().unwrap(),
            dc["user_code"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains(DEMO_LEAD));
    let (s, tok) = token_form(
        &sim,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", PUBLIC_CLIENT_ID),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    let c = claims(tok["access_token"].as_str().unwrap());
    assert_eq!(c["upn"], DEMO_LEAD);
    assert_eq!(c["name"], DEMO_LEAD_NAME);

    let r = sim
        .http
        .post(sim.url(&format!("/{TENANT_ID}/oauth2/v2.0/devicecode")))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("scope", API_SCOPE),
            ("login_hint", "nobody@contoso.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error_codes"][0], 50034, "{e}");
}

#[tokio::test]
async fn app_only_tokens_say_so() {
    let sim = start(config(Scenario::Empty)).await;
    let c = claims(&sim.analyst().await);
    assert_eq!(c["idtyp"], "app");
    assert!(c.get("scp").is_none() && c["roles"].is_array());
}
