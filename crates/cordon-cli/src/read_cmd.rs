//! The read-only commands: `status`, `machines`, `machine`, `actions`, `alerts`. Each
//! syncs the tenant once (or asks Defender for just what it lists), then answers from
//! the same derivation as the desktop app.

use cordon_core::dto::ActionFilter;
use cordon_core::dto::automation::AlertFilter;
use cordon_core::dto::grid::GridFilter;
use cordon_core::{App, AppConfig, Result};

use crate::cli::Command;
use crate::{output, output_automation};

pub async fn run(app: &App, cmd: &Command, json: bool) -> Result<()> {
    match cmd {
        Command::Status => {
            app.refresh().await?;
            output::status(json, &app.snapshot().counters);
        }
        Command::Machines {
            isolated, search, ..
        } => {
            app.sync_once(false).await?;
            let list = app.grid_rows(&filter(*isolated, search))?;
            output::machines(json, &list.machines, list.as_of.as_deref());
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

/// `cordon machines --offline`: the store alone, without loading the cache or asking
/// Defender.
pub fn machines_offline(
    cfg: &AppConfig,
    isolated: bool,
    search: &Option<String>,
    json: bool,
) -> Result<()> {
    let list = App::grid_rows_offline(cfg, &filter(isolated, search))?;
    output::machines(json, &list.machines, list.as_of.as_deref());
    Ok(())
}

fn filter(isolated: bool, search: &Option<String>) -> GridFilter {
    GridFilter {
        isolated_now: isolated,
        search: search.clone(),
        ..GridFilter::default()
    }
}
