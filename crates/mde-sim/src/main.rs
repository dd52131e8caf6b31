//! `mde-sim`: runs the simulator until killed. The first stdout line is the base URL
//! (flushed at once) so that a parent process can read it and connect; with `--tls` the
//! second line is the path of the CA certificate (PEM) that clients must trust.

use std::io::Write;

use clap::Parser;
use mde_sim::{Scenario, SimConfig, Simulator};

#[derive(Parser, Debug)]
#[command(
    name = "mde-sim",
    about = "Simulator of Entra ID tokens and the Microsoft Defender for Endpoint API"
)]
struct Args {
    /// TCP port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// empty, demo, or scale:<machines>:<actions>.
    #[arg(long, default_value = "demo")]
    scenario: Scenario,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 100)]
    rate_per_minute: u32,
    #[arg(long, default_value_t = 1500)]
    rate_per_hour: u32,
    /// Lifetime of issued tokens in simulated seconds.
    #[arg(long, default_value_t = 3599)]
    token_lifetime: u32,
    /// Serve HTTPS with a certificate made at start; its CA's PEM path is line 2.
    #[arg(long)]
    tls: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let config = SimConfig {
        port: args.port,
        scenario: args.scenario,
        speed: args.speed,
        seed: args.seed,
        rate_per_minute: args.rate_per_minute,
        rate_per_hour: args.rate_per_hour,
        token_lifetime_secs: args.token_lifetime,
        tls: args.tls,
        ..SimConfig::default()
    };
    let handle = match Simulator::start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("mde-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let mut lines = handle.base_url();
    if let Some(pem) = handle.ca_pem_path() {
        lines = format!("{lines}\n{}", pem.display());
    }
    if writeln!(out, "{lines}").and_then(|()| out.flush()).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown();
    std::process::ExitCode::SUCCESS
}
