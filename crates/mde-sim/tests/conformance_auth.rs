//! Conformance of authentication and limits (§1, §1.4, §5.1, §5.2): the token responses
//! and Entra errors, the claims, 401 vs 403 per endpoint (missing permission, wrong
//! audience), the stricter read rule of the newest pages, 429 with `Retry-After`, and the
//! injected 5xx envelopes.
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mde_sim::identities::*;
use mde_sim::{Scenario, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::shapes;
use support::*;

fn claims(token: &str) -> Value {
    let body = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap()
}

async fn form(sim: &Sim, path: &str, pairs: &[(&str, &str)]) -> Reply {
    let r = sim
        .http
        .post(sim.url(path))
        .form(pairs)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    let text = r.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    let reply = Reply {
        status,
        headers,
        text,
        json,
    };
    reply.assert_common_headers();
    reply
}

#[tokio::test]
async fn token_responses_claims_and_entra_errors() {
    let sim = demo().await;
    let v2 = format!("/{TENANT_ID}/oauth2/v2.0/token");
    let cc = |id: &'static str, secret: &'static str, scope: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    let r = form(&sim, &v2, &cc(ANALYST_CLIENT_ID, ANALYST_SECRET, API_SCOPE)).await;
    assert_eq!(r.status, StatusCode::OK);
    shapes::check("token response", &r.json, shapes::TOKEN);
    assert_eq!(r.json["expires_in"], 3599);
    let c = claims(r.json["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], API_RESOURCE);
    assert_eq!(c["tid"], TENANT_ID);
    assert_eq!(c["iss"], format!("https://sts.windows.net/{TENANT_ID}/"));
    assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());
    let roles: Vec<&str> = c["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(roles, ANALYST_ROLES);

    // v1 (resource=) as the older samples use it (D19).
    let r = form(
        &sim,
        &format!("/{TENANT_ID}/oauth2/token"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", READER_CLIENT_ID),
            ("client_secret", READER_SECRET),
            ("resource", API_RESOURCE),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        claims(r.json["access_token"].as_str().unwrap())["aud"],
        API_RESOURCE
    );

    for (path, pairs, status, error) in [
        (
            v2.clone(),
            cc(ANALYST_CLIENT_ID, "wrong", API_SCOPE).to_vec(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            "/99999999-9999-9999-9999-999999999999/oauth2/v2.0/token".into(),
            cc(ANALYST_CLIENT_ID, ANALYST_SECRET, API_SCOPE).to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            v2.clone(),
            cc(
                ANALYST_CLIENT_ID,
                ANALYST_SECRET,
                "https://api.securitycenter.microsoft.com/Machine.Read",
            )
            .to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_scope",
        ),
        (
            v2.clone(),
            cc("77777777-7777-7777-7777-777777777777", "x", API_SCOPE).to_vec(),
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            v2.clone(),
            vec![("grant_type", "password"), ("client_id", PUBLIC_CLIENT_ID)],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
    ] {
        let r = form(&sim, &path, &pairs).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (status, Some(error)),
            "{pairs:?}: {}",
            r.text
        );
        shapes::check("Entra error", &r.json, shapes::ENTRA_ERROR);
        let code = r.json["error_codes"][0].as_u64().unwrap();
        assert!(
            r.json["error_description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("AADSTS{code}:"))
        );
    }
}

/// One API endpoint: method, path, body, and whether the read-only app may call it.
struct Ep(Method, String, Option<Value>, bool);

async fn endpoints(sim: &Sim, token: &str) -> Vec<Ep> {
    let (_, v) = sim.get(token, "/api/machines?$top=1").await;
    let m = v["value"][0]["id"].as_str().unwrap().to_string();
    let (_, v) = sim.get(token, "/api/machineactions?$top=1").await;
    let a = v["value"][0]["id"].as_str().unwrap().to_string();
    let (_, v) = sim.get(token, "/api/alerts?$top=1").await;
    let al = v["value"][0]["id"].as_str().unwrap().to_string();
    let body = Some(json!({"Comment": "c", "ScanType": "Quick"}));
    let g = |p: String| Ep(Method::GET, p, None, true);
    let p = |p: String| Ep(Method::POST, p, body.clone(), false);
    vec![
        g("/api/machines".into()),
        g(format!("/api/machines/{m}")),
        g("/api/machines/findbyip(ip='10.0.0.1',timestamp=2025-06-02T07:00:00Z)".into()),
        g("/api/machines/findbytag?tag=x".into()),
        g(format!("/api/machines/{m}/alerts")),
        g("/api/machineactions".into()),
        g(format!("/api/machineactions/{a}")),
        g(format!("/api/machineactions/{a}/getPackageUri")),
        g("/api/alerts".into()),
        g(format!("/api/alerts/{al}")),
        p(format!("/api/machines/{m}/isolate")),
        p(format!("/api/machines/{m}/unisolate")),
        p(format!("/api/machines/{m}/runAntiVirusScan")),
        p(format!("/api/machines/{m}/restrictCodeExecution")),
        p(format!("/api/machines/{m}/unrestrictCodeExecution")),
        p(format!("/api/machines/{m}/collectInvestigationPackage")),
        p(format!("/api/machineactions/{a}/cancel")),
    ]
}

#[tokio::test]
async fn unauthorized_vs_forbidden_on_every_endpoint() {
    let sim = start(SimConfig {
        token_lifetime_secs: 60,
        rate_per_minute: 10_000,
        rate_per_hour: 100_000,
        ..config(Scenario::Demo)
    })
    .await;
    let analyst = sim.analyst().await;
    let reader = sim.reader().await;
    let graph = {
        let r = sim
            .token_response(
                ANALYST_CLIENT_ID,
                ANALYST_SECRET,
                "https://graph.microsoft.com/.default",
            )
            .await;
        r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let eps = endpoints(&sim, &analyst).await;
    for Ep(method, path, body, reader_ok) in &eps {
        let call = |t: Option<String>| {
            let (method, body) = (method.clone(), body.clone());
            let sim = &sim;
            async move { sim.call(method, path, t.as_deref(), body).await }
        };
        for t in [None, Some("not.a.token"), Some("garbage")] {
            let r = call(t.map(str::to_string)).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {t:?}"
            );
            assert_eq!(shapes::api_error(&r.json), "Unauthorized");
            r.assert_common_headers();
        }
        let r = call(Some(graph.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "wrong audience: {method} {path}"
        );
        assert_eq!(shapes::api_error(&r.json), "Forbidden");
        let r = call(Some(reader.clone())).await;
        if *reader_ok {
            assert_ne!(
                r.status,
                StatusCode::FORBIDDEN,
                "reader: {method} {path}: {}",
                r.text
            );
            assert_ne!(r.status, StatusCode::UNAUTHORIZED);
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "reader: {method} {path}");
            assert_eq!(shapes::api_error(&r.json), "Forbidden");
        }
    }
    // The analyst app lacks Machine.CollectForensics, and the message names it.
    let collect = eps
        .iter()
        .find(|e| e.1.ends_with("collectInvestigationPackage"))
        .unwrap();
    let r = sim
        .call(Method::POST, &collect.1, Some(&analyst), collect.2.clone())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Machine.CollectForensics")
    );

    // The 2025-11 pages: only ReadWrite may list actions and alerts (M2–M4).
    sim.configure(SettingsPatch {
        quirks: Some(QuirksPatch {
            strict_read_permissions: Some(true),
            ..QuirksPatch::default()
        }),
        ..SettingsPatch::default()
    })
    .await;
    for ep in eps.iter().filter(|e| {
        e.0 == Method::GET
            && (e.1.contains("machineactions") && !e.1.contains("getPackageUri")
                || e.1.contains("alerts"))
    }) {
        let r = sim.call(Method::GET, &ep.1, Some(&reader), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "strict: {}", ep.1);
        let msg = r.json["error"]["message"].as_str().unwrap();
        assert!(msg.contains("ReadWrite"), "names the permission: {msg}");
    }
    let r = sim
        .call(Method::GET, "/api/machineactions", Some(&analyst), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "Machine.ReadWrite.All still lists"
    );

    // Expired (on the simulation clock): 401.
    sim.advance(61.0).await;
    for ep in &eps {
        let r = sim
            .call(ep.0.clone(), &ep.1, Some(&analyst), ep.2.clone())
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "expired: {}", ep.1);
    }
}

#[tokio::test]
async fn throttling_and_injected_failures() {
    let sim = start(SimConfig {
        rate_per_minute: 3,
        ..config(Scenario::Demo)
    })
    .await;
    let token = sim.analyst().await;
    for _ in 0..3 {
        assert_eq!(
            sim.call(Method::GET, "/api/machines?$top=1", Some(&token), None)
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = sim
        .call(Method::GET, "/api/machines?$top=1", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(shapes::api_error(&r.json), "TooManyRequests");
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
    r.assert_common_headers();
    // Per API and per app.
    assert_eq!(
        sim.call(Method::GET, "/api/alerts?$top=1", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let reader = sim.reader().await;
    assert_eq!(
        sim.call(Method::GET, "/api/machines?$top=1", Some(&reader), None)
            .await
            .status,
        StatusCode::OK
    );

    sim.ctl()
        .add_faults(&[
            Fault::new("/api/alerts", FaultKind::throttle(7)),
            Fault::new("/api/alerts", FaultKind::status(500)),
            Fault::new("/api/alerts", FaultKind::status(503)),
        ])
        .await
        .expect("faults");
    let r = sim
        .call(Method::GET, "/api/alerts", Some(&reader), None)
        .await;
    assert_eq!(
        (r.status, r.header("retry-after")),
        (StatusCode::TOO_MANY_REQUESTS, Some("7"))
    );
    assert_eq!(shapes::api_error(&r.json), "TooManyRequests");
    let r = sim
        .call(Method::GET, "/api/alerts", Some(&reader), None)
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(shapes::api_error(&r.json), "InternalServerError");
    let r = sim
        .call(Method::GET, "/api/alerts", Some(&reader), None)
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    shapes::api_error(&r.json);
    r.assert_common_headers();
    assert_eq!(
        sim.call(Method::GET, "/api/alerts?$top=1", Some(&reader), None)
            .await
            .status,
        StatusCode::OK
    );
}
