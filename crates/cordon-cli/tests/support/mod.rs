//! Runs the real `cordon` binary against an in-process simulator: a temp data folder,
//! the tenant from `CORDON_*` variables, and the simulator's control API as the truth.
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};

use mde_sim::control_client::{LoggedRequest, SimControl, SimState};
use mde_sim::{Scenario, SimConfig, SimHandle, Simulator, identities};
use serde_json::Value;

pub struct Env {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Standard output's bytes as written (`stdout` is their lossy UTF-8 reading).
    pub stdout_raw: Vec<u8>,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

pub async fn demo() -> Env {
    with_scenario(Scenario::Demo).await
}

/// A plain tenant of `machines` machines, none isolated (`scale:<machines>:0`).
pub async fn scale(machines: u32) -> Env {
    with_scenario(Scenario::Scale {
        machines,
        actions: 0,
    })
    .await
}

async fn with_scenario(scenario: Scenario) -> Env {
    let sim = Simulator::start(SimConfig {
        scenario,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    Env {
        sim,
        dir: tempfile::tempdir().expect("temp dir"),
        http: reqwest::Client::new(),
    }
}

impl Env {
    /// `cordon ARGS` as the analyst app.
    pub async fn cordon(&self, args: &[&str]) -> Run {
        self.cordon_as(
            identities::ANALYST_CLIENT_ID,
            identities::ANALYST_SECRET,
            args,
            None,
        )
        .await
    }

    /// `cordon ARGS` as the analyst app, with these environment variables too.
    pub async fn cordon_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        self.run_cordon(
            identities::ANALYST_CLIENT_ID,
            identities::ANALYST_SECRET,
            args,
            None,
            vars,
        )
        .await
    }

    /// `cordon ARGS` with any app (or none: empty client id) and optional stdin.
    pub async fn cordon_as(
        &self,
        client_id: &str,
        secret: &str,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Run {
        self.run_cordon(client_id, secret, args, stdin, &[]).await
    }

    async fn run_cordon(
        &self,
        client_id: &str,
        secret: &str,
        args: &[&str],
        stdin: Option<&str>,
        vars: &[(&str, &str)],
    ) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cordon"));
        cmd.arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env_remove("CORDON_DATA_DIR")
            .env_remove("CORDON_TENANT_ID")
            .env_remove("CORDON_CLIENT_ID")
            .env_remove("CORDON_CLIENT_SECRET")
            .env_remove("CORDON_AUTHORITY")
            .env_remove("CORDON_API_BASE")
            .env_remove("CORDON_STORE_URL")
            .envs(vars.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !client_id.is_empty() {
            let base = self.sim.base_url();
            cmd.env("CORDON_TENANT_ID", identities::TENANT_ID)
                .env("CORDON_CLIENT_ID", client_id)
                .env("CORDON_CLIENT_SECRET", secret)
                .env("CORDON_AUTHORITY", &base)
                .env("CORDON_API_BASE", &base);
        }
        let input = stdin.map(str::to_owned);
        let out: Output = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().expect("cordon runs");
            if let (Some(text), Some(mut pipe)) = (input, child.stdin.take()) {
                use std::io::Write as _;
                pipe.write_all(text.as_bytes()).expect("stdin");
            }
            child.wait_with_output().expect("cordon ends")
        })
        .await
        .expect("join");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_raw: out.stdout,
        }
    }

    /// Starts `cordon ARGS` as the analyst app without waiting (long-running commands
    /// such as `cordon agent`); stdout and stderr are discarded.
    pub fn spawn_cordon(&self, args: &[&str]) -> std::process::Child {
        self.spawn_cordon_with(args, &[])
    }

    /// [`Env::spawn_cordon`] with these environment variables too.
    pub fn spawn_cordon_with(&self, args: &[&str], vars: &[(&str, &str)]) -> std::process::Child {
        let base = self.sim.base_url();
        Command::new(env!("CARGO_BIN_EXE_cordon"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env_remove("CORDON_DATA_DIR")
            .env_remove("CORDON_STORE_URL")
            .env("CORDON_TENANT_ID", identities::TENANT_ID)
            .env("CORDON_CLIENT_ID", identities::ANALYST_CLIENT_ID)
            .env("CORDON_CLIENT_SECRET", identities::ANALYST_SECRET)
            .env("CORDON_AUTHORITY", &base)
            .env("CORDON_API_BASE", &base)
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cordon runs")
    }

    /// The typed client of the simulator's control API.
    pub fn ctl(&self) -> SimControl {
        SimControl::with_client(self.http.clone(), self.sim.base_url())
    }

    /// The simulator's truth right now.
    pub async fn state(&self) -> SimState {
        self.ctl().state().await.expect("control state")
    }

    /// Every action the simulator ever created.
    pub async fn ledger(&self) -> Vec<Value> {
        self.ctl().actions().await.expect("control actions")
    }

    /// The simulator's request log.
    pub async fn requests(&self) -> Vec<LoggedRequest> {
        self.ctl().requests().await.expect("control requests")
    }

    /// The POSTs the simulator received on the Defender API.
    pub async fn api_posts(&self) -> Vec<LoggedRequest> {
        self.requests()
            .await
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/api/"))
            .collect()
    }
}
