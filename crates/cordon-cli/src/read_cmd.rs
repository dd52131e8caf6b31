//! The read-only commands: `status`, `machines`, `machine`, `actions`, `alerts`. Each
//! syncs the tenant once (or asks Defender for just what it lists), then answers from
//! the same derivation as the desktop app.

use cordon_core::dto::automation::AlertFilter;
use cordon_core::dto::{ActionFilter, MachineRow};
use cordon_core::{App, Result};

use crate::cli::Command;
use crate::{output, output_automation};

pub async fn run(app: &App, cmd: &Command, json: bool) -> Result<()> {
    match cmd {
        Command::Status => {
            app.refresh().await?;
            output::status(json, &app.snapshot().counters);
        }
        Command::Machines { isolated, search } => {
            app.refresh().await?;
            let rows: Vec<MachineRow> = app
                .snapshot()
                .machines
                .into_iter()
                .filter(|m| !isolated || m.isolated_now)
                .filter(|m| search.as_deref().is_none_or(|s| output::matches(m, s)))
                .collect();
            output::machines(json, &rows);
        }
        Command::Machine { machine } => {
            app.refresh().await?;
            let row = app.find_machine(machine).await?;
            output::detail(json, &app.machine_detail(&row.id)?);
        }
        Command::Actions {
            machine,
            action_type,
            status,
            since,
        } => {
            if machine.is_some() {
                // Names are resolved against the machine list.
                app.refresh().await?;
            }
            let rows = app
                .actions(ActionFilter {
                    machine: machine.clone(),
                    action_type: action_type.clone(),
                    status: status.clone(),
                    since: since.clone(),
                })
                .await?;
            output::actions(json, &rows);
        }
        Command::Alerts { since, severity } => {
            let rows = app
                .alerts(AlertFilter {
                    since: since.clone(),
                    min_severity: *severity,
                    machine_id: None,
                })
                .await?;
            output_automation::alerts(json, &rows);
        }
        _ => {}
    }
    Ok(())
}
