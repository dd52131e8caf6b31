//! Browser sign-in against the simulator; the test plays the system browser
//! (reliability-security.md K-6, K-7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use mde_api::signin;
use mde_api::{Endpoints, Error, Filter, IsolationType, MachineId, Query};
use mde_sim::identities as ids;
use support::*;

#[tokio::test]
async fn browser_sign_in_then_isolate_as_the_analyst() {
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let url = flow.authorize_url().clone();
    assert!(url.as_str().starts_with(&format!(
        "{}/{}/oauth2/v2.0/authorize?",
        sim.base,
        ids::TENANT_ID
    )));
    let redirect = param(url.as_str(), "redirect_uri").unwrap();
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    assert_eq!(
        param(url.as_str(), "response_type").as_deref(),
        Some("code")
    );
    assert_eq!(
        param(url.as_str(), "scope").as_deref(),
        Some("https://api.securitycenter.microsoft.com/.default offline_access")
    );
    let printed = format!("{flow:?}");
    let state = param(url.as_str(), "state").unwrap();
    assert!(!printed.contains(&state), "{printed}");

    let location = authorize(&url).await;
    assert!(location.starts_with(&redirect));
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    // A stray request (a favicon) does not end the flow.
    let favicon = browser()
        .get(format!("{redirect}favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status(), 404);
    let page = browser().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("close this tab"));
    let signed = waiting.await.unwrap().unwrap();
    assert_eq!(signed.account.as_deref(), Some(ids::DEMO_USER));
    assert!(signed.permissions.iter().any(|p| p == "Machine.Isolate"));
    assert!(!format!("{signed:?}").contains(signed.refresh_token.expose()));

    // One callback per flow: the listener is gone.
    assert!(browser().get(&location).send().await.is_err());

    let store = Arc::new(Saved::default());
    let client = sim.delegated(&signed, store.clone());
    let machines = client.list_machines(&Query::new()).await.unwrap();
    assert!(!machines.is_empty());
    let busy: HashSet<String> = client
        .list_machine_actions(
            &Query::new().filter(Filter::r#in("status", ["Pending", "InProgress"])),
        )
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.machine_id)
        .collect();
    let state = sim.ctl().state().await.expect("control state");
    let target = state
        .machines
        .iter()
        .filter(|m| !m.isolated && !m.full_tunnel_vpn)
        .map(|m| m.id.as_str())
        .find(|id| !busy.contains(*id))
        .expect("a machine to isolate");
    let id = MachineId::parse(target).unwrap();
    let action = client
        .isolate(&id, IsolationType::Selective, "signed-in analyst")
        .await
        .unwrap();
    assert_eq!(action.requestor.as_deref(), Some(ids::DEMO_USER));
    let ledger = sim.ledger().await;
    let entry = ledger
        .iter()
        .find(|a| a["id"].as_str() == Some(action.id.as_str()))
        .expect("the action is in the ledger");
    assert_eq!(entry["requestor"], ids::DEMO_USER);
    assert!(
        !store.all().is_empty(),
        "the first refresh rotated the token"
    );
}

#[tokio::test]
async fn wrong_or_missing_state_sends_no_token_request() {
    let sim = Sim::demo().await;
    for forge in [Some("forged-state"), None] {
        let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
            .await
            .unwrap();
        let location = authorize(flow.authorize_url()).await;
        let mut forged = url::Url::parse(&location).unwrap();
        let pairs: Vec<(String, String)> = forged
            .query_pairs()
            .filter(|(k, _)| k != "state")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = forged.query_pairs_mut();
            q.clear().extend_pairs(&pairs);
            if let Some(state) = forge {
                q.append_pair("state", state);
            }
        }
        let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
        let page = browser().get(forged.as_str()).send().await.unwrap();
        assert!(page.text().await.unwrap().contains("did not complete"));
        let err = waiting.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::SignIn { reason } if reason.contains("state")),
            "{err:?}"
        );
        // The real callback, afterwards, finds no listener.
        assert!(browser().get(&location).send().await.is_err());
    }
    assert_eq!(sim.token_requests().await, 0, "no code was redeemed");
}

#[tokio::test]
async fn denied_in_the_browser_and_timeout() {
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let redirect = flow.redirect_uri().to_owned();
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    let denied =
        format!("{redirect}?error=access_denied&error_description=AADSTS65004%3A+declined");
    browser().get(&denied).send().await.unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::SignIn { reason } if reason.contains("access_denied")),
        "{err:?}"
    );

    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let redirect = flow.redirect_uri().to_owned();
    let err = flow.finish(Duration::from_millis(200)).await.unwrap_err();
    assert!(matches!(err, Error::SignIn { .. }), "{err:?}");
    assert!(browser().get(&redirect).send().await.is_err(), "closed");
    assert_eq!(sim.token_requests().await, 0);
}

#[tokio::test]
async fn the_listener_is_bound_to_127_0_0_1_only() {
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let port: u16 = flow
        .redirect_uri()
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // Another address of this host (still loopback, so nothing leaves the
    // machine) must be refused: the socket is not bound to 0.0.0.0.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.2", port))
            .await
            .is_err()
    );
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_thousand_authorize_urls_use_fresh_s256_challenges() {
    let endpoints = Endpoints::custom("https://login.example", "https://api.example").unwrap();
    let (mut states, mut challenges) = (HashSet::new(), HashSet::new());
    for _ in 0..1000 {
        let flow = signin::start_browser(&endpoints, "tenant", "client")
            .await
            .unwrap();
        let url = flow.authorize_url().as_str();
        assert_eq!(param(url, "code_challenge_method").as_deref(), Some("S256"));
        let challenge = param(url, "code_challenge").unwrap();
        assert_eq!(challenge.len(), 43, "base64url SHA-256");
        assert!(challenges.insert(challenge));
        assert!(states.insert(param(url, "state").unwrap()));
    }
}
