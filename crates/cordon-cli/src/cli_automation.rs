//! The grammar of the automation commands (clap): `cordon rule …` and `cordon
//! approvals …` (`cordon alerts` is in `cli.rs`). Kept beside `cli.rs` so `--help` and
//! the README can be checked against two short files.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Subcommand};
use cordon_core::dto::IsolationKind;
use cordon_core::dto::automation::{RuleMode, Severity};
use cordon_core::dto::jobs::JobKind;

use crate::cli::{ISOLATION_WORDS, JOB_KIND_WORDS, words};

#[derive(Subcommand)]
pub enum RuleCmd {
    /// The rule's settings, mode, pause, breaker, last and next run, watermark, counts,
    /// dry-run record and suppressions.
    Show,
    /// Change the rule. Only the settings given change. Promotion to approval or
    /// automatic needs --yes (the refusal shows the dry-run record); changing what the
    /// rule matches (severity, title, type) returns an acting rule to dry run.
    Set(RuleSetArgs),
    /// Evaluate the rule once now and run its isolations to their end (`--once` is
    /// required: the scheduled loop runs in the desktop app, later in `cordon agent`).
    Run {
        /// One evaluation now.
        #[arg(long)]
        once: bool,
    },
    /// Pause automation: no new automatic action; unsent items of the rule's jobs are
    /// held in every process (the app's too).
    Pause,
    /// Resume automation (held jobs run again).
    Resume,
    /// Close the open breaker (a person, with a reason).
    CloseBreaker {
        /// Why it is safe to let the rule isolate again. Required.
        #[arg(long)]
        comment: String,
    },
    /// Ignore a detection (after a false positive) for some days, audited.
    #[command(group(ArgGroup::new("detection").required(true).args(["title", "detector"])))]
    Suppress {
        /// The alert title, exactly (any case).
        #[arg(long, value_name = "T")]
        title: Option<String>,
        /// The detector id.
        #[arg(long, value_name = "ID")]
        detector: Option<String>,
        /// For how many days (1 to 90).
        #[arg(long, value_name = "N")]
        days: u32,
        /// Why (kept in the audit log). Required.
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

/// `cordon rule set`: every flag optional; the list flags replace their whole list.
#[derive(Args)]
#[command(after_help = "\
List flags (--exclude-tag, --exclude-group, --exclude-name, --protect) may be repeated;
the values given replace the whole list (pass '' once to clear it). Machines that are
excluded are queued for a person (or skipped with --exclusions-skip true); protected
machines are never isolated by the rule.")]
pub struct RuleSetArgs {
    /// What the rule does with what matches. approval and automatic need --yes.
    #[arg(long, value_parser = words(MODE_WORDS))]
    pub mode: Option<RuleMode>,
    /// The minimum alert severity the rule takes (any case).
    #[arg(long, value_name = "S", value_parser = severity_parser(), ignore_case = true)]
    pub min_severity: Option<Severity>,
    /// Minutes between evaluations (1 to 1,440).
    #[arg(long = "interval", value_name = "MINUTES")]
    pub interval_minutes: Option<u32>,
    /// The breaker's limit: at most N isolations per hour (sets the window to 60
    /// minutes).
    #[arg(long, value_name = "N", conflicts_with_all = ["max_per_window", "window_minutes"])]
    pub max_per_hour: Option<u32>,
    /// The breaker's limit: at most N isolations per window (see --window-minutes).
    #[arg(long, value_name = "N")]
    pub max_per_window: Option<u32>,
    /// The breaker's rolling window, in minutes (1 to 1,440).
    #[arg(long, value_name = "MINUTES")]
    pub window_minutes: Option<u32>,
    /// The breaker opens when this many machines isolated by the rule are still isolated.
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<u32>,
    /// The rule isolates the same machine at most once per this many hours.
    #[arg(long, value_name = "HOURS")]
    pub flap_hours: Option<u32>,
    /// Hours a proposal waits for a person before it expires (1 to 168).
    #[arg(long, value_name = "HOURS")]
    pub approval_expiry_hours: Option<u32>,
    /// Exclude machines with this tag (repeatable; replaces the list).
    #[arg(long = "exclude-tag", value_name = "TAG")]
    pub exclude_tags: Option<Vec<String>>,
    /// Exclude this device group (repeatable; replaces the list).
    #[arg(long = "exclude-group", value_name = "NAME")]
    pub exclude_groups: Option<Vec<String>>,
    /// Exclude DNS names matching this glob, `*` and `?` (repeatable; replaces the list).
    #[arg(long = "exclude-name", value_name = "GLOB")]
    pub exclude_names: Option<Vec<String>>,
    /// Never isolate this machine by the rule, kept by id (repeatable; replaces the list).
    #[arg(long, value_name = "ID|NAME")]
    pub protect: Option<Vec<String>>,
    /// The isolation type (machines tagged proxy-dependent or hyper-v-host get selective).
    #[arg(long = "type", value_parser = words(ISOLATION_WORDS))]
    pub kind: Option<IsolationKind>,
    /// true: excluded machines are skipped; false: queued for a person.
    #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
    pub exclusions_skip: Option<bool>,
    /// Only alerts whose title contains TEXT (any case; '' matches every title).
    #[arg(long, value_name = "TEXT")]
    pub title_contains: Option<String>,
    /// Confirm a switch to approval or automatic (after reading the dry-run record).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Subcommand)]
pub enum ApprovalsCmd {
    /// The waiting proposals (the default), or every proposal with --all.
    List {
        /// Every proposal: approved, rejected and expired ones too.
        #[arg(long)]
        all: bool,
    },
    /// Approve proposals: each one's job is run to its end. Only a person, never the
    /// one who proposed it (four eyes), never an application identity.
    Approve {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Why (kept in the audit log). Required.
        #[arg(long)]
        comment: String,
    },
    /// Reject proposals (same rules as approve; nothing is sent).
    Reject {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Why (kept in the audit log). Required.
        #[arg(long)]
        comment: String,
    },
    /// Ask a second person to isolate or release a machine (anyone signed in may ask).
    Request {
        #[arg(value_parser = words(JOB_KIND_WORDS))]
        action: JobKind,
        #[arg(value_name = "ID|NAME")]
        machine: String,
        /// The comment the action will carry in Defender. Required.
        #[arg(long)]
        comment: String,
        /// For isolate: the isolation type (default: the rule's).
        #[arg(long = "type", value_parser = words(ISOLATION_WORDS))]
        kind: Option<IsolationKind>,
        /// Isolate a protected machine anyway, for this reason (kept in the audit log).
        #[arg(long, value_name = "TEXT")]
        override_reason: Option<String>,
    },
}

const MODE_WORDS: &[(&str, RuleMode)] = &[
    ("off", RuleMode::Off),
    ("dry-run", RuleMode::DryRun),
    ("approval", RuleMode::Approval),
    ("automatic", RuleMode::Automatic),
];

/// Defender's severities, listed in `--help`, parsed case-insensitively (with the
/// argument's `ignore_case`) into the core's `Severity`.
pub fn severity_parser() -> impl TypedValueParser<Value = Severity> {
    PossibleValuesParser::new(["Informational", "Low", "Medium", "High"])
        .try_map(|word| Severity::parse(&word).ok_or_else(|| format!("not a severity: {word}")))
}
