//! What the always-on `cordon agent` reports, computed in the core so every front end
//! reads the same facts: a snapshot of the work (last sync, queue depth, items by
//! state, 429s, the breaker, approvals waiting), the health verdict, the Prometheus
//! text of `/metrics`, and the on-call notices with their webhook shapes (a generic
//! JSON body, and the `{"text": …}` that Teams and Slack incoming webhooks take).
//! The HTTP server and the webhook sender live in the CLI (`cordon agent`).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::dto::automation::RuleMode;
use crate::error::{CoreError, Result};

/// The agent's view of the tenant's work at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentSnapshot {
    pub tenant: String,
    pub last_sync: Option<DateTime<Utc>>,
    pub sync_error: Option<String>,
    /// Items not yet at their end (planned, sending, unknown) in unfinished jobs.
    pub queue_depth: u32,
    pub items_by_state: Vec<(String, u32)>,
    pub throttled_total: u64,
    pub breaker_open: bool,
    pub paused: bool,
    pub rule_mode: Option<RuleMode>,
    pub rule_last_run: Option<DateTime<Utc>>,
    pub approvals_waiting: u32,
    pub oldest_waiting: Option<DateTime<Utc>>,
    /// The duties this process leads now (`sync`, `automation`).
    pub leads: Vec<String>,
    /// Agents alive on the store (this one included).
    pub agents_alive: u32,
}

/// Healthy when a sync succeeded within `stale` and the last one did not fail.
pub fn health(s: &AgentSnapshot, now: DateTime<Utc>, stale: Duration) -> (bool, String) {
    match (&s.sync_error, s.last_sync) {
        (Some(e), _) => (false, format!("the last sync failed: {e}")),
        (None, None) => (false, "no sync has completed yet".into()),
        (None, Some(t)) if now - t > stale => (
            false,
            format!("the last sync was {} min ago", (now - t).num_minutes()),
        ),
        (None, Some(_)) => (true, "ok".into()),
    }
}

/// The `/healthz` body.
pub fn health_json(s: &AgentSnapshot, now: DateTime<Utc>, stale: Duration) -> Value {
    let (ok, why) = health(s, now, stale);
    json!({
        "status": if ok { "ok" } else { "unhealthy" },
        "detail": why,
        "tenant": s.tenant,
        "lastSync": s.last_sync.map(crate::time::rfc3339),
        "lastRuleRound": s.rule_last_run.map(crate::time::rfc3339),
        "queueDepth": s.queue_depth,
        "breakerOpen": s.breaker_open,
        "approvalsWaiting": s.approvals_waiting,
    })
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus text exposition of `/metrics`.
pub fn prometheus(s: &AgentSnapshot) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, f64)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in lines {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let ts = |t: Option<DateTime<Utc>>| t.map_or(0.0, |t| t.timestamp() as f64);
    metric(
        "cordon_last_sync_timestamp_seconds",
        "gauge",
        "When the last sync with Defender completed (Unix time; 0 = never).",
        vec![(String::new(), ts(s.last_sync))],
    );
    metric(
        "cordon_sync_failing",
        "gauge",
        "1 when the last sync failed.",
        vec![(String::new(), f64::from(u8::from(s.sync_error.is_some())))],
    );
    metric(
        "cordon_queue_depth",
        "gauge",
        "Items of unfinished jobs not at their end yet.",
        vec![(String::new(), f64::from(s.queue_depth))],
    );
    metric(
        "cordon_items",
        "gauge",
        "Items of unfinished jobs by state.",
        s.items_by_state
            .iter()
            .map(|(state, n)| (format!("{{state=\"{}\"}}", escape(state)), f64::from(*n)))
            .collect(),
    );
    metric(
        "cordon_throttled_total",
        "counter",
        "429 answers from Defender since the agent started.",
        vec![(String::new(), s.throttled_total as f64)],
    );
    metric(
        "cordon_breaker_open",
        "gauge",
        "1 while the isolation rule's breaker is open.",
        vec![(String::new(), f64::from(u8::from(s.breaker_open)))],
    );
    metric(
        "cordon_automation_paused",
        "gauge",
        "1 while automation is paused.",
        vec![(String::new(), f64::from(u8::from(s.paused)))],
    );
    metric(
        "cordon_approvals_waiting",
        "gauge",
        "Proposals waiting for approval.",
        vec![(String::new(), f64::from(s.approvals_waiting))],
    );
    metric(
        "cordon_leader",
        "gauge",
        "1 for each duty this process leads now (one process per store leads each).",
        ["sync", "automation"]
            .into_iter()
            .map(|d| {
                let leads = s.leads.iter().any(|l| l == d);
                (format!("{{duty=\"{d}\"}}"), f64::from(u8::from(leads)))
            })
            .collect(),
    );
    metric(
        "cordon_agents_alive",
        "gauge",
        "Agents with a recent heartbeat on the store.",
        vec![(String::new(), f64::from(s.agents_alive))],
    );
    metric(
        "cordon_rule_last_run_timestamp_seconds",
        "gauge",
        "When the isolation rule last evaluated (Unix time; 0 = never).",
        vec![(String::new(), ts(s.rule_last_run))],
    );
    out
}

/// The notices for agents that fell silent (heartbeats stopped without a clean
/// leave), each told once while it stays silent; an agent seen alive again may be told
/// again later.
pub fn silent_notices(
    team: &crate::dto::team::TeamStatus,
    told: &mut std::collections::HashSet<String>,
    now: DateTime<Utc>,
) -> Vec<Notice> {
    let alive: std::collections::HashSet<&str> =
        team.processes.iter().map(|p| p.label.as_str()).collect();
    told.retain(|l| !alive.contains(l.as_str()));
    team.silent_agents
        .iter()
        .filter(|p| told.insert(p.label.clone()))
        .map(|p| Notice::AgentSilent {
            label: p.label.clone(),
            seen_minutes: crate::time::parse_rfc3339(&p.seen_at)
                .map_or(0, |t| (now - t).num_minutes()),
        })
        .collect()
}

/// What the on-call hears about.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    BreakerOpened {
        reason: String,
    },
    ApprovalsWaiting {
        waiting: u32,
        oldest_minutes: i64,
    },
    JobNeedsAttention {
        job_id: String,
        detail: String,
    },
    /// Another agent on the team store stopped sending heartbeats without leaving.
    AgentSilent {
        label: String,
        seen_minutes: i64,
    },
}

impl Notice {
    pub fn event(&self) -> &'static str {
        match self {
            Notice::BreakerOpened { .. } => "breaker.opened",
            Notice::ApprovalsWaiting { .. } => "approvals.waiting",
            Notice::JobNeedsAttention { .. } => "job.attention",
            Notice::AgentSilent { .. } => "agent.silent",
        }
    }

    /// One sentence for a person.
    pub fn text(&self, tenant: &str) -> String {
        match self {
            Notice::BreakerOpened { reason } => format!(
                "Cordon ({tenant}): the isolation rule's breaker opened ({reason}). Automatic isolations now wait in the approval queue until a person closes the breaker."
            ),
            Notice::ApprovalsWaiting {
                waiting,
                oldest_minutes,
            } => format!(
                "Cordon ({tenant}): {waiting} proposal(s) wait for approval, the oldest for {oldest_minutes} min. Open Alerts & rules or run `cordon approvals`."
            ),
            Notice::JobNeedsAttention { job_id, detail } => {
                format!("Cordon ({tenant}): job {job_id} needs attention: {detail}")
            }
            Notice::AgentSilent {
                label,
                seen_minutes,
            } => format!(
                "Cordon ({tenant}): {label} fell silent (last heartbeat {seen_minutes} min ago). Another agent takes its work over once its leases end; check the host."
            ),
        }
    }
}

/// Where and how notices are posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"event", "text", "tenant", "at", …details}`.
    Generic,
    /// Teams incoming webhook: `{"text": …}`.
    Teams,
    /// Slack incoming webhook: `{"text": …}`.
    Slack,
}

impl WebhookFormat {
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "generic" | "json" => Ok(Self::Generic),
            "teams" => Ok(Self::Teams),
            "slack" => Ok(Self::Slack),
            _ => Err(CoreError::Invalid {
                field: "webhookFormat".into(),
                message: "The webhook format is generic, teams or slack.".into(),
            }),
        }
    }
}

/// The JSON body of a notice in `format`.
pub fn webhook_body(n: &Notice, format: WebhookFormat, tenant: &str, at: DateTime<Utc>) -> Value {
    let text = n.text(tenant);
    match format {
        WebhookFormat::Teams | WebhookFormat::Slack => json!({ "text": text }),
        WebhookFormat::Generic => {
            let mut v = json!({
                "event": n.event(),
                "text": text,
                "tenant": tenant,
                "at": crate::time::rfc3339(at),
            });
            if let Some(o) = v.as_object_mut() {
                match n {
                    Notice::BreakerOpened { reason } => {
                        o.insert("reason".into(), json!(reason));
                    }
                    Notice::ApprovalsWaiting {
                        waiting,
                        oldest_minutes,
                    } => {
                        o.insert("waiting".into(), json!(waiting));
                        o.insert("oldestMinutes".into(), json!(oldest_minutes));
                    }
                    Notice::JobNeedsAttention { job_id, detail } => {
                        o.insert("jobId".into(), json!(job_id));
                        o.insert("detail".into(), json!(detail));
                    }
                    Notice::AgentSilent {
                        label,
                        seen_minutes,
                    } => {
                        o.insert("agent".into(), json!(label));
                        o.insert("silentMinutes".into(), json!(seen_minutes));
                    }
                }
            }
            v
        }
    }
}

/// The agent acts as the tenant's application, never in a person's name.
pub fn require_application(p: &mde_api::Principal) -> Result<()> {
    if p.application {
        Ok(())
    } else {
        Err(CoreError::Refused(format!(
            "The agent signs in as the tenant's application (a certificate or a client secret), never with a person's token; {} is a person. Use an application profile or the CORDON_* variables.",
            p.name
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap_or_default()
    }

    #[test]
    fn health_follows_the_sync() {
        let mut s = AgentSnapshot::default();
        let stale = Duration::minutes(15);
        assert!(!health(&s, at(0), stale).0);
        s.last_sync = Some(at(0));
        assert_eq!(health(&s, at(0), stale), (true, "ok".to_owned()));
        assert!(
            !health(&s, at(1), stale).0,
            "an hour without a sync is stale"
        );
        s.sync_error = Some("401".into());
        assert!(health(&s, at(0), stale).1.contains("failed"));
    }

    #[test]
    fn metrics_are_prometheus_text() {
        let s = AgentSnapshot {
            last_sync: Some(at(0)),
            queue_depth: 3,
            items_by_state: vec![("planned".into(), 2), ("sending".into(), 1)],
            throttled_total: 7,
            breaker_open: true,
            approvals_waiting: 4,
            ..AgentSnapshot::default()
        };
        let text = prometheus(&s);
        assert!(text.contains("cordon_queue_depth 3\n"), "{text}");
        assert!(text.contains("cordon_items{state=\"planned\"} 2\n"));
        assert!(text.contains("cordon_throttled_total 7\n"));
        assert!(text.contains("cordon_breaker_open 1\n"));
        assert!(text.contains("cordon_approvals_waiting 4\n"));
        assert!(text.contains("# TYPE cordon_throttled_total counter\n"));
        assert!(text.contains(&format!(
            "cordon_last_sync_timestamp_seconds {}\n",
            at(0).timestamp()
        )));
    }

    #[test]
    fn webhook_shapes() {
        let n = Notice::BreakerOpened {
            reason: "6 isolations in 60 min".into(),
        };
        for f in [WebhookFormat::Teams, WebhookFormat::Slack] {
            let v = webhook_body(&n, f, "Contoso", at(0));
            assert_eq!(v.as_object().map(|o| o.len()), Some(1));
            assert!(
                v["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("breaker opened") && t.contains("Contoso"))
            );
        }
        let g = webhook_body(&n, WebhookFormat::Generic, "Contoso", at(0));
        assert_eq!(g["event"], "breaker.opened");
        assert_eq!(g["reason"], "6 isolations in 60 min");
        assert!(WebhookFormat::parse("TEAMS").is_ok() && WebhookFormat::parse("email").is_err());
    }

    #[test]
    fn only_an_application_runs_the_agent() {
        let person = mde_api::Principal {
            object_id: "1".into(),
            name: "analyst@contoso.example".into(),
            application: false,
        };
        assert!(matches!(
            require_application(&person),
            Err(CoreError::Refused(_))
        ));
        let app = mde_api::Principal {
            application: true,
            ..person
        };
        assert!(require_application(&app).is_ok());
    }
}
