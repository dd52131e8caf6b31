//! `cordon jobs [list | show ID | resume | cancel ID | wait ID]`: the journal's bulk jobs.
//! Listing and showing read the local store only (no request); `resume` finishes every
//! unfinished job, looking up whatever a crash left in flight before sending anything;
//! `wait` follows a job's actions in Defender until they end (as `--wait` does).

use std::process::ExitCode;

use cordon_core::{App, Result};

use crate::cli::JobsCmd;
use crate::{bulk_wait, output_jobs, progress};

pub async fn run(app: &App, cmd: Option<&JobsCmd>, json: bool) -> Result<ExitCode> {
    match cmd.unwrap_or(&JobsCmd::List) {
        JobsCmd::List => output_jobs::jobs(json, &app.jobs()?),
        JobsCmd::Show { id } => output_jobs::job(json, &app.job(id.trim())?),
        JobsCmd::Resume => {
            let done = progress::while_running(app, app.resume_all()).await?;
            if json {
                output_jobs::jobs(true, &done);
            } else if done.is_empty() {
                eprintln!("No unfinished job.");
            } else {
                for j in &done {
                    println!("{}", output_jobs::summary_line(j));
                }
            }
            if done.iter().any(|j| j.failed > 0 || j.finished < j.total) {
                return Ok(ExitCode::from(1));
            }
        }
        JobsCmd::Wait { id, limit } => {
            let detail = app.job(id.trim())?;
            return bulk_wait::run(app, None, &detail, *limit, json).await;
        }
        JobsCmd::Cancel { id } => {
            let j = app.cancel_job(id.trim())?;
            if json {
                output_jobs::jobs(true, std::slice::from_ref(&j));
            } else {
                println!("{}", output_jobs::summary_line(&j));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
