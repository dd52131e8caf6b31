//! `cordon`: the command line over the same core as the desktop app, for the scripts
//! SOC teams run today. The tenant comes from `CORDON_TENANT_ID`, `CORDON_CLIENT_ID`,
//! `CORDON_CLIENT_SECRET` (+ `CORDON_AUTHORITY`, `CORDON_API_BASE`), so it runs against
//! `mde-sim` with no profile.
//!
//! Exit codes: 0 success; 1 some machines failed; 2 usage or configuration error;
//! 3 Defender or sign-in error.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use cordon_core::dto::{
    ActionOutcome, IpcError, IsolateRequest, IsolationKind, MachineRow, ReleaseRequest,
};
use cordon_core::{App, CoreError};

mod output;

#[derive(Parser)]
#[command(
    name = "cordon",
    version,
    about = "Isolate, watch and release machines in Microsoft Defender for Endpoint"
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Counts of machines by isolation state.
    Status,
    /// List machines with their isolation state.
    Machines {
        /// Only machines isolated right now (including pending or stuck releases).
        #[arg(long)]
        isolated: bool,
        /// Only machines whose name, id or IP contains this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// One machine (by 40-hex id or DNS name) with its isolation timeline.
    Machine { machine: String },
    /// Isolate machines (by id or name).
    Isolate {
        #[arg(required = true)]
        machines: Vec<String>,
        #[arg(long)]
        comment: String,
        #[arg(long, value_enum, default_value = "full")]
        r#type: Kind,
    },
    /// Release machines from isolation (by id or name).
    Release {
        #[arg(required = true)]
        machines: Vec<String>,
        #[arg(long)]
        comment: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Full,
    Selective,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(code) => code,
        Err(e) => {
            let code = match &e {
                IpcError::Validation { .. }
                | IpcError::NotFound { .. }
                | IpcError::Ambiguous { .. } => 2,
                _ => 3,
            };
            output::error(cli.json, &e);
            ExitCode::from(code)
        }
    }
}

async fn run(cli: &Cli) -> Result<ExitCode, IpcError> {
    let cfg = cordon_core::env::config_from_env()?.ok_or_else(|| IpcError::Validation {
        field: "tenant".into(),
        message: "No tenant configured: set CORDON_TENANT_ID, CORDON_CLIENT_ID and CORDON_CLIENT_SECRET (and CORDON_API_BASE / CORDON_AUTHORITY for a simulator).".into(),
    })?;
    let app = App::new(cfg)?;
    app.refresh().await?;
    match &cli.command {
        Command::Status => output::status(cli.json, &app.snapshot().counters),
        Command::Machines { isolated, search } => {
            let rows: Vec<MachineRow> = app
                .snapshot()
                .machines
                .into_iter()
                .filter(|m| !isolated || m.isolated_now)
                .filter(|m| search.as_deref().is_none_or(|s| output::matches(m, s)))
                .collect();
            output::machines(cli.json, &rows);
        }
        Command::Machine { machine } => {
            let row = app.find_machine(machine).await?;
            output::detail(cli.json, &app.machine_detail(&row.id)?);
        }
        Command::Isolate {
            machines,
            comment,
            r#type,
        } => {
            let ids = resolve_all(&app, machines).await?;
            let isolation_type = match r#type {
                Kind::Full => IsolationKind::Full,
                Kind::Selective => IsolationKind::Selective,
            };
            let out = app
                .isolate(IsolateRequest {
                    machine_ids: ids,
                    isolation_type,
                    comment: comment.clone(),
                })
                .await?;
            return Ok(outcomes(cli.json, &out));
        }
        Command::Release { machines, comment } => {
            let ids = resolve_all(&app, machines).await?;
            let out = app
                .release(ReleaseRequest {
                    machine_ids: ids,
                    comment: comment.clone(),
                })
                .await?;
            return Ok(outcomes(cli.json, &out));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Resolves every argument first: an unknown or ambiguous name stops everything
/// before any action is sent.
async fn resolve_all(app: &App, machines: &[String]) -> Result<Vec<String>, CoreError> {
    let mut ids = Vec::with_capacity(machines.len());
    for m in machines {
        ids.push(app.find_machine(m).await?.id);
    }
    Ok(ids)
}

fn outcomes(json: bool, out: &[ActionOutcome]) -> ExitCode {
    output::outcomes(json, out);
    if out.iter().any(|o| o.error.is_some()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
