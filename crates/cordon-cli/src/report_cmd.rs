//! The read-only views of the journal and the tenant: `cordon reconcile` (the
//! Reconciliation view's rows), `cordon batches` (isolations grouped by cause),
//! `cordon history` (every isolation action, CSV like the app's export) and
//! `cordon audit` (the local append-only log, JSON or CSV like the app's export).

use cordon_core::dto::jobs::{AuditFilter, ExportFormat, HistoryFilter};
use cordon_core::{App, Result};

use crate::cli::Command;
use crate::{output_jobs, output_json};

pub async fn run(app: &App, cmd: &Command, json: bool) -> Result<()> {
    match cmd {
        Command::Reconcile => {
            app.refresh().await?;
            output_jobs::reconcile(json, &app.reconciliation()?);
        }
        Command::Batches => {
            app.refresh().await?;
            output_jobs::batches(json, &app.groups());
        }
        Command::History {
            since,
            until,
            kind,
            status,
            requestor,
            machine,
            csv,
        } => {
            app.refresh().await?;
            let filter = HistoryFilter {
                kind: *kind,
                status: status.clone(),
                requestor: requestor.clone(),
                machine: machine.clone(),
                since: since.clone(),
                until: until.clone(),
                ..HistoryFilter::default()
            };
            // The CLI prints every match, not the view's page.
            if *csv {
                print!("{}", app.history_csv(filter)?);
            } else {
                output_jobs::history(json, &app.history_all(filter)?);
            }
        }
        Command::Audit {
            since,
            until,
            text,
            job,
            csv,
        } => {
            let filter = AuditFilter {
                text: text.clone(),
                since: since.clone(),
                until: until.clone(),
                job_id: job.clone(),
                ..AuditFilter::default()
            };
            if *csv {
                print!("{}", app.audit_export(&filter, ExportFormat::Csv)?);
            } else if json {
                // The export's JSON document, through the one (ASCII-only) printer.
                output_json::print(&app.audit_all(&filter)?);
            } else {
                output_jobs::audit(&app.audit_all(&filter)?);
            }
        }
        _ => {}
    }
    Ok(())
}
