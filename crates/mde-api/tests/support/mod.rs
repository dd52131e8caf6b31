//! The one support folder of mde-api's tests: the simulator (driven through its typed
//! control client) and a stand-in for the system browser, shared by the delegated
//! sign-in tests; [`mock`], a scripted HTTP server for the transport tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod mock;
pub mod proxy;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mde_api::signin::{self, SignedIn};
use mde_api::{Client, ClientOptions, Credentials, Endpoints, RefreshTokenStore, Secret};
use mde_sim::control_client::SimControl;
use mde_sim::identities as ids;
use serde_json::Value;

pub struct Sim {
    pub handle: mde_sim::SimHandle,
    pub base: String,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start(config: mde_sim::SimConfig) -> Sim {
        let handle = mde_sim::Simulator::start(config).await.expect("simulator");
        let base = handle.base_url();
        Sim {
            handle,
            base,
            http: reqwest::Client::new(),
        }
    }

    pub async fn demo() -> Sim {
        Sim::start(mde_sim::SimConfig::default()).await
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints::custom(&self.base, &self.base).unwrap()
    }

    /// The typed client of the simulator's control API.
    pub fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.base.clone())
    }

    /// Every action the simulator created (its ledger).
    pub async fn ledger(&self) -> Vec<Value> {
        self.ctl().actions().await.expect("control actions")
    }

    /// Token requests the simulator has seen.
    pub async fn token_requests(&self) -> usize {
        self.ctl()
            .requests()
            .await
            .expect("control requests")
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/oauth2/v2.0/token"))
            .count()
    }

    pub fn delegated(&self, signed: &SignedIn, store: Arc<dyn RefreshTokenStore>) -> Client {
        Client::new(
            self.endpoints(),
            Credentials::Delegated {
                tenant_id: ids::TENANT_ID.into(),
                client_id: ids::PUBLIC_CLIENT_ID.into(),
                refresh_token: signed.refresh_token.clone(),
                store,
            },
            ClientOptions {
                requests_per_minute: None,
                requests_per_hour: None,
                base_backoff: Duration::from_millis(50),
                ..Default::default()
            },
        )
        .unwrap()
    }
}

/// A browser that does not follow redirects (so the test sees `Location`).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs the authorize URL and returns where the simulator redirects to.
pub async fn authorize(url: &url::Url) -> String {
    let r = browser().get(url.clone()).send().await.unwrap();
    assert_eq!(r.status(), 302, "the sim signs the demo user in at once");
    r.headers()["location"].to_str().unwrap().to_owned()
}

pub fn param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

pub async fn browser_sign_in(sim: &Sim) -> SignedIn {
    let flow = signin::start_browser(&sim.endpoints(), ids::TENANT_ID, ids::PUBLIC_CLIENT_ID)
        .await
        .unwrap();
    let location = authorize(flow.authorize_url()).await;
    let waiting = tokio::spawn(flow.finish(Duration::from_secs(30)));
    let page = browser().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    waiting.await.unwrap().unwrap()
}

#[derive(Debug, Default)]
pub struct Saved(Mutex<Vec<Secret>>);

impl RefreshTokenStore for Saved {
    fn save(&self, refresh_token: &Secret) {
        self.0.lock().unwrap().push(refresh_token.clone());
    }
}

impl Saved {
    pub fn all(&self) -> Vec<Secret> {
        self.0.lock().unwrap().clone()
    }
}
