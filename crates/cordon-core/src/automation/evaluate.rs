//! One round of the rule, with its effects: fetch the alerts from the watermark minus
//! the overlap, drop the ones already taken (ids kept in the store), decide
//! ([`super::decide`]), and commit the round — seen ids, decisions, proposals, jobs,
//! audit rows, watermark, breaker — in one transaction before any job runs. Also the
//! rule's status and the Alerts view's rows.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use mde_api::{Alert, Filter, Principal, Query};

use super::decide::{self, AlertFacts, MachineFacts, Memory, Suppressed};
use super::{Automation, AutomationEvent};
use crate::dto::automation::{
    AlertFilter, AlertRow, BreakerState, DecisionKind, Proposal, ProposalState, RuleDecision,
    RuleMode, RuleSettings, RuleStatus, Severity,
};
use crate::dto::jobs::JobKind;
use crate::dto::{IsolationState, MachineRow};
use crate::error::{CoreError, Result};
use crate::fleet::Fleet;
use crate::store::{
    DecisionRow, NewItem, NewJob, RULE_SOURCE, Round, Store, off_runtime, parse_ts,
};
use crate::time::rfc3339;

/// How far back the rule's memory of its own isolations reaches for "still isolated
/// by the rule" (Y).
const MEMORY_DAYS: i64 = 30;

/// The proposer id of what the rule queues: the rule is not a person, so whoever runs
/// it (the desktop's analyst, the agent's application) may still approve its
/// proposals as the second pair of eyes; people's own requests carry their object id.
pub const RULE_PROPOSER: &str = "cordon:isolation-rule";

/// The comment of the seed's script, kept so Defender's log reads the same.
pub fn rule_comment(alert_id: &str) -> String {
    format!("Isolate machine because alert - {alert_id}")
}

pub(crate) fn facts_of(a: &Alert) -> AlertFacts {
    AlertFacts {
        id: a.id.clone(),
        machine_id: a.machine_id.as_deref().map(str::to_ascii_lowercase),
        severity: a
            .severity
            .as_ref()
            .and_then(|s| Severity::parse(s.as_str())),
        title: a.title.clone(),
        category: a.category.clone(),
        detection_source: a.detection_source.clone(),
        detector_id: a.detector_id.clone(),
        service_source: None,
        created: a.alert_creation_time,
    }
}

fn machine_facts(
    rows: &[MachineRow],
    open_isolations: &HashSet<String>,
) -> HashMap<String, MachineFacts> {
    rows.iter()
        .map(|r| {
            let id = r.id.to_ascii_lowercase();
            let active = r.isolated_now
                || r.state == IsolationState::Isolating
                || open_isolations.contains(&id);
            (
                id.clone(),
                MachineFacts {
                    id,
                    name: r.name.clone(),
                    tags: r.tags.clone(),
                    group: r.group.clone(),
                    high_value: r
                        .device_value
                        .as_deref()
                        .is_some_and(|v| v.eq_ignore_ascii_case("High")),
                    server: r.os.to_ascii_lowercase().starts_with("windowsserver"),
                    isolation_active: active,
                },
            )
        })
        .collect()
}

/// What the store remembers, for a decision at `now` over `rows`.
fn memory(
    store: &Store,
    s: &RuleSettings,
    rows: &[MachineRow],
    now: DateTime<Utc>,
) -> Result<Memory> {
    let reach = Duration::hours(i64::from(s.flap_hours))
        .max(Duration::minutes(i64::from(s.window_minutes)));
    let recent = store.rule_isolations_since(now - reach.max(Duration::hours(1)))?;
    let last_hour = recent
        .iter()
        .filter(|(_, at)| *at > now - Duration::hours(1))
        .count() as u32
        + store.approved_isolations_since(now - Duration::hours(1))?;
    let isolated_now: HashSet<String> = rows
        .iter()
        .filter(|r| r.isolated_now || r.state == IsolationState::Isolating)
        .map(|r| r.id.to_ascii_lowercase())
        .collect();
    let by_rule: HashSet<String> = store
        .rule_isolations_since(now - Duration::days(MEMORY_DAYS))?
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| isolated_now.contains(id))
        .collect();
    let mut group_sizes: HashMap<String, u32> = HashMap::new();
    for r in rows {
        if let Some(g) = &r.group {
            *group_sizes.entry(g.clone()).or_default() += 1;
        }
    }
    Ok(Memory {
        rule_isolations: recent,
        automation_last_hour: last_hour,
        isolated_by_rule_now: by_rule.len() as u32,
        waiting: store
            .proposals(false)?
            .into_iter()
            .filter(|p| p.action == "isolate")
            .map(|p| p.machine_id)
            .collect(),
        breaker_open: store.breaker()?.open,
        paused: store.automation_paused()?,
        suppressions: store
            .suppressions(now)?
            .into_iter()
            .map(|x| Suppressed {
                kind: x.kind,
                value: x.value,
                until: parse_ts(&x.until),
            })
            .collect(),
        group_sizes,
    })
}

/// The rule's status (settings, pause, breaker, counts, dry-run record).
pub(crate) fn status(store: &Store, fleet: &Fleet) -> Result<RuleStatus> {
    let settings = store.rule_settings()?;
    let now = Utc::now();
    let rows = fleet.snapshot().machines;
    let mem = memory(store, &settings, &rows, now)?;
    let last_run = store.rule_last_run()?;
    let window = Duration::minutes(i64::from(settings.window_minutes));
    Ok(RuleStatus {
        paused: mem.paused,
        breaker: store.breaker()?,
        last_run: last_run.map(rfc3339),
        next_run: (settings.mode != RuleMode::Off).then(|| {
            rfc3339(last_run.map_or(now, |l| {
                l + Duration::minutes(i64::from(settings.interval_minutes))
            }))
        }),
        watermark: store.rule_watermark()?.map(rfc3339),
        isolated_in_window: mem
            .rule_isolations
            .iter()
            .filter(|(_, at)| *at > now - window)
            .count() as u32,
        isolated_by_rule_now: mem.isolated_by_rule_now,
        waiting_approvals: store.proposals(false)?.len() as u32,
        dry_run: store.dry_run_record(now, 7)?,
        suppressions: store.suppressions(now)?,
        settings,
    })
}

impl Automation {
    /// One evaluation now; the isolations it decides start in the background.
    pub async fn run_round(&self) -> Result<Vec<RuleDecision>> {
        self.fleet.ready().await;
        let (decisions, jobs) = self.evaluate().await?;
        for id in &jobs {
            self.jobs.launch(id);
        }
        Ok(decisions)
    }

    /// Takes (or renews) the automation's lease, or says who runs the rule: one
    /// process per store runs it (on a team store, an agent).
    pub(crate) async fn lead(&self) -> Result<()> {
        let team = self.jobs.team();
        if !team.may_lead_automation() {
            return Err(CoreError::Refused(
                "On a team store the isolation rule runs on the agent (`cordon agent`), not here: see Settings → Team for which agent runs it.".into(),
            ));
        }
        if team.lead(crate::team::AUTOMATION_LEASE).await? {
            return Ok(());
        }
        let leader = team
            .status()
            .await
            .ok()
            .and_then(|s| s.automation_leader)
            .unwrap_or_else(|| "another process".into());
        Err(CoreError::Refused(format!(
            "The isolation rule runs on {leader} now; only one process runs it, so this round was not run."
        )))
    }

    /// One evaluation now, its isolations run to their end (`cordon rule run --once`).
    pub async fn run_round_and_wait(&self) -> Result<Vec<RuleDecision>> {
        let (decisions, jobs) = self.evaluate().await?;
        for id in &jobs {
            self.jobs.launch_and_wait(id).await;
        }
        Ok(decisions)
    }

    /// Fetches, decides and commits one round; returns its decisions and the ids of
    /// the jobs it committed.
    async fn evaluate(&self) -> Result<(Vec<RuleDecision>, Vec<String>)> {
        self.lead().await?;
        let me = self.principal().await?;
        let store = Arc::clone(&self.store);
        let settings = {
            let st = Arc::clone(&store);
            off_runtime(move || st.rule_settings())
                .await
                .unwrap_or_else(|| Ok(RuleSettings::default()))?
        };
        if settings.mode == RuleMode::Off {
            return Ok((Vec::new(), Vec::new()));
        }
        let watermark = store.rule_watermark()?;
        let overlap = Duration::minutes(i64::from(settings.overlap_minutes));
        // First round: the last interval, on the tenant's clock (as the seed's script).
        let from = watermark.map_or_else(
            || self.fleet.now() - Duration::minutes(i64::from(settings.interval_minutes.max(60))),
            |w| w - overlap,
        );
        let query = Query::new().filter(Filter::ge("alertCreationTime", from));
        let alerts = self.fleet.client().list_alerts(&query).await?;
        let (fleet, auto) = (self.fleet.clone(), self.clone());
        let out =
            off_runtime(move || auto.decide_and_commit(&me, &settings, &alerts, watermark, &fleet))
                .await
                .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))?;
        Ok(out)
    }

    fn decide_and_commit(
        &self,
        me: &Principal,
        s: &RuleSettings,
        alerts: &[Alert],
        watermark: Option<DateTime<Utc>>,
        fleet: &Fleet,
    ) -> Result<(Vec<RuleDecision>, Vec<String>)> {
        let store = &self.store;
        let ids: Vec<String> = alerts.iter().map(|a| a.id.clone()).collect();
        let seen = store.seen_alerts(&ids)?;
        let fresh: Vec<&Alert> = alerts.iter().filter(|a| !seen.contains(&a.id)).collect();
        let newest = alerts.iter().filter_map(|a| a.alert_creation_time).max();
        let new_watermark = match (watermark, newest) {
            (Some(w), Some(n)) => Some(w.max(n)),
            (w, n) => w.or(n),
        };
        let now = Utc::now();
        let rows = fleet.snapshot().machines;
        let open = store.open_isolation_machines()?;
        let machines = machine_facts(&rows, &open);
        let mem = memory(store, s, &rows, now)?;
        let facts: Vec<AlertFacts> = fresh.iter().map(|a| facts_of(a)).collect();
        let outcome = decide::decide(s, &facts, &machines, &mem, now);
        let titles: HashMap<&str, Option<String>> = fresh
            .iter()
            .map(|a| (a.id.as_str(), a.title.clone()))
            .collect();
        let mut jobs = Vec::new();
        let decisions: Vec<DecisionRow> = outcome
            .decisions
            .iter()
            .map(|d| {
                let name = machines.get(&d.machine_id).map(|m| m.name.clone());
                let comment = rule_comment(&d.alert_id);
                let job = (d.kind == DecisionKind::Isolated).then(|| {
                    let id = uuid::Uuid::new_v4().to_string();
                    jobs.push(id.clone());
                    (
                        NewJob {
                            id,
                            kind: JobKind::Isolate,
                            comment: comment.clone(),
                            isolation_type: d.isolation_type,
                            requested_by: me.name.clone(),
                            source: Some(format!("{RULE_SOURCE}{}", d.alert_id)),
                            sender: Some(crate::team::AUTOMATION.to_owned()),
                        },
                        NewItem {
                            machine_id: d.machine_id.clone(),
                            machine_name: name.clone(),
                        },
                    )
                });
                let proposal = (d.kind == DecisionKind::Queued).then(|| Proposal {
                    id: uuid::Uuid::new_v4().to_string(),
                    machine_id: d.machine_id.clone(),
                    machine_name: name.clone(),
                    action: "isolate".into(),
                    isolation_type: d.isolation_type,
                    comment,
                    reason: d.reason.clone(),
                    alert_id: Some(d.alert_id.clone()),
                    proposed_by: format!("isolation rule ({})", me.name),
                    proposed_at: rfc3339(now),
                    expires_at: rfc3339(
                        now + Duration::hours(i64::from(s.approval_expiry_hours.max(1))),
                    ),
                    state: ProposalState::Waiting,
                    decided_by: None,
                    decided_at: None,
                    decision_comment: None,
                    job_id: None,
                    overrides_protection: false,
                });
                DecisionRow {
                    alert_id: d.alert_id.clone(),
                    machine_id: d.machine_id.clone(),
                    machine_name: name,
                    kind: d.kind,
                    reason: d.reason.clone(),
                    alert_title: titles.get(d.alert_id.as_str()).cloned().flatten(),
                    job,
                    proposal,
                }
            })
            .collect();
        let breaker = outcome.breaker_opened.as_ref().map(|why| BreakerState {
            open: true,
            opened_at: Some(rfc3339(now)),
            reason: Some(why.clone()),
        });
        let round = Round {
            at: now,
            mode: s.mode,
            actor: me.name.clone(),
            actor_oid: RULE_PROPOSER.to_owned(),
            seen: fresh
                .iter()
                .map(|a| (a.id.clone(), a.alert_creation_time))
                .collect(),
            decisions,
            watermark: new_watermark,
            breaker,
            // Kept a day longer than the overlap: a late alert is always recognised.
            forget_before: now
                - Duration::minutes(i64::from(s.overlap_minutes))
                - Duration::days(1),
        };
        store.commit_round(&round)?;
        if let Some(why) = outcome.breaker_opened {
            let _ = self
                .events
                .send(AutomationEvent::BreakerOpened { reason: why });
        }
        let queued = round.decisions.iter().any(|d| d.proposal.is_some());
        if queued {
            let waiting = store.proposals(false)?.len() as u32;
            let _ = self
                .events
                .send(AutomationEvent::ApprovalsWaiting { waiting });
        }
        let _ = self.events.send(AutomationEvent::Round {
            decisions: round.decisions.len() as u32,
        });
        let at = rfc3339(now);
        let out = round
            .decisions
            .into_iter()
            .map(|d| RuleDecision {
                alert_id: d.alert_id,
                machine_id: d.machine_id,
                machine_name: d.machine_name,
                decision: d.kind,
                reason: d.reason,
                at: at.clone(),
                job_id: d.job.map(|(j, _)| j.id),
                proposal_id: d.proposal.map(|p| p.id),
                alert_title: d.alert_title,
            })
            .collect();
        Ok((out, jobs))
    }

    /// Recent alerts (live from Defender) with what the rule decided for each.
    pub async fn alerts(&self, filter: AlertFilter) -> Result<Vec<AlertRow>> {
        let since = match filter
            .since
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => crate::fleet::actions::parse_since(s)?,
            None => self.fleet.now() - Duration::hours(24),
        };
        let query = Query::new().filter(Filter::ge("alertCreationTime", since));
        let mut alerts = self.fleet.client().list_alerts(&query).await?;
        let min = filter.min_severity.unwrap_or(Severity::Informational);
        alerts.retain(|a| {
            facts_of(a).severity.is_some_and(|s| s >= min)
                && filter.machine_id.as_deref().is_none_or(|m| {
                    a.machine_id
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(m))
                })
        });
        alerts.sort_by_key(|a| std::cmp::Reverse(a.alert_creation_time));
        let ids: Vec<String> = alerts.iter().map(|a| a.id.clone()).collect();
        let store = Arc::clone(&self.store);
        let decided = off_runtime(move || store.decisions_for(&ids))
            .await
            .unwrap_or_else(|| Ok(HashMap::new()))?;
        Ok(alerts
            .into_iter()
            .map(|a| {
                let d = decided.get(&a.id);
                AlertRow {
                    title: a.title.clone().unwrap_or_default(),
                    severity: a
                        .severity
                        .as_ref()
                        .map_or("UnSpecified", |s| s.as_str())
                        .to_owned(),
                    status: a
                        .status
                        .as_ref()
                        .map_or("Unknown", |s| s.as_str())
                        .to_owned(),
                    machine_name: a
                        .computer_dns_name
                        .clone()
                        .or_else(|| a.machine_id.as_deref().and_then(|m| self.fleet.name_of(m))),
                    machine_id: a.machine_id.clone(),
                    detection_source: a.detection_source.clone(),
                    detector_id: a.detector_id.clone(),
                    category: a.category.clone(),
                    created: a.alert_creation_time.map(rfc3339),
                    decision: d.map(|d| d.decision),
                    decision_reason: d.map(|d| d.reason.clone()),
                    id: a.id,
                }
            })
            .collect())
    }

    /// The rule's decisions of the last `hours` hours, newest first.
    pub fn decisions(&self, hours: u32) -> Result<Vec<RuleDecision>> {
        self.store.rule_decisions(
            Utc::now() - Duration::hours(i64::from(hours.max(1))),
            10_000,
        )
    }

    /// What the rule (with `settings`, as if automatic) would decide over the alerts of
    /// the last `hours` hours: the preview before switching to automatic. Nothing is
    /// stored or sent.
    pub async fn preview(&self, settings: RuleSettings, hours: u32) -> Result<Vec<RuleDecision>> {
        let since = self.fleet.now() - Duration::hours(i64::from(hours.clamp(1, 24 * 7)));
        let query = Query::new().filter(Filter::ge("alertCreationTime", since));
        let alerts = self.fleet.client().list_alerts(&query).await?;
        let (store, fleet) = (Arc::clone(&self.store), self.fleet.clone());
        off_runtime(move || {
            let now = Utc::now();
            let s = RuleSettings {
                mode: RuleMode::Automatic,
                ..settings
            };
            let rows = fleet.snapshot().machines;
            let open = store.open_isolation_machines()?;
            let machines = machine_facts(&rows, &open);
            let mut mem = memory(&store, &s, &rows, now)?;
            mem.breaker_open = false;
            mem.paused = false;
            let facts: Vec<AlertFacts> = alerts.iter().map(facts_of).collect();
            let at = rfc3339(now);
            Ok(decide::decide(&s, &facts, &machines, &mem, now)
                .decisions
                .into_iter()
                .map(|d| RuleDecision {
                    machine_name: machines.get(&d.machine_id).map(|m| m.name.clone()),
                    alert_title: alerts
                        .iter()
                        .find(|a| a.id == d.alert_id)
                        .and_then(|a| a.title.clone()),
                    alert_id: d.alert_id,
                    machine_id: d.machine_id,
                    decision: match d.kind {
                        DecisionKind::Isolated => DecisionKind::WouldIsolate,
                        k => k,
                    },
                    reason: d.reason,
                    at: at.clone(),
                    job_id: None,
                    proposal_id: None,
                })
                .collect())
        })
        .await
        .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))
    }
}

impl Automation {
    /// The demo's week of dry run: the rule (as saved, in dry run) evaluated hourly
    /// over the tenant's alerts of the last `days` days, each round committed at its
    /// hour, so the Alerts & rules view and a promotion have a record to show. Only
    /// on a store where the rule never ran; nothing is sent.
    pub async fn seed_dry_run(&self, days: u32) -> Result<u32> {
        if self.store.rule_last_run()?.is_some() {
            return Ok(0);
        }
        let me = self.principal().await?;
        let server_now = self.fleet.now();
        let since = server_now - Duration::days(i64::from(days));
        let query = Query::new().filter(Filter::ge("alertCreationTime", since));
        let alerts = self.fleet.client().list_alerts(&query).await?;
        let auto = self.clone();
        off_runtime(move || auto.replay(&me, &alerts, server_now, days))
            .await
            .unwrap_or_else(|| Err(CoreError::Storage("the store task ended".into())))
    }

    fn replay(
        &self,
        me: &Principal,
        alerts: &[Alert],
        server_now: DateTime<Utc>,
        days: u32,
    ) -> Result<u32> {
        let s = RuleSettings {
            mode: RuleMode::DryRun,
            ..self.store.rule_settings()?
        };
        let rows = self.fleet.snapshot().machines;
        let machines = machine_facts(&rows, &HashSet::new());
        let local_now = Utc::now();
        let mut rounds = 0;
        for h in (0..days * 24).rev() {
            let end = server_now - Duration::hours(i64::from(h));
            let start = end - Duration::hours(1);
            let batch: Vec<&Alert> = alerts
                .iter()
                .filter(|a| a.alert_creation_time.is_some_and(|c| c > start && c <= end))
                .collect();
            let facts: Vec<AlertFacts> = batch.iter().map(|a| facts_of(a)).collect();
            let at = local_now - Duration::hours(i64::from(h));
            let mem = Memory::default();
            let outcome = decide::decide(&s, &facts, &machines, &mem, at);
            let round = Round {
                at,
                mode: RuleMode::DryRun,
                actor: me.name.clone(),
                actor_oid: me.object_id.clone(),
                seen: batch
                    .iter()
                    .map(|a| (a.id.clone(), a.alert_creation_time))
                    .collect(),
                decisions: outcome
                    .decisions
                    .into_iter()
                    .map(|d| DecisionRow {
                        machine_name: machines.get(&d.machine_id).map(|m| m.name.clone()),
                        alert_title: batch
                            .iter()
                            .find(|a| a.id == d.alert_id)
                            .and_then(|a| a.title.clone()),
                        alert_id: d.alert_id,
                        machine_id: d.machine_id,
                        kind: d.kind,
                        reason: d.reason,
                        job: None,
                        proposal: None,
                    })
                    .collect(),
                watermark: batch.iter().filter_map(|a| a.alert_creation_time).max(),
                breaker: None,
                forget_before: local_now - Duration::days(i64::from(days) + 2),
            };
            self.store.commit_round(&round)?;
            rounds += 1;
        }
        Ok(rounds)
    }
}
