//! `cordon isolate` and `cordon release`: one journaled job per command.
//!
//! The machines are resolved first (named ones by id or name, from the arguments and
//! `--from-file`, else a batch or a comment search over the machines isolated now),
//! then the preview is printed with its exclusions (`--dry-run` stops there, nothing
//! sent), then (above 25 machines) `--yes` or a typed confirmation at a terminal is
//! required. The job is committed before any call and run to its end with live
//! progress on stderr; a kill at any point is finished by `cordon jobs resume`. What is
//! sent is exactly the preview's list (S-7). `--wait` then follows each action in
//! Defender until it ends ([`bulk_wait`](crate::bulk_wait)).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use cordon_core::dto::jobs::{BulkPreview, BulkRequest, Confirmation, JobDetail, JobKind};
use cordon_core::{App, CoreError, Result};

use crate::cli::Command;
use crate::cli_bulk::{self, BulkOpts};
use crate::{bulk_wait, output_jobs, progress};

pub async fn run(app: &App, cmd: &Command, json: bool) -> Result<ExitCode> {
    let (Command::Isolate { opts, .. } | Command::Release { opts, .. }) = cmd else {
        return Ok(ExitCode::SUCCESS);
    };
    // The list is read before any request: an unreadable file costs nothing.
    let listed = match &opts.from_file {
        Some(path) => cli_bulk::read_list(path)?,
        None => Vec::new(),
    };
    app.refresh().await?;
    let req = request(app, cmd, opts, listed).await?;
    let preview = app.preview_bulk(&req).await?;
    if opts.dry_run {
        output_jobs::dry_run(json, &preview, &req.comment);
        return Ok(ExitCode::SUCCESS);
    }
    output_jobs::preview(&preview, &req.comment);
    if preview.will_send.is_empty() {
        eprintln!("Nothing to send.");
        output_jobs::bulk_result(json, &preview, None);
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = Confirmation {
        preview_token: preview.token.clone(),
        typed_phrase: confirm(&preview, opts.yes)?,
    };
    let detail = progress::while_running(app, app.run_job(req, &confirmed)).await?;
    match opts.wait {
        Some(limit) if detail.job.finished == detail.job.total => {
            bulk_wait::run(app, Some(&preview), &detail, limit, json).await
        }
        _ => {
            output_jobs::bulk_result(json, &preview, Some(&detail));
            Ok(exit_for(&detail))
        }
    }
}

/// The request of `cmd`: its machines resolved (arguments, then the listed ones).
async fn request(
    app: &App,
    cmd: &Command,
    opts: &BulkOpts,
    listed: Vec<String>,
) -> Result<BulkRequest> {
    let named = |machines: &[String]| {
        let mut all = machines.to_vec();
        all.extend(listed.iter().cloned());
        all
    };
    match cmd {
        Command::Isolate {
            machines,
            comment,
            kind,
            ..
        } => Ok(BulkRequest {
            kind: JobKind::Isolate,
            machine_ids: resolve_all(app, &named(machines), opts).await?,
            comment: comment.trim().to_owned(),
            isolation_type: Some(*kind),
            source: Some("cli".into()),
            include_foreign: true,
            matching: None,
        }),
        Command::Release {
            machines,
            batch,
            isolated_by_comment,
            include_foreign,
            comment,
            ..
        } => {
            let (ids, source, foreign) = match (batch, isolated_by_comment) {
                (Some(b), _) => {
                    let g = app.group(b)?;
                    (
                        g.machines.into_iter().map(|m| m.id).collect(),
                        format!("batch:{}", g.id),
                        *include_foreign,
                    )
                }
                (None, Some(text)) => {
                    let found = app.isolated_by_comment(text);
                    if found.is_empty() {
                        return Err(CoreError::Invalid {
                            field: "isolated-by-comment".into(),
                            message: format!(
                                "No machine isolated now has an isolation comment containing “{}”.",
                                text.trim()
                            ),
                        });
                    }
                    (
                        found.into_iter().map(|m| m.id).collect(),
                        format!("comment:{}", text.trim()),
                        *include_foreign,
                    )
                }
                // Named machines are an explicit choice: someone else's isolation included.
                (None, None) => (
                    resolve_all(app, &named(machines), opts).await?,
                    "cli".to_owned(),
                    true,
                ),
            };
            Ok(BulkRequest {
                kind: JobKind::Release,
                machine_ids: ids,
                comment: comment.trim().to_owned(),
                isolation_type: None,
                source: Some(source),
                include_foreign: foreign,
                matching: None,
            })
        }
        _ => Err(CoreError::NoMachines),
    }
}

/// 0 when every machine ended done or adopted, else 1 (each line says why).
pub fn exit_for(detail: &JobDetail) -> ExitCode {
    let j = &detail.job;
    if j.failed > 0 || j.finished < j.total {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Above the threshold: `--yes` (which stands for the phrase), or the phrase typed at
/// a terminal; the core checks it again. Without a terminal and without `--yes`
/// nothing is sent.
fn confirm(preview: &BulkPreview, yes: bool) -> Result<Option<String>> {
    let Some(phrase) = &preview.confirm_phrase else {
        return Ok(None);
    };
    if yes {
        return Ok(Some(phrase.clone()));
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CoreError::Invalid {
            field: "yes".into(),
            message: format!(
                "{} machines: pass --yes, or run at a terminal and type “{phrase}”. Nothing was sent.",
                preview.will_send.len()
            ),
        });
    }
    eprint!("Type “{phrase}” to confirm: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CoreError::Invalid {
            field: "confirmation".into(),
            message: format!("could not read the confirmation: {e}"),
        })?;
    if line.trim() == phrase {
        Ok(Some(line.trim().to_owned()))
    } else {
        Err(CoreError::Invalid {
            field: "confirmation".into(),
            message: "The confirmation did not match. Nothing was sent.".into(),
        })
    }
}

/// Resolves every machine first: an unknown or ambiguous name stops everything before
/// any action is sent. The cache must be fresh (the caller refreshed).
async fn resolve_all(app: &App, machines: &[String], opts: &BulkOpts) -> Result<Vec<String>> {
    if machines.is_empty() {
        let file = opts
            .from_file
            .as_deref()
            .map_or_else(|| "the list".to_owned(), |p| p.display().to_string());
        return Err(CoreError::Invalid {
            field: "from-file".into(),
            message: format!(
                "No machine in {file} (one id or DNS name per line; blank lines and # comments are ignored). Nothing was sent."
            ),
        });
    }
    app.resolve_machines(machines).await
}
