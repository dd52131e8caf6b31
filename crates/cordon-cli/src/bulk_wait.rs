//! `--wait` on `isolate` and `release`: after the job's POSTs, follow each machine's
//! action in Defender (through the core's [`App::wait_job`]) until it ends or the time
//! runs out. Each machine that ends is a progress line on stderr (`n of N ended,
//! <machine>: <status>`); the result lines (or the JSON document) come at the end on
//! stdout. Exit 0 only if every action Succeeded; 1 if any ended otherwise or was never
//! sent; 6 if none failed but some were still under way when the time ran out.

use std::process::ExitCode;
use std::time::Duration;

use cordon_core::dto::jobs::{BulkPreview, JobDetail};
use cordon_core::dto::wait::{WaitItem, WaitOutcome, WaitReport};
use cordon_core::{App, Result};

use crate::{output_jobs, output_wait};

/// The exit code of a wait that ran out with nothing failed (see `cli::EXIT_CODES`).
pub const RAN_OUT: u8 = 6;

pub async fn run(
    app: &App,
    preview: Option<&BulkPreview>,
    detail: &JobDetail,
    limit: Duration,
    json: bool,
) -> Result<ExitCode> {
    eprintln!("{}", output_jobs::summary_line(&detail.job));
    let total = detail.items.len();
    eprintln!(
        "Waiting up to {} for Defender to carry out {total} action(s)…",
        output_wait::span(limit)
    );
    let mut ended = 0usize;
    let report = app
        .wait_job(&detail.job.id, limit, |item| {
            ended += 1;
            eprintln!("{}", progress_line(ended, total, item));
        })
        .await?;
    output_wait::result(json, preview, detail, &report);
    Ok(ExitCode::from(exit_code(&report)))
}

/// 0 when every action succeeded, 1 when any failed (or was never sent), else 6.
pub fn exit_code(r: &WaitReport) -> u8 {
    if r.failed > 0 {
        1
    } else if r.waiting > 0 {
        RAN_OUT
    } else {
        0
    }
}

/// `3 of 80 ended, ws-01.contoso.local: Succeeded`.
fn progress_line(n: usize, total: usize, item: &WaitItem) -> String {
    let name = item.machine_name.as_deref().unwrap_or(&item.machine_id);
    let how = match item.outcome {
        WaitOutcome::NotSent => format!(
            "not sent: {}",
            item.error
                .as_ref()
                .map_or_else(|| "cancelled".to_owned(), ToString::to_string)
        ),
        _ => item.status.clone().unwrap_or_default(),
    };
    format!("{n} of {total} ended, {name}: {how}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(succeeded: u32, failed: u32, waiting: u32) -> WaitReport {
        WaitReport {
            job_id: "j".into(),
            ran_out: waiting > 0,
            waited_secs: 1,
            succeeded,
            failed,
            waiting,
            items: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn the_exit_code_says_how_the_wait_ended() {
        assert_eq!(exit_code(&report(3, 0, 0)), 0);
        assert_eq!(exit_code(&report(2, 1, 0)), 1);
        assert_eq!(
            exit_code(&report(1, 1, 1)),
            1,
            "a failure needs a person first"
        );
        assert_eq!(exit_code(&report(2, 0, 1)), RAN_OUT);
    }

    #[test]
    fn progress_names_the_machine_and_its_status() {
        let item = WaitItem {
            machine_id: "ab".repeat(20),
            machine_name: Some("ws-01.contoso.local".into()),
            action_id: Some("a-1".into()),
            status: Some("Succeeded".into()),
            outcome: WaitOutcome::Succeeded,
            updated: None,
            error: None,
        };
        assert_eq!(
            progress_line(3, 80, &item),
            "3 of 80 ended, ws-01.contoso.local: Succeeded"
        );
    }
}
