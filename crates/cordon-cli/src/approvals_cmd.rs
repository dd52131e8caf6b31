//! `cordon approvals [list [--all] | approve ID… | reject ID… | request isolate|release
//! MACHINE]`: the approval queue, shared with the desktop app. Anyone signed in may
//! request; only a person decides — never the one who proposed it (four eyes), never
//! an application identity (the core refuses it, exit 3). Each approved proposal's job
//! is run to its end here, with progress on stderr; a refused proposal, or a job that
//! failed, makes the exit code 1 (each line says which).

use std::process::ExitCode;

use cordon_core::dto::automation::{ProposalRequest, ProposalVerdict};
use cordon_core::dto::jobs::{JobDetail, JobKind};
use cordon_core::{App, CoreError, Result};

use crate::cli_automation::ApprovalsCmd;
use crate::{act_cmd, output_automation, progress, rule_cmd};

/// The checks made before the tenant is even read (no request for a usage error).
pub fn precheck(cmd: Option<&ApprovalsCmd>) -> Result<()> {
    match cmd {
        Some(ApprovalsCmd::Approve { comment, .. } | ApprovalsCmd::Reject { comment, .. }) => {
            act_cmd::require_comment(comment)
        }
        Some(ApprovalsCmd::Request {
            action,
            comment,
            kind,
            ..
        }) => {
            if *action == JobKind::Release && kind.is_some() {
                return Err(CoreError::Invalid {
                    field: "type".into(),
                    message: "--type applies to an isolation, not a release.".into(),
                });
            }
            act_cmd::require_comment(comment)
        }
        _ => Ok(()),
    }
}

pub async fn run(app: &App, all: bool, cmd: Option<&ApprovalsCmd>, json: bool) -> Result<ExitCode> {
    match cmd {
        None => output_automation::proposals(json, &app.proposals(all).await?),
        Some(ApprovalsCmd::List { all: list_all }) => {
            output_automation::proposals(json, &app.proposals(all || *list_all).await?);
        }
        Some(ApprovalsCmd::Approve { ids, comment }) => {
            return decide(app, ids, true, comment, json).await;
        }
        Some(ApprovalsCmd::Reject { ids, comment }) => {
            return decide(app, ids, false, comment, json).await;
        }
        Some(ApprovalsCmd::Request {
            action,
            machine,
            comment,
            kind,
            override_reason,
        }) => {
            // The machine is resolved against a fresh machine list.
            app.refresh().await?;
            let p = app
                .propose(ProposalRequest {
                    machine: machine.clone(),
                    action: match action {
                        JobKind::Isolate => "isolate",
                        JobKind::Release => "release",
                    }
                    .into(),
                    isolation_type: *kind,
                    comment: comment.trim().to_owned(),
                    override_reason: override_reason.clone(),
                })
                .await?;
            output_automation::proposal(json, &p);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Approves or rejects `ids`; the approved ones' jobs run to their end.
async fn decide(
    app: &App,
    ids: &[String],
    approve: bool,
    comment: &str,
    json: bool,
) -> Result<ExitCode> {
    if approve {
        // The re-checks (already isolated, nothing to release) read the machine list.
        app.refresh().await?;
    }
    let outcomes = app
        .decide_proposals(ProposalVerdict {
            ids: ids.iter().map(|i| i.trim().to_owned()).collect(),
            approve,
            comment: comment.trim().to_owned(),
        })
        .await?;
    let mut jobs: Vec<JobDetail> = Vec::new();
    for id in outcomes.iter().filter_map(|o| o.job_id.as_deref()) {
        // The core started the job; this joins it and waits for its end.
        jobs.push(progress::while_running(app, app.resume_job(id)).await?);
    }
    output_automation::outcomes(json, &outcomes, &jobs);
    let refused = outcomes.iter().any(|o| o.refused.is_some());
    Ok(
        if refused || jobs.iter().any(rule_cmd::unfinished_or_failed) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}
