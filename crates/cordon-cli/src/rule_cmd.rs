//! `cordon rule show | set | run --once | pause | resume | close-breaker | suppress`:
//! the isolation rule over the core's automation verbs. The rule's state lives in the
//! tenant's store, shared with the desktop app (a pause here holds the app's rule
//! jobs too). Only `run --once` evaluates here: the scheduled loop runs in the app.

use std::process::ExitCode;

use cordon_core::dto::automation::{RuleChange, RuleMode};
use cordon_core::dto::jobs::JobDetail;
use cordon_core::{App, CoreError, Result};

use crate::cli_automation::{RuleCmd, RuleSetArgs};
use crate::{act_cmd, output, output_automation, progress};

/// The checks made before the tenant is even read (no request for a usage error).
pub fn precheck(cmd: &RuleCmd) -> Result<()> {
    match cmd {
        RuleCmd::Run { once: false } => Err(CoreError::Invalid {
            field: "once".into(),
            message: "`cordon rule run` needs --once: it evaluates the rule once, now. The scheduled loop runs in the desktop app (and later in `cordon agent`).".into(),
        }),
        RuleCmd::Set(args) => change_of(args).map(|_| ()),
        RuleCmd::CloseBreaker { comment } => act_cmd::require_comment(comment),
        RuleCmd::Suppress { reason, .. } => act_cmd::require_comment(reason),
        _ => Ok(()),
    }
}

pub async fn run(app: &App, cmd: &RuleCmd, json: bool) -> Result<ExitCode> {
    match cmd {
        RuleCmd::Show => output_automation::rule_status(json, &app.rule().await?),
        RuleCmd::Set(args) => set(app, args, json).await?,
        RuleCmd::Run { .. } => return run_once(app, json).await,
        RuleCmd::Pause => {
            let st = app.pause_automation(true).await?;
            said(
                json,
                &st,
                "Automation paused: no new automatic action; unsent items of the rule's jobs are held (`cordon rule resume`).",
            );
        }
        RuleCmd::Resume => {
            let st = app.pause_automation(false).await?;
            said(json, &st, "Automation resumed.");
        }
        RuleCmd::CloseBreaker { comment } => {
            let st = app.close_breaker(comment).await?;
            said(
                json,
                &st,
                "Breaker closed: the rule may isolate again within its limits.",
            );
        }
        RuleCmd::Suppress {
            title,
            detector,
            days,
            reason,
        } => {
            let (kind, value) = match (title, detector) {
                (Some(t), _) => ("title", t),
                (None, Some(d)) => ("detector", d),
                // clap requires one of them.
                (None, None) => {
                    return Err(CoreError::Invalid {
                        field: "detection".into(),
                        message: "Name the detection: --title T or --detector ID.".into(),
                    });
                }
            };
            let st = app.suppress(kind, value, *days, reason).await?;
            let until = st
                .suppressions
                .iter()
                .find(|x| x.kind == kind && x.value == value.trim())
                .map_or("-", |x| x.until.as_str());
            said(
                json,
                &st,
                &format!("Suppressed {kind} “{}” until {until}.", value.trim()),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A one-line answer in text; the rule's whole status with `--json`.
fn said(json: bool, st: &cordon_core::dto::automation::RuleStatus, message: &str) {
    if json {
        output_automation::rule_status(true, st);
    } else {
        output::done(false, message);
    }
}

/// The core's change from the flags; an empty change is a usage error.
fn change_of(a: &RuleSetArgs) -> Result<RuleChange> {
    let (max_per_window, window_minutes) = match a.max_per_hour {
        Some(n) => (Some(n), Some(60)),
        None => (a.max_per_window, a.window_minutes),
    };
    let change = RuleChange {
        mode: a.mode,
        interval_minutes: a.interval_minutes,
        min_severity: a.min_severity,
        title_contains: a.title_contains.clone(),
        isolation_type: a.kind,
        protect: a.protect.clone(),
        exclude_tags: a.exclude_tags.clone(),
        exclude_names: a.exclude_names.clone(),
        exclude_groups: a.exclude_groups.clone(),
        exclusions_skip: a.exclusions_skip,
        max_per_window,
        window_minutes,
        max_concurrent: a.max_concurrent,
        flap_hours: a.flap_hours,
        approval_expiry_hours: a.approval_expiry_hours,
        confirmed: a.yes,
        ..RuleChange::default()
    };
    if change
        == (RuleChange {
            confirmed: a.yes,
            ..RuleChange::default()
        })
    {
        return Err(CoreError::Invalid {
            field: "rule".into(),
            message: "Nothing to change: give at least one setting (`cordon rule set --help`)."
                .into(),
        });
    }
    Ok(change)
}

async fn set(app: &App, args: &RuleSetArgs, json: bool) -> Result<()> {
    let change = change_of(args)?;
    if change.protect.is_some() {
        // Protections given by name are resolved against a fresh machine list.
        app.refresh().await?;
    }
    let before = app.rule().await?.settings.mode;
    let st = app.set_rule(change).await?;
    let after = st.settings.mode;
    if before.acts() && args.mode.is_none() && after == RuleMode::DryRun {
        eprintln!(
            "What the rule matches changed: it is back in dry run (was {}). Promote it again with --mode {} --yes after reading its new record.",
            before.as_str(),
            before.as_str()
        );
    }
    output_automation::rule_status(json, &st);
    Ok(())
}

/// One evaluation now, its isolations run to their end with progress on stderr.
/// Exit 1 when an isolation it started failed (each line says which).
async fn run_once(app: &App, json: bool) -> Result<ExitCode> {
    // Decisions read the machine list: it must be fresh.
    app.refresh().await?;
    let mode = app.rule().await?.settings.mode;
    if mode == RuleMode::Off {
        eprintln!("The rule is off: nothing was evaluated (`cordon rule set --mode dry-run`).");
    }
    let decisions = progress::while_running(app, app.run_rule_and_wait()).await?;
    let jobs: Vec<JobDetail> = decisions
        .iter()
        .filter_map(|d| d.job_id.as_deref())
        .map(|id| app.job(id))
        .collect::<Result<_>>()?;
    output_automation::decisions(json, &decisions, &jobs);
    Ok(if jobs.iter().any(unfinished_or_failed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A job that did not end with every machine done or adopted.
pub fn unfinished_or_failed(d: &JobDetail) -> bool {
    d.job.failed > 0 || d.job.finished < d.job.total
}
