//! `cordon`: the command line over the same core as the desktop app, for the scripts
//! SOC teams run today. Tenant profiles are shared with the app; secrets live only in
//! the OS credential store. See `cli.rs` (and `--help`) for commands, tenant resolution
//! and exit codes, and README.md.

use std::process::ExitCode;

use clap::Parser;
use cordon_core::config::StoreUrl;
use cordon_core::dto::IpcError;
use cordon_core::{App, AppConfig, CoreError, tenant};

mod act_cmd;
mod agent_cmd;
mod approvals_cmd;
mod bulk_cmd;
mod bulk_wait;
mod cli;
mod cli_automation;
mod cli_bulk;
mod completions;
mod jobs_cmd;
mod output;
mod output_automation;
mod output_jobs;
mod output_json;
mod output_machines;
mod output_wait;
mod profiles_cmd;
mod progress;
mod read_cmd;
mod report_cmd;
mod rule_cmd;
mod signin_cmd;

use cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli).await {
        Ok(code) => code,
        Err(e) => {
            let e = IpcError::from(e);
            output::error(cli.json, &e);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The documented exit code of an error (see `cli::EXIT_CODES`).
fn exit_code(e: &IpcError) -> u8 {
    match e {
        IpcError::Validation { .. } | IpcError::NotFound { .. } | IpcError::Ambiguous { .. } => 2,
        // A safety rule refused who is asking (an application approving, only a person
        // closes the breaker, approving without Machine.Isolate) or a protected machine
        // without an override: like Defender refusing, nothing was done.
        IpcError::Refused { .. } => 3,
        IpcError::SecureStorage { .. } => 4,
        IpcError::Storage { .. } => 5,
        _ => 3,
    }
}

/// The tenant's configuration (`--profile`, the `CORDON_*` variables, the active
/// profile) with the store `--store` or `CORDON_STORE_URL` names, if any.
fn config(cli: &Cli) -> Result<AppConfig, CoreError> {
    let mut cfg = tenant::cli_config(cli.profile.as_deref(), cli.data_dir.clone())?;
    cfg.store_url = cli
        .store
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(StoreUrl::new);
    Ok(cfg)
}

async fn run(cli: &Cli) -> Result<ExitCode, CoreError> {
    let data_dir = cli.data_dir.clone();
    match &cli.command {
        Command::Profiles(cmd) => {
            profiles_cmd::run(cmd, cli.json, data_dir)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Agent(args) => {
            let mut cfg = config(cli)?;
            cfg.process_kind = cordon_core::team::ProcessKind::Agent;
            cfg.process_label = args
                .name
                .as_deref()
                .map_or_else(String::new, |n| format!("agent {}", n.trim()));
            cfg.lease = std::time::Duration::from_secs(args.lease_seconds.clamp(6, 3600));
            return agent_cmd::run(cfg, args).await;
        }
        Command::Completions { shell } => {
            completions::print(*shell);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Signin => {
            signin_cmd::run(cli.profile.as_deref(), cli.json, data_dir).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Isolate { comment, .. }
        | Command::Release { comment, .. }
        | Command::Cancel { comment, .. } => act_cmd::require_comment(comment)?,
        Command::Machines {
            isolated,
            search,
            offline: true,
        } => {
            read_cmd::machines_offline(&config(cli)?, *isolated, search, cli.json)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Rule(cmd) => rule_cmd::precheck(cmd)?,
        Command::Approvals { cmd, .. } => approvals_cmd::precheck(cmd.as_ref())?,
        _ => {}
    }
    let mut cfg = config(cli)?;
    cfg.process_kind = cordon_core::team::ProcessKind::Cli;
    let app = App::new(cfg)?;
    match &cli.command {
        Command::Isolate { .. } | Command::Release { .. } => {
            bulk_cmd::run(&app, &cli.command, cli.json).await
        }
        Command::Cancel { action_id, comment } => {
            act_cmd::cancel(&app, action_id, comment, cli.json).await
        }
        Command::Jobs { cmd } => jobs_cmd::run(&app, cmd.as_ref(), cli.json).await,
        Command::Rule(cmd) => rule_cmd::run(&app, cmd, cli.json).await,
        Command::Approvals { all, cmd } => {
            approvals_cmd::run(&app, *all, cmd.as_ref(), cli.json).await
        }
        Command::Reconcile | Command::Batches | Command::History { .. } | Command::Audit { .. } => {
            report_cmd::run(&app, &cli.command, cli.json).await?;
            Ok(ExitCode::SUCCESS)
        }
        other => {
            read_cmd::run(&app, other, cli.json).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
