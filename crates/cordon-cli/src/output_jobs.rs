//! Text and JSON output of the journal commands (jobs, previews, reconciliation,
//! batches, history, audit). Results go to stdout, summaries and previews to stderr.

use cordon_core::dto::IsolationKind;
use cordon_core::dto::jobs::{
    AuditEntry, BulkPreview, History, IsolationGroup, ItemState, JobDetail, JobKind, JobState,
    JobSummary, NextStep, ReconRow, StuckCause,
};

use crate::output_json;

/// The command line's word for an isolation type.
pub fn isolation_word(k: IsolationKind) -> &'static str {
    match k {
        IsolationKind::Full => "full",
        IsolationKind::Selective => "selective",
    }
}

fn verb(k: JobKind) -> &'static str {
    match k {
        JobKind::Isolate => "Isolate",
        JobKind::Release => "Release",
    }
}

/// The preview, before the confirmation (stderr).
pub fn preview(p: &BulkPreview, comment: &str) {
    eprintln!(
        "{} {} machine(s), comment “{comment}”.",
        verb(p.kind),
        p.will_send.len()
    );
    if !p.excluded.is_empty() {
        eprintln!("Excluded {}:", p.excluded.len());
        for e in &p.excluded {
            eprintln!("  {} ({}): {}", e.machine.name, e.machine.id, e.reason);
        }
    }
}

/// `--dry-run`: one line per machine on stdout (`SEND` or `EXCLUDED` with why), or with
/// `--json` `{"dryRun": true, "preview": …, "job": null}`; nothing was sent.
pub fn dry_run(json: bool, p: &BulkPreview, comment: &str) {
    if json {
        output_json::print(&serde_json::json!({ "dryRun": true, "preview": p, "job": null }));
    } else {
        eprintln!(
            "Dry run: {} {} machine(s), comment “{comment}”.",
            verb(p.kind),
            p.will_send.len()
        );
        for m in &p.will_send {
            println!("SEND      {} ({})", m.name, m.id);
        }
        for e in &p.excluded {
            println!(
                "EXCLUDED  {} ({}): {}",
                e.machine.name, e.machine.id, e.reason
            );
        }
    }
    eprintln!(
        "Dry run: nothing was sent ({} would be sent, {} excluded).",
        p.will_send.len(),
        p.excluded.len()
    );
}

/// The end of `isolate`/`release`: each machine's result, or with `--json`
/// `{"preview": …, "job": JobDetail | null}`.
pub fn bulk_result(json: bool, p: &BulkPreview, detail: Option<&JobDetail>) {
    if json {
        return output_json::print(&serde_json::json!({ "preview": p, "job": detail }));
    }
    if let Some(d) = detail {
        items(d);
        eprintln!("{}", summary_line(&d.job));
    }
}

pub fn state_word(s: ItemState) -> &'static str {
    match s {
        ItemState::Planned => "PLANNED",
        ItemState::Sending => "SENDING",
        ItemState::Unknown => "UNKNOWN",
        ItemState::Done => "SENT",
        ItemState::Adopted => "ADOPTED",
        ItemState::Failed => "FAILED",
        ItemState::Cancelled => "CANCELLED",
    }
}

fn job_state(s: JobState) -> &'static str {
    match s {
        JobState::Running => "running",
        JobState::Done => "done",
        JobState::Cancelled => "cancelled",
        JobState::Halted => "halted",
    }
}

fn items(d: &JobDetail) {
    for i in &d.items {
        let name = i.machine_name.as_deref().unwrap_or(&i.machine_id);
        let detail = match (&i.error, &i.action_id) {
            (Some(e), _) => format!(": {e}"),
            (None, Some(a)) => format!(
                ": action {a} {}",
                i.action_status.as_deref().unwrap_or_default()
            ),
            (None, None) => String::new(),
        };
        println!("{:<9} {name}{}", state_word(i.state), detail.trim_end());
    }
}

/// What a line about a job says: its kind and state in words, and its counts (`sent`
/// leaves the adopted out).
struct Tally {
    kind: String,
    state: &'static str,
    finished: u32,
    total: u32,
    sent: u32,
    adopted: u32,
    failed: u32,
    cancelled: u32,
}

fn tally(j: &JobSummary) -> Tally {
    Tally {
        kind: verb(j.kind).to_lowercase(),
        state: job_state(j.state),
        finished: j.finished,
        total: j.total,
        sent: j.succeeded.saturating_sub(j.adopted),
        adopted: j.adopted,
        failed: j.failed,
        cancelled: j.cancelled,
    }
}

/// "Job <id> (release, done): 80 of 80 finished, 78 sent, 2 adopted, 0 failed, 0 cancelled".
pub fn summary_line(j: &JobSummary) -> String {
    let n = tally(j);
    let mut s = format!(
        "Job {} ({} {}): {} of {} finished, {} sent, {} adopted, {} failed, {} cancelled",
        j.id, n.kind, n.state, n.finished, n.total, n.sent, n.adopted, n.failed, n.cancelled
    );
    if let Some(t) = &j.throttled_until {
        s.push_str(&format!(", throttled until {t}"));
    }
    if let Some(e) = &j.error {
        s.push_str(&format!("; {e}"));
    }
    s
}

pub fn jobs(json: bool, list: &[JobSummary]) {
    if json {
        return output_json::print(&list);
    }
    for j in list {
        let n = tally(j);
        println!(
            "{}  {:<7}  {:<9}  {:>5}/{:<5}  sent {:<5} adopted {:<4} failed {:<4} cancelled {:<4} {}  {}  {}",
            j.id,
            n.kind,
            n.state,
            n.finished,
            n.total,
            n.sent,
            n.adopted,
            n.failed,
            n.cancelled,
            j.created_at,
            j.requested_by,
            j.comment
        );
    }
    eprintln!("{} job(s)", list.len());
}

pub fn job(json: bool, d: &JobDetail) {
    if json {
        return output_json::print(d);
    }
    let j = &d.job;
    println!("{}", summary_line(j));
    println!(
        "requested by {} at {}{}; comment “{}”",
        j.requested_by,
        j.created_at,
        j.source
            .as_deref()
            .map(|s| format!(" (from {s})"))
            .unwrap_or_default(),
        j.comment
    );
    items(d);
}

fn cause(c: StuckCause) -> &'static str {
    match c {
        StuckCause::Offline => "offline",
        StuckCause::PendingTooLong => "pending too long",
        StuckCause::TimedOut => "timed out",
        StuckCause::Failed => "failed",
        StuckCause::Cancelled => "cancelled",
        StuckCause::Superseded => "superseded",
    }
}

fn next(n: NextStep) -> &'static str {
    match n {
        NextStep::WaitForDevice => "wait for device",
        NextStep::Resubmit => "resubmit",
        NextStep::CancelAndResubmit => "cancel and resubmit",
        NextStep::AutoResubmit => "auto-resubmit",
        NextStep::InProgress => "in progress",
        NextStep::NeedsPerson => "needs a person",
        NextStep::Nothing => "nothing",
    }
}

pub fn reconcile(json: bool, rows: &[ReconRow]) {
    if json {
        return output_json::print(&rows);
    }
    for r in rows {
        println!(
            "{}  {:<32} {:<7} {:<16} {:<20} {}  |  {}",
            r.machine_id,
            r.machine_name,
            verb(r.kind).to_lowercase(),
            cause(r.cause),
            next(r.next_step),
            r.cause_text,
            r.next_text
        );
    }
    eprintln!("{} stuck row(s)", rows.len());
}

pub fn batches(json: bool, groups: &[IsolationGroup]) {
    if json {
        return output_json::print(&groups);
    }
    for g in groups {
        println!(
            "{}  {:>4} machine(s)  {} … {}  {}  {}",
            g.id, g.count, g.first_at, g.last_at, g.requestor, g.title
        );
    }
    eprintln!(
        "{} batch(es); release one with `cordon release --batch ID --comment …`",
        groups.len()
    );
}

pub fn history(json: bool, h: &History) {
    if json {
        return output_json::print(h);
    }
    for r in &h.rows {
        println!(
            "{}  {}  {:<9} {:<10} {:<32} {}  {}",
            r.action_id,
            r.created,
            verb(r.kind),
            r.status,
            r.machine_name,
            r.requestor,
            r.comment
        );
    }
    eprintln!("{} action(s)", h.rows.len());
    for d in &h.per_day {
        eprintln!(
            "  {}  isolations {:>4}  releases {:>4}",
            d.day, d.isolations, d.releases
        );
    }
}

pub fn audit(entries: &[AuditEntry]) {
    for e in entries {
        println!(
            "{:>6}  {}  {:<24} {:<20} {}  {}{}",
            e.seq,
            e.at,
            e.event,
            e.actor,
            e.machine_id.as_deref().unwrap_or("-"),
            e.detail,
            e.job_id
                .as_deref()
                .map(|j| format!("  [job {j}]"))
                .unwrap_or_default()
        );
    }
    eprintln!("{} audit entr(ies)", entries.len());
}
