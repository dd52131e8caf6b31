//! `Client::principal` against the simulator: an app's token speaks for the app, a
//! person's (signed in through the control API, used as delegated credentials) for that
//! person, by the object id the simulator gave them, and two people are two principals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use mde_api::{Client, ClientOptions, Credentials, Principal, Query, Secret};
use mde_sim::control_client::PersonSignIn;
use mde_sim::identities as ids;
use support::*;

fn options() -> ClientOptions {
    ClientOptions {
        requests_per_minute: None,
        requests_per_hour: None,
        base_backoff: Duration::from_millis(50),
        ..Default::default()
    }
}

fn person(sim: &Sim, signed: &PersonSignIn) -> Client {
    Client::new(
        sim.endpoints(),
        Credentials::Delegated {
            tenant_id: ids::TENANT_ID.into(),
            client_id: ids::PUBLIC_CLIENT_ID.into(),
            refresh_token: Secret::new(signed.refresh_token.clone()),
            store: Arc::new(Saved::default()),
        },
        options(),
    )
    .unwrap()
}

#[tokio::test]
async fn an_app_is_an_application() {
    let sim = Sim::demo().await;
    let app = Client::new(
        sim.endpoints(),
        Credentials::client_secret(ids::TENANT_ID, ids::ANALYST_CLIENT_ID, ids::ANALYST_SECRET),
        options(),
    )
    .unwrap();
    let p = app.principal().await.unwrap();
    assert!(p.application, "{p:?}");
    assert_eq!(p.name, ids::ANALYST_APP_NAME);
    assert_eq!(
        p.name,
        app.identity().await.unwrap(),
        "the same name as identity()"
    );
    assert!(!p.object_id.is_empty() && p.object_id != ids::ANALYST_CLIENT_ID);
}

#[tokio::test]
async fn two_people_are_two_principals() {
    let sim = Sim::demo().await;
    let ctl = sim.ctl();
    let analyst = ctl.sign_in_person(ids::DEMO_USER).await.unwrap();
    let lead = ctl.sign_in_person(ids::DEMO_LEAD).await.unwrap();
    let (a, l) = (person(&sim, &analyst), person(&sim, &lead));
    let pa = a.principal().await.unwrap();
    let pl = l.principal().await.unwrap();
    assert_eq!(
        pa,
        Principal {
            object_id: analyst.oid.clone(),
            name: ids::DEMO_USER.into(),
            application: false,
        }
    );
    assert_eq!(
        pl,
        Principal {
            object_id: lead.oid.clone(),
            name: ids::DEMO_LEAD.into(),
            application: false,
        }
    );
    assert_ne!(pa.object_id, pl.object_id);
    // The same token serves the API: the people can read as themselves.
    a.list_machines(&Query::new().top(1)).await.unwrap();
    l.list_machines(&Query::new().top(1)).await.unwrap();
    assert_eq!(l.principal().await.unwrap(), pl, "stable across calls");
}
