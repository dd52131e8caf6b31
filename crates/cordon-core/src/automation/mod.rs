//! Automation: the scheduled isolation rule (the script Cordon replaces, made safe)
//! and the approval queue.
//!
//! - [`decide`]: the pure decision with every guard rail (S-1 … S-10).
//! - `evaluate.rs`: one round — alerts fetched from the watermark minus an overlap
//!   and deduplicated by id in the store (no alert skipped, none taken twice, across
//!   restarts: the watermark is the newest *server* creation time seen), decided,
//!   and committed with its jobs, proposals and audit rows in one transaction.
//! - `approvals.rs`: proposals from the rule and from people; four eyes by the
//!   token's object id, an application never approves, expiry never executes.
//! - `settings.rs`: changing the rule (edits of what it matches return it to dry run;
//!   a promotion shows the dry-run record and needs an explicit confirmation).
//!
//! What the rule isolates runs through the journal and the runner like any job
//! (paced, idempotent, crash-safe). A pause holds the unsent items of rule-started
//! jobs in every process (the store's claim reads it before each POST).

mod approvals;
pub mod decide;
mod evaluate;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mde_api::Principal;
use tokio::sync::{OnceCell, broadcast};

use crate::dto::automation::{BreakerState, RuleStatus, Suppression};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::jobs::Jobs;
use crate::store::{NewAudit, Store, off_runtime};

/// What automation tells the front ends (desktop notifications, agent webhooks).
#[derive(Debug, Clone, PartialEq)]
pub enum AutomationEvent {
    /// The breaker opened: automatic isolations wait for a person.
    BreakerOpened { reason: String },
    /// Proposals wait for approval (how many wait now).
    ApprovalsWaiting { waiting: u32 },
    /// A round finished (decisions made).
    Round { decisions: u32 },
}

/// The rule and the approval queue of one tenant. Cheap to clone.
#[derive(Clone)]
pub struct Automation {
    fleet: Fleet,
    jobs: Jobs,
    store: Arc<Store>,
    me: Arc<OnceCell<Principal>>,
    events: broadcast::Sender<AutomationEvent>,
}

impl Automation {
    pub(crate) fn new(fleet: Fleet, jobs: Jobs, store: Arc<Store>) -> Self {
        Self {
            fleet,
            jobs,
            store,
            me: Arc::new(OnceCell::new()),
            events: broadcast::channel(64).0,
        }
    }

    /// Who this process acts as (the token's object id, name, and whether it is an
    /// application); asks the token once.
    pub async fn principal(&self) -> Result<Principal> {
        let client = self.fleet.client().clone();
        Ok(self
            .me
            .get_or_try_init(|| async move { client.principal().await })
            .await?
            .clone())
    }

    /// Automation's events.
    pub fn subscribe(&self) -> broadcast::Receiver<AutomationEvent> {
        self.events.subscribe()
    }

    /// The rule, its state and its dry-run record.
    pub async fn status(&self) -> Result<RuleStatus> {
        let (store, fleet) = (Arc::clone(&self.store), self.fleet.clone());
        off_runtime(move || evaluate::status(&store, &fleet))
            .await
            .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))
    }

    /// Pauses (S-6) or resumes automation, audited. Paused: no new automatic
    /// action, and the unsent items of rule-started jobs are held in every process;
    /// resumed: held jobs run again.
    pub async fn set_paused(&self, paused: bool) -> Result<RuleStatus> {
        let me = self.principal().await?;
        let row = NewAudit {
            actor: me.name.clone(),
            event: if paused {
                "rule.paused"
            } else {
                "rule.resumed"
            }
            .into(),
            detail: if paused {
                "automation paused: no new automatic action; unsent rule items held".into()
            } else {
                "automation resumed".into()
            },
            ..NewAudit::default()
        };
        self.store.set_paused(paused, &row, Utc::now())?;
        if !paused {
            self.jobs.spawn_unfinished()?;
        }
        self.status().await
    }

    /// Closes the breaker: only a person does (S-2), with a reason.
    pub async fn close_breaker(&self, comment: &str) -> Result<RuleStatus> {
        let me = self.principal().await?;
        if me.application {
            return Err(CoreError::Refused(
                "Only a person closes the breaker: sign in as yourself (delegated), not as the application.".into(),
            ));
        }
        if comment.trim().is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let row = NewAudit {
            actor: me.name.clone(),
            event: "breaker.closed".into(),
            comment: Some(comment.trim().to_owned()),
            detail: "the breaker was closed by a person".into(),
            ..NewAudit::default()
        };
        self.store
            .set_breaker(&BreakerState::default(), &row, Utc::now())?;
        self.status().await
    }

    /// Suppresses a detection (`title` or `detector`) for `days` days after a false
    /// positive, audited and expiring.
    pub async fn suppress(
        &self,
        kind: &str,
        value: &str,
        days: u32,
        reason: &str,
    ) -> Result<RuleStatus> {
        if !matches!(kind, "title" | "detector") {
            return Err(CoreError::Invalid {
                field: "kind".into(),
                message: "Suppress a detection by its alert title or its detector id.".into(),
            });
        }
        if value.trim().is_empty() || !(1..=90).contains(&days) {
            return Err(CoreError::Invalid {
                field: "days".into(),
                message: "Name the detection and suppress it for 1 to 90 days.".into(),
            });
        }
        if reason.trim().is_empty() {
            return Err(CoreError::EmptyComment);
        }
        let me = self.principal().await?;
        let now = Utc::now();
        let s = Suppression {
            kind: kind.to_owned(),
            value: value.trim().to_owned(),
            until: crate::time::rfc3339(now + chrono::Duration::days(i64::from(days))),
            by: me.name,
            reason: reason.trim().to_owned(),
        };
        self.store.suppress(&s, now)?;
        self.status().await
    }

    /// What the agent reports (health, metrics, notices), read now.
    pub async fn agent_snapshot(&self, tenant: &str) -> Result<crate::agent::AgentSnapshot> {
        let sync = self.fleet.status();
        let throttled_total = self.fleet.client().throttled_total();
        let team = self.jobs.team().status().await?;
        let leads = team
            .processes
            .iter()
            .find(|p| p.me)
            .map(|p| p.leads.clone())
            .unwrap_or_default();
        let agents_alive = team.processes.iter().filter(|p| p.kind == "agent").count() as u32;
        let (store, tenant) = (Arc::clone(&self.store), tenant.to_owned());
        off_runtime(move || {
            let by_state = store.open_items_by_state()?;
            let waiting = store.proposals(false)?;
            let settings = store.rule_settings()?;
            Ok(crate::agent::AgentSnapshot {
                tenant,
                last_sync: sync
                    .synced_at
                    .as_deref()
                    .and_then(crate::time::parse_rfc3339),
                sync_error: sync.error.map(|e| e.to_string()),
                queue_depth: by_state
                    .iter()
                    .filter(|(s, _)| matches!(s.as_str(), "planned" | "sending" | "unknown"))
                    .map(|(_, n)| n)
                    .sum(),
                items_by_state: by_state,
                throttled_total,
                breaker_open: store.breaker()?.open,
                paused: store.automation_paused()?,
                rule_mode: Some(settings.mode),
                rule_last_run: store.rule_last_run()?,
                approvals_waiting: waiting.len() as u32,
                oldest_waiting: waiting
                    .iter()
                    .filter_map(|p| crate::time::parse_rfc3339(&p.proposed_at))
                    .min(),
                leads,
                agents_alive,
            })
        })
        .await
        .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))
    }

    /// The rule's loop: a round every `interval_minutes` (checked every few seconds,
    /// so a changed interval or mode takes effect soon), proposals expired on time.
    /// Ends when the last `App` is dropped (it holds a weak reference).
    pub(crate) async fn run_loop(weak: std::sync::Weak<crate::app::Inner>) {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let Some(inner) = weak.upgrade() else { return };
            let auto = inner.automation.clone();
            drop(inner);
            auto.tick().await;
        }
    }

    /// One check of the loop: expire proposals; run a round when one is due.
    pub(crate) async fn tick(&self) {
        // Only the automation's leader runs rounds (the lease is bid for here, and
        // renewed every tick while held); the others wait quietly.
        let team = self.jobs.team();
        if !team.may_lead_automation()
            || !team
                .lead(crate::team::AUTOMATION_LEASE)
                .await
                .unwrap_or(false)
        {
            return;
        }
        let store = Arc::clone(&self.store);
        let due = off_runtime(move || -> Result<bool> {
            store.expire_proposals(Utc::now())?;
            let s = store.rule_settings()?;
            let last = store.rule_last_run()?;
            Ok(s.mode != crate::dto::automation::RuleMode::Off
                && last.is_none_or(|l| {
                    Utc::now() - l
                        >= chrono::Duration::minutes(i64::from(s.interval_minutes.max(1)))
                }))
        })
        .await;
        if let Some(Ok(true)) = due
            && let Err(e) = self.run_round().await
        {
            tracing::warn!(error = %e, "the isolation rule's round failed; it runs again at the next interval");
        }
    }
}
