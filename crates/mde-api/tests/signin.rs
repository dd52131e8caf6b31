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
        let waiting = tokio::spawn(flow.finish(Duration::from_millis(1500)));
        // Not this flow's callback: a neutral page, and the flow keeps waiting
        // (until its timeout here) without redeeming the code.
        let page = browser().get(forged.as_str()).send().await.unwrap();
        assert_eq!(page.status(), 400);
        assert!(page.text().await.unwrap().contains("not a sign-in"));
        let err = waiting.await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::SignIn { reason } if reason.contains("no answer")),
            "{err:?}"
        );
        // After the flow ended, the real callback finds no listener.
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
    let state = param(flow.authorize_url().as_str(), "state").unwrap();
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    // Entra's error redirect carries the flow's state: it ends the flow.
    let denied = format!(
        "{redirect}?error=access_denied&error_description=AADSTS65004%3A+declined&state={state}"
    );
    let page = browser().get(&denied).send().await.unwrap();
    let text = page.text().await.unwrap();
    assert!(text.contains("did not complete"), "{text}");
    assert!(!text.contains("AADSTS65004"), "the page echoes nothing");
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

/// The listener's port, from the redirect URI.
fn port_of(redirect: &str) -> u16 {
    redirect
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

/// Whether the server closed (or answered and closed) `stream` within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().map(|()| got)
}

#[tokio::test]
async fn a_forged_error_callback_is_ignored_and_the_real_one_completes() {
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let redirect = flow.redirect_uri().to_owned();
    let location = authorize(flow.authorize_url()).await;
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    let attack =
        "error=access_denied&error_description=%3Cscript%3Ealert(%27pwned%27)%3C%2Fscript%3E";
    for forged in [
        format!("{redirect}?{attack}"),
        format!("{redirect}?{attack}&state=forged-state"),
        format!("{redirect}?code=attacker-code&state=forged-state"),
    ] {
        let page = browser().get(&forged).send().await.unwrap();
        let text = page.text().await.unwrap();
        for echoed in ["<script", "pwned", "access_denied", "attacker-code"] {
            assert!(!text.contains(echoed), "{echoed} echoed in {text}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "a forged callback ended the flow");
    }
    let page = browser().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("You are signed in"));
    let signed = waiting.await.unwrap().unwrap();
    assert_eq!(signed.account.as_deref(), Some(ids::DEMO_USER));
    assert_eq!(
        sim.token_requests().await,
        1,
        "only the real code was redeemed"
    );
}

#[tokio::test]
async fn an_oversized_request_is_refused_without_hanging() {
    use tokio::io::AsyncWriteExt as _;
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let port = port_of(flow.redirect_uri());
    let location = authorize(flow.authorize_url()).await;
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    // 12 KiB of request line and headers, never ended, the connection kept open.
    let mut big = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!("GET /?pad={} HTTP/1.1\r\nX-Pad: ", "a".repeat(8 * 1024));
    big.write_all(head.as_bytes()).await.unwrap();
    let _ = big.write_all("b".repeat(4 * 1024).as_bytes()).await;
    let answer = closed_within(&mut big, Duration::from_secs(3))
        .await
        .expect("the oversized request is answered and closed at once, not after a timeout");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );
    assert!(!waiting.is_finished());
    let page = browser().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_flood_of_idle_connections_does_not_stop_the_callback() {
    let sim = Sim::demo().await;
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let port = port_of(flow.redirect_uri());
    let location = authorize(flow.authorize_url()).await;
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    let mut idle = Vec::new();
    for _ in 0..64 {
        idle.push(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap(),
        );
    }
    // Excess connections are closed promptly instead of piling up.
    let mut closed = 0;
    for stream in &mut idle {
        if closed_within(stream, Duration::from_millis(100))
            .await
            .is_some()
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 32,
        "only {closed} of 64 idle connections were closed"
    );
    // With the rest still held open, the browser's callback gets through.
    let page = tokio::time::timeout(Duration::from_secs(5), browser().get(&location).send())
        .await
        .expect("the callback is not starved by idle connections")
        .unwrap();
    assert_eq!(page.status(), 200);
    let signed = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(signed.account.as_deref(), Some(ids::DEMO_USER));
    drop(idle);
}
