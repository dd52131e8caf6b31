//! The commands that change machines: `isolate`, `release`, `cancel`. Input is checked
//! before anything is sent: a comment is required, and every id or name is resolved
//! first, so an unknown or ambiguous name (its candidates printed) stops the whole
//! command with nothing sent.

use std::process::ExitCode;

use cordon_core::dto::{ActionOutcome, IsolateRequest, IsolationKind, ReleaseRequest};
use cordon_core::{App, CoreError, Result};

use crate::cli::{Command, Kind};
use crate::output;

pub async fn run(app: &App, cmd: &Command, json: bool) -> Result<ExitCode> {
    match cmd {
        Command::Isolate {
            machines,
            comment,
            kind,
        } => {
            require_comment(comment)?;
            let ids = resolve_all(app, machines).await?;
            let isolation_type = match kind {
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
            Ok(outcomes(json, &out))
        }
        Command::Release { machines, comment } => {
            require_comment(comment)?;
            let ids = resolve_all(app, machines).await?;
            let out = app
                .release(ReleaseRequest {
                    machine_ids: ids,
                    comment: comment.clone(),
                })
                .await?;
            Ok(outcomes(json, &out))
        }
        Command::Cancel { action_id, comment } => {
            let row = app.cancel(action_id, comment).await?;
            output::actions(json, std::slice::from_ref(&row));
            Ok(ExitCode::SUCCESS)
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Checked before the tenant is even read, so a missing comment costs no request.
pub fn require_comment(comment: &str) -> Result<()> {
    if comment.trim().is_empty() {
        return Err(CoreError::EmptyComment);
    }
    Ok(())
}

/// Resolves every argument first: an unknown or ambiguous name stops everything
/// before any action is sent.
async fn resolve_all(app: &App, machines: &[String]) -> Result<Vec<String>> {
    app.refresh().await?;
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
