//! Text and JSON output of the automation commands (`alerts`, `rule`, `approvals`).
//! Results on stdout, notes on stderr. The JSON shapes of `rule run --json` and
//! `approvals --json` are a contract scripts rely on: exactly the fields projected
//! here, nothing more (text mode may say more).

use cordon_core::dto::automation::{
    AlertRow, Proposal, RuleDecision, RuleSettings, RuleStatus, VerdictOutcome,
};
use cordon_core::dto::jobs::JobDetail;
use serde_json::{Value, json};

use crate::{output_jobs, output_json};

/// `cordon alerts`: one line per alert (time, severity, title, machine, the rule's
/// decision); JSON: the core's `AlertRow` list.
pub fn alerts(json: bool, rows: &[AlertRow]) {
    if json {
        return output_json::print(&rows);
    }
    for a in rows {
        let machine = a
            .machine_name
            .as_deref()
            .or(a.machine_id.as_deref())
            .unwrap_or("-");
        let decision = match (&a.decision, &a.decision_reason) {
            (Some(d), Some(r)) => format!("  [rule: {}: {r}]", d.as_str()),
            (Some(d), None) => format!("  [rule: {}]", d.as_str()),
            _ => String::new(),
        };
        println!(
            "{}  {:<13} {}  {}{decision}",
            a.created.as_deref().unwrap_or("-"),
            a.severity,
            a.title,
            machine
        );
    }
    eprintln!("{} alert(s)", rows.len());
}

/// `cordon rule show` (and the end of `set`, `pause`, …); JSON: `RuleStatus`.
pub fn rule_status(json: bool, st: &RuleStatus) {
    if json {
        return output_json::print(st);
    }
    let s = &st.settings;
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_owned());
    let paused = if st.paused { " (paused)" } else { "" };
    println!("mode              {}{paused}", s.mode.as_str());
    println!("interval          every {} min", s.interval_minutes);
    println!("matches           {}", matching(s));
    println!("isolation type    {}", isolation_type(s));
    println!(
        "limits            {} per {} min, {} isolated by the rule at once, each machine once per {} h, proposals expire after {} h",
        s.max_per_window, s.window_minutes, s.max_concurrent, s.flap_hours, s.approval_expiry_hours
    );
    println!("exclusions        {}", exclusions(s));
    println!("protected         {}", list_or(&s.protected_ids, "none"));
    let breaker = if st.breaker.open {
        format!(
            "OPEN since {}: {} (`cordon rule close-breaker --comment …`)",
            or(&st.breaker.opened_at, "?"),
            or(&st.breaker.reason, "?")
        )
    } else {
        "closed".to_owned()
    };
    println!("breaker           {breaker}");
    println!("last run          {}", or(&st.last_run, "never"));
    println!("next run          {}", or(&st.next_run, "-"));
    println!("watermark         {}", or(&st.watermark, "none yet"));
    println!(
        "counts            {} isolated in the window, {} isolated by the rule now, {} waiting for approval",
        st.isolated_in_window, st.isolated_by_rule_now, st.waiting_approvals
    );
    let d = &st.dry_run;
    println!(
        "dry-run record    {} day(s), {} evaluation(s): would have isolated {}, queued {}, skipped {}{}",
        d.days,
        d.evaluations,
        d.would_isolate,
        d.queued,
        d.skipped,
        d.warning
            .as_deref()
            .map(|w| format!(" ({w})"))
            .unwrap_or_default()
    );
    if st.suppressions.is_empty() {
        println!("suppressions      none");
    }
    for x in &st.suppressions {
        println!(
            "suppressed        {} “{}” until {} by {}: {}",
            x.kind, x.value, x.until, x.by, x.reason
        );
    }
}

fn matching(s: &RuleSettings) -> String {
    let mut m = format!("severity {} or higher", s.min_severity.as_str());
    for (what, v) in [
        ("title contains", &s.title_contains),
        ("category", &s.category),
        ("detection source", &s.detection_source),
        ("service source", &s.service_source),
    ] {
        if let Some(v) = v {
            m.push_str(&format!(", {what} “{v}”"));
        }
    }
    m
}

fn isolation_type(s: &RuleSettings) -> String {
    let word = |k| output_jobs::isolation_word(k);
    let mut t = word(s.isolation_type).to_owned();
    for tt in &s.type_by_tag {
        t.push_str(&format!(
            ", {} for tag “{}”",
            word(tt.isolation_type),
            tt.tag
        ));
    }
    t
}

fn exclusions(s: &RuleSettings) -> String {
    let mut parts = Vec::new();
    if !s.exclude_tags.is_empty() {
        parts.push(format!("tags {}", s.exclude_tags.join(", ")));
    }
    if !s.exclude_groups.is_empty() {
        parts.push(format!("groups {}", s.exclude_groups.join(", ")));
    }
    if !s.exclude_names.is_empty() {
        parts.push(format!("names {}", s.exclude_names.join(", ")));
    }
    if s.exclude_high_value {
        parts.push("high-value devices".to_owned());
    }
    if parts.is_empty() {
        return "none".to_owned();
    }
    let then = if s.exclusions_skip {
        "skipped"
    } else {
        "queued for a person"
    };
    format!("{} ({then})", parts.join("; "))
}

fn list_or(v: &[String], none: &str) -> String {
    if v.is_empty() {
        none.to_owned()
    } else {
        v.join(", ")
    }
}

/// `cordon rule run --once`: JSON exactly `{"alertId","machineId","decision","reason"}`
/// per decision; text adds the machine's name, the alert's title and what became of
/// the isolation job or the proposal.
pub fn decisions(json: bool, rows: &[RuleDecision], jobs: &[JobDetail]) {
    if json {
        let list: Vec<Value> = rows
            .iter()
            .map(|d| {
                json!({
                    "alertId": d.alert_id,
                    "machineId": d.machine_id,
                    "decision": d.decision.as_str(),
                    "reason": d.reason,
                })
            })
            .collect();
        return output_json::print(&list);
    }
    for d in rows {
        let machine = d.machine_name.as_deref().unwrap_or(&d.machine_id);
        let title = d
            .alert_title
            .as_deref()
            .map(|t| format!(" “{t}”"))
            .unwrap_or_default();
        let after = match (&d.job_id, &d.proposal_id) {
            (Some(j), _) => jobs
                .iter()
                .find(|x| x.job.id == *j)
                .map_or_else(|| format!("; job {j}"), job_result),
            (None, Some(p)) => format!("; proposal {p}"),
            (None, None) => String::new(),
        };
        println!(
            "{:<13} {machine}  alert {}{title}: {}{after}",
            d.decision.as_str(),
            d.alert_id,
            d.reason
        );
    }
    eprintln!("{} decision(s)", rows.len());
}

/// "; job ID: SENT (action …)" for a one-machine job.
fn job_result(d: &JobDetail) -> String {
    let item = d.items.first().map(|i| {
        let detail = match (&i.error, &i.action_id) {
            (Some(e), _) => format!(": {e}"),
            (None, Some(a)) => format!(" (action {a})"),
            (None, None) => String::new(),
        };
        format!(": {}{detail}", output_jobs::state_word(i.state))
    });
    format!("; job {}{}", d.job.id, item.unwrap_or_default())
}

/// The contract's projection of a proposal.
fn proposal_json(p: &Proposal) -> Value {
    json!({
        "id": p.id,
        "machineId": p.machine_id,
        "action": p.action,
        "proposedBy": p.proposed_by,
        "reason": p.reason,
        "expiresAt": p.expires_at,
        "state": p.state.as_str(),
    })
}

/// `cordon approvals [list]`: JSON exactly `{"id","machineId","action","proposedBy",
/// "reason","expiresAt","state"}` per proposal.
pub fn proposals(json: bool, list: &[Proposal]) {
    if json {
        let v: Vec<Value> = list.iter().map(proposal_json).collect();
        return output_json::print(&v);
    }
    for p in list {
        println!("{}", proposal_line(p));
    }
    eprintln!("{} proposal(s)", list.len());
}

/// `cordon approvals request`: the new proposal (JSON: the same projection).
pub fn proposal(json: bool, p: &Proposal) {
    if json {
        return output_json::print(&proposal_json(p));
    }
    println!("{}", proposal_line(p));
    eprintln!(
        "Proposal {} waits for a second person until {} (`cordon approvals approve {}`).",
        p.id, p.expires_at, p.id
    );
}

fn proposal_line(p: &Proposal) -> String {
    let machine = p.machine_name.as_deref().unwrap_or(&p.machine_id);
    let kind = p
        .isolation_type
        .map(|k| format!(" ({})", output_jobs::isolation_word(k)))
        .unwrap_or_default();
    let decided = match (&p.decided_by, &p.decision_comment) {
        (Some(by), Some(c)) => format!("; decided by {by}: {c}"),
        (Some(by), None) => format!("; decided by {by}"),
        _ => String::new(),
    };
    format!(
        "{}  {:<8} {}{kind} {machine}  proposed by {} — {}; comment “{}”; expires {}{decided}",
        p.id,
        p.state.as_str(),
        p.action,
        p.proposed_by,
        p.reason,
        p.comment,
        p.expires_at
    )
}

/// `cordon approvals approve|reject`: one line per outcome (with the job's result for
/// an approval); JSON: the core's `VerdictOutcome` list.
pub fn outcomes(json: bool, list: &[VerdictOutcome], jobs: &[JobDetail]) {
    if json {
        return output_json::print(&list);
    }
    for o in list {
        match (&o.refused, &o.job_id) {
            (Some(why), _) => println!("{}: REFUSED ({}): {why}", o.id, o.state.as_str()),
            (None, Some(j)) => {
                let result = jobs
                    .iter()
                    .find(|x| x.job.id == *j)
                    .map_or_else(|| format!("; job {j}"), job_result);
                println!("{}: {}{result}", o.id, o.state.as_str());
            }
            (None, None) => println!("{}: {}", o.id, o.state.as_str()),
        }
    }
}
