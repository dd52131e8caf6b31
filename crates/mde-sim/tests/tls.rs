//! `--tls`: the simulator serves HTTPS with a certificate made at start; a client that
//! trusts the CA PEM it names can sign in and call the API, one that does not is refused.
//! The binary prints the base URL on line 1 and the PEM path on line 2.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use mde_sim::identities::*;
use mde_sim::{Scenario, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;
use support::*;

fn trusting(pem_path: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(pem_path).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_with_a_trusted_ca() {
    let sim = start(SimConfig {
        tls: true,
        ..config(Scenario::Demo)
    })
    .await;
    assert!(sim.base.starts_with("https://127.0.0.1:"), "{}", sim.base);
    let pem_path = sim.handle.ca_pem_path().expect("a PEM path with tls");
    let text = std::fs::read_to_string(&pem_path).unwrap();
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----"));

    let sim = Sim {
        http: trusting(&pem_path),
        ..sim
    };
    let token = sim.analyst().await;
    let (s, v) = sim.get(&token, "/api/machines?$top=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["value"].as_array().unwrap().len(), 2);
    // localhost is in the certificate too.
    let local = sim.base.replace("127.0.0.1", "localhost");
    let r = sim
        .http
        .get(format!(
            "{local}/{TENANT_ID}/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let d: Value = r.json().await.unwrap();
    assert!(
        d["token_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    // Accept-then-drop still cuts the connection under TLS.
    sim.ctl()
        .add_fault(Fault::new("/api/machines", FaultKind::accept_then_drop()))
        .await
        .expect("fault");
    let r = sim
        .http
        .get(sim.url("/api/machines?$top=1"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(r.is_err(), "the connection is dropped");

    // A client without the CA refuses the server; plain HTTP gets no answer.
    assert!(SimControl::new(sim.base.clone()).state().await.is_err());
    let plain = sim.base.replace("https://", "http://");
    assert!(SimControl::new(plain).state().await.is_err());

    sim.handle.shutdown();
    assert!(!pem_path.exists(), "the PEM is removed at shutdown");
}

#[tokio::test]
async fn plain_http_has_no_pem() {
    let sim = start(config(Scenario::Empty)).await;
    assert!(sim.base.starts_with("http://"));
    assert!(sim.handle.ca_pem_path().is_none());
}

/// Kills the child process however the test ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_url_then_pem_path() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_mde-sim"))
            .args(["--port", "0", "--scenario", "empty", "--tls"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let (mut url, mut pem) = (String::new(), String::new());
    out.read_line(&mut url).unwrap();
    out.read_line(&mut pem).unwrap();
    let (url, pem) = (url.trim().to_string(), pem.trim().to_string());
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let client = trusting(std::path::Path::new(&pem));
    let r = client
        .post(format!("{url}/{TENANT_ID}/oauth2/v2.0/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", READER_CLIENT_ID),
            ("client_secret", READER_SECRET),
            ("scope", API_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    drop(child);
    // Killed, the process cannot remove its PEM: the parent does.
    let _ = std::fs::remove_file(&pem);
}
