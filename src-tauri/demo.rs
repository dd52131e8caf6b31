//! The demo tenant's people and its automation story.
//!
//! The demo signs in as the simulator's Demo Analyst (a person, delegated), not as an
//! application: only a person may approve a proposal or close the breaker, and the
//! demo must show the approval queue working. A fresh demo store starts with a week
//! of dry-run decisions (a promotion then has a record to show) and two proposals by
//! the Demo Lead — another person, so the analyst may approve them (four eyes) — for
//! machines with recent High alerts. Seeding runs on short-lived cores before the
//! window's core starts, so the rule's own loop never runs a round first (the week of
//! dry run is only written where the rule never ran).

use std::path::Path;
use std::sync::Arc;

use chrono::Duration;
use cordon_core::dto::automation::{AlertFilter, AlertRow, ProposalRequest, Severity};
use cordon_core::dto::{IsolationState, MachineRow};
use cordon_core::{App, CoreError, tenant};
use mde_api::{Credentials, RefreshTokenStore, Secret};
use mde_sim::control_client::SimControl;
use mde_sim::identities;

/// Days of dry run a fresh demo starts with.
pub const DRY_RUN_DAYS: u32 = 7;
/// The comment of the Demo Lead's proposals.
pub const LEAD_COMMENT: &str = "Lead: please confirm, beaconing seen";

/// Where a demo person's rotated refresh tokens go: nowhere but the client's memory.
/// The demo's people are the simulator's well-known identities, signed in again at
/// every start; nothing of theirs is written to disk or to the OS credential store.
#[derive(Debug)]
struct MemoryOnly;

impl RefreshTokenStore for MemoryOnly {
    fn save(&self, _: &Secret) {}
}

/// `upn`'s delegated credentials on the simulator at `base` (its control API signs the
/// person in as a browser sign-in to the public client would).
pub async fn person(base: &str, upn: &str) -> Result<Credentials, CoreError> {
    let signed = SimControl::new(base)
        .sign_in_person(upn)
        .await
        .map_err(|e| CoreError::Demo(format!("the demo sign-in of {upn} failed: {e}")))?;
    Ok(Credentials::Delegated {
        tenant_id: identities::TENANT_ID.to_owned(),
        client_id: identities::PUBLIC_CLIENT_ID.to_owned(),
        refresh_token: Secret::new(signed.refresh_token),
        store: Arc::new(MemoryOnly),
    })
}

/// The demo tenant's core over the simulator at `base`, as the Demo Analyst, started,
/// on the demo store; a `fresh` store is seeded first (a failed seed is only a warning:
/// the demo works without its story).
pub async fn core(base: &str, data_dir: &Path, fresh: bool) -> Result<App, CoreError> {
    if fresh && let Err(e) = seed(base, data_dir).await {
        tracing::warn!(error = %e, "the demo's automation story could not be seeded");
    }
    let analyst = person(base, identities::DEMO_USER).await?;
    App::start(tenant::demo_config(base, analyst, data_dir)?)
}

/// A week of dry run (as the analyst), then the lead's two proposals.
async fn seed(base: &str, data_dir: &Path) -> Result<(), CoreError> {
    let config = |credentials| tenant::demo_config(base, credentials, data_dir);
    let analyst = App::new(config(person(base, identities::DEMO_USER).await?)?)?;
    analyst.refresh().await?;
    let rounds = analyst.seed_rule_dry_run(DRY_RUN_DAYS).await?;
    drop(analyst);
    let lead = App::new(config(person(base, identities::DEMO_LEAD).await?)?)?;
    let snapshot = lead.refresh().await?;
    let since = lead.now() - Duration::days(i64::from(DRY_RUN_DAYS));
    let alerts = lead
        .alerts(AlertFilter {
            since: Some(cordon_core::time::rfc3339(since)),
            min_severity: Some(Severity::High),
            machine_id: None,
        })
        .await?;
    // The simulator's truth of who is online: an approved isolation of an offline
    // laptop would wait for days.
    let online: Vec<String> = SimControl::new(base)
        .state()
        .await
        .map_err(|e| CoreError::Demo(format!("the demo tenant's state: {e}")))?
        .machines
        .into_iter()
        .filter(|m| m.online)
        .map(|m| m.id)
        .collect();
    let targets = proposal_targets(&alerts, &snapshot.machines, &online, 2);
    for machine in &targets {
        lead.propose(ProposalRequest {
            machine: machine.clone(),
            action: "isolate".into(),
            isolation_type: None,
            comment: LEAD_COMMENT.into(),
            override_reason: None,
        })
        .await?;
    }
    tracing::info!(
        rounds,
        proposals = targets.len(),
        "demo automation seeded: a week of dry run and the lead's proposals"
    );
    Ok(())
}

/// Up to `n` machines for the lead to propose: those of the newest High alerts that
/// are `online` and not isolated (an approval of an isolated machine would be
/// refused), each once.
pub fn proposal_targets(
    alerts: &[AlertRow],
    machines: &[MachineRow],
    online: &[String],
    n: usize,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in alerts.iter().filter(|a| a.severity == "High") {
        let Some(id) = a.machine_id.as_deref() else {
            continue;
        };
        let fit = online.iter().any(|o| o.eq_ignore_ascii_case(id))
            && machines
                .iter()
                .any(|m| m.id.eq_ignore_ascii_case(id) && m.state == IsolationState::NotIsolated);
        if fit && !out.iter().any(|x| x.eq_ignore_ascii_case(id)) {
            out.push(id.to_ascii_lowercase());
        }
        if out.len() == n {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(id: &str, machine: &str, severity: &str) -> AlertRow {
        AlertRow {
            id: id.into(),
            title: "t".into(),
            severity: severity.into(),
            status: "New".into(),
            machine_id: Some(machine.into()),
            machine_name: None,
            detection_source: None,
            detector_id: None,
            category: None,
            created: None,
            decision: None,
            decision_reason: None,
        }
    }

    fn machine(id: &str, state: IsolationState) -> MachineRow {
        MachineRow {
            id: id.into(),
            name: id.into(),
            state,
            reason: String::new(),
            since: None,
            isolated_now: state != IsolationState::NotIsolated,
            pending: false,
            health: "Active".into(),
            last_seen: None,
            os: String::new(),
            risk: None,
            exposure: None,
            device_value: None,
            tags: Vec::new(),
            group: None,
            ip: None,
        }
    }

    #[test]
    fn the_lead_proposes_online_machines_not_isolated_with_high_alerts_once() {
        let machines = [
            machine("a", IsolationState::NotIsolated),
            machine("b", IsolationState::Isolated),
            machine("c", IsolationState::NotIsolated),
            machine("d", IsolationState::NotIsolated),
            machine("e", IsolationState::NotIsolated),
        ];
        let online: Vec<String> = ["a", "b", "d", "e"].map(String::from).to_vec();
        let alerts = [
            alert("1", "A", "High"),
            alert("2", "a", "High"),
            alert("3", "b", "High"),
            alert("4", "c", "High"),
            alert("5", "e", "Medium"),
            alert("6", "d", "High"),
            alert("7", "e", "High"),
        ];
        assert_eq!(proposal_targets(&alerts, &machines, &online, 2), ["a", "d"]);
        assert_eq!(
            proposal_targets(&alerts, &machines, &online, 5),
            ["a", "d", "e"]
        );
    }
}
