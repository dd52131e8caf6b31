//! The command line's grammar (clap). Kept apart from the commands so `--help` and
//! the README can be checked against one place.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use cordon_core::dto::IsolationKind;
use cordon_core::dto::automation::Severity;
use cordon_core::dto::jobs::JobKind;
use cordon_core::profiles::{AuthMode, Cloud};

use crate::cli_automation::{ApprovalsCmd, RuleCmd, severity_parser};
use crate::cli_bulk::BulkOpts;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  some machines failed, or some proposals were refused (the others were done; see
     each line); with --wait: some action ended Failed, TimeOut or Cancelled, or was
     never sent
  2  usage or input error: bad arguments, empty comment, malformed id, unknown or
     ambiguous machine (the candidates are printed and nothing is sent), unknown
     profile, no tenant configured, a rule change that needs --yes (nothing changed),
     a --from-file that cannot be read or lists no machine
  3  Defender or sign-in error (refused, unreachable, missing permission, not signed
     in, a server certificate this computer does not trust: Defender's, the sign-in
     service's or the team store's), or refused by a safety rule because of who is signed in (an application may
     propose but never approve; only a person closes the breaker; approving needs
     Machine.Isolate) or a protected machine without --override-reason: nothing was done
  4  secure storage unavailable (the OS credential store cannot be used)
  5  Cordon's store failed, local or team (nothing was sent without a committed intent)
  6  --wait ran out: every action sent, none failed, some still Pending or InProgress
     (they go on in Defender; `cordon jobs wait JOB-ID` waits again)

Bulk work: `isolate` and `release` are journaled jobs. Each intent is committed to the
store before any call; progress goes to stderr (“n of N, throttled until …,
<machine>: <result>”), results to stdout. Above 25 machines, --yes or a typed
confirmation (at a terminal) is required. A command killed at any point is finished by
`cordon jobs resume`, without any action sent twice. --from-file PATH (`-`: stdin) adds
one id or DNS name per line (blank lines and # comments ignored) to the arguments;
--dry-run prints the preview and sends nothing; --wait [DURATION] (alone: 30m; e.g.
--wait=10m) then waits until each action has ended (Succeeded, Failed, TimeOut,
Cancelled).

Tenant: --profile NAME, else CORDON_TENANT_ID + CORDON_CLIENT_ID + CORDON_CLIENT_SECRET
(+ CORDON_AUTHORITY, CORDON_API_BASE), else the active profile (`cordon profiles use`).
Profiles and the journal stores live in --data-dir, else CORDON_DATA_DIR, else the
app's data folder: one store per tenant (stores/<hash of authority and tenant id>.sqlite3),
shared by every profile on that tenant, the CORDON_* variables and the desktop app;
secrets only in the OS credential store.
Team store: --store URL, else CORDON_STORE_URL, keeps the journal, audit log, caches and
settings in one PostgreSQL database shared by a tenant's analysts and agents instead
of the local file: postgres://LOGIN:PASSWORD@HOST:5432/DATABASE (postgresql:// too;
percent-encode @ : / in the password; TLS is not supported yet). One database per
tenant. Prefer the variable: a command line is visible to other users of the machine.
See docs/team-store.md.
Tuning: CORDON_CONCURRENCY, CORDON_RATE_PER_MINUTE, CORDON_RATE_PER_HOUR,
CORDON_RATE_WINDOW_SECS.";

#[derive(Parser)]
#[command(
    name = "cordon",
    version,
    about = "Isolate, watch and release machines in Microsoft Defender for Endpoint",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The tenant profile to use (default: CORDON_* variables, then the active profile).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where profiles and the journal stores are kept (default: CORDON_DATA_DIR, then the
    /// app's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A team store on PostgreSQL (postgres://LOGIN:PASSWORD@HOST:5432/DATABASE) instead
    /// of the local store file (default: CORDON_STORE_URL, else the local file).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "CORDON_STORE_URL",
        hide_env_values = true
    )]
    pub store: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// The always-on service: sync, the isolation rule, unfinished and approved jobs,
    /// auto-reconcile, as the tenant's application; `/healthz` and `/metrics` on
    /// loopback; JSON logs on stderr; runs until SIGTERM or Ctrl-C.
    Agent(AgentArgs),
    /// Manage tenant profiles (shared with the desktop app).
    #[command(subcommand)]
    Profiles(ProfilesCmd),
    /// Sign in to a delegated profile (browser or device code) and store the session.
    Signin,
    /// Counts of machines by isolation state.
    Status,
    /// List machines with their isolation state, from the store (filtered there),
    /// after an incremental sync; `--json` prints `{asOf, total, machines}`.
    Machines {
        /// Only machines isolated right now (including pending or stuck releases).
        #[arg(long)]
        isolated: bool,
        /// Only machines whose name, id or IP contains this text.
        #[arg(long)]
        search: Option<String>,
        /// No sync and no request: the store as the last sync left it (`asOf`).
        #[arg(long)]
        offline: bool,
    },
    /// One machine (by 40-hex id or DNS name) with its isolation timeline.
    Machine { machine: String },
    /// List machine actions (any type), newest first; filtered by Defender.
    Actions {
        /// A machine id or DNS name.
        #[arg(long)]
        machine: Option<String>,
        /// Action type, e.g. Isolate, Unisolate, RunAntiVirusScan.
        #[arg(long = "type", value_name = "TYPE")]
        action_type: Option<String>,
        /// Status: Pending, InProgress, Succeeded, Failed, TimeOut, Cancelled.
        #[arg(long)]
        status: Option<String>,
        /// Only actions created since this time (RFC 3339, or a date).
        #[arg(long, value_name = "RFC3339")]
        since: Option<String>,
    },
    /// Isolate machines (by id or name) as one journaled job. Every name is resolved
    /// before anything is sent.
    Isolate {
        #[arg(value_name = "ID|NAME", required_unless_present = "from_file")]
        machines: Vec<String>,
        /// Why (kept in Defender's action log). Required.
        #[arg(long)]
        comment: String,
        #[arg(long = "type", value_parser = words(ISOLATION_WORDS), default_value = "full")]
        kind: IsolationKind,
        #[command(flatten)]
        opts: BulkOpts,
    },
    /// Release machines from isolation as one journaled job: named machines, a batch
    /// (`cordon batches`), or every machine isolated with a comment containing TEXT.
    /// A preview with the exclusions is printed first.
    Release {
        #[arg(value_name = "ID|NAME", required_unless_present_any = ["batch", "isolated_by_comment", "from_file"])]
        machines: Vec<String>,
        /// Release the machines of this batch that are isolated now.
        #[arg(long, value_name = "ID", conflicts_with_all = ["machines", "isolated_by_comment", "from_file"])]
        batch: Option<String>,
        /// Release every machine isolated now whose isolation comment contains TEXT.
        #[arg(long, value_name = "TEXT", conflicts_with_all = ["machines", "from_file"])]
        isolated_by_comment: Option<String>,
        /// With --batch or --isolated-by-comment: also release machines isolated by
        /// someone else (named machines are always included).
        #[arg(long)]
        include_foreign: bool,
        /// Why (kept in Defender's action log). Required.
        #[arg(long)]
        comment: String,
        #[command(flatten)]
        opts: BulkOpts,
    },
    /// Cancel a pending or in-progress action.
    Cancel {
        #[arg(value_name = "ACTION-ID")]
        action_id: String,
        /// Why. Required.
        #[arg(long)]
        comment: String,
    },
    /// Bulk jobs of the journal: list (default), show, resume, cancel, wait.
    Jobs {
        #[command(subcommand)]
        cmd: Option<JobsCmd>,
    },
    /// Isolated machines grouped by cause (alert, requestor and comment, time window):
    /// the batch ids `release --batch` takes.
    Batches,
    /// Stuck isolation work with its cause and Cordon's next step (the Reconciliation view).
    Reconcile,
    /// Every isolation and release action, newest first, with a per-day count.
    History {
        /// From this time (RFC 3339 or YYYY-MM-DD), inclusive.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Up to this time (RFC 3339 or YYYY-MM-DD), inclusive.
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// isolate or release.
        #[arg(long = "kind", value_parser = words(JOB_KIND_WORDS))]
        kind: Option<JobKind>,
        /// Defender's status, e.g. Succeeded, Pending, TimeOut.
        #[arg(long)]
        status: Option<String>,
        /// Part of the requestor's name.
        #[arg(long)]
        requestor: Option<String>,
        /// A machine id or part of its name.
        #[arg(long)]
        machine: Option<String>,
        /// Write CSV (the app's export) instead of text.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Cordon's audit log (local, append-only): what was asked, sent and seen.
    Audit {
        /// From this time (RFC 3339 or YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Up to this time (RFC 3339 or YYYY-MM-DD).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Entries mentioning TEXT (actor, event, machine, comment or detail).
        #[arg(long)]
        text: Option<String>,
        /// Entries of one job.
        #[arg(long, value_name = "JOB-ID")]
        job: Option<String>,
        /// Write CSV instead of text.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
    },
    /// Recent alerts (live from Defender), newest first, with what the isolation rule
    /// decided for each.
    Alerts {
        /// From this time (RFC 3339 or YYYY-MM-DD); default: the last 24 hours.
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// The minimum severity (any case).
        #[arg(long, value_name = "S", value_parser = severity_parser(), ignore_case = true)]
        severity: Option<Severity>,
    },
    /// The isolation rule: show, set, run once, pause, resume, close the breaker,
    /// suppress a detection.
    #[command(subcommand)]
    Rule(RuleCmd),
    /// The approval queue: list (default), approve, reject, request.
    Approvals {
        /// With the default `list`: every proposal, not only the waiting ones.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        cmd: Option<ApprovalsCmd>,
    },
    /// Print the completion script of a shell on stdout. PowerShell: add
    /// `cordon completions powershell | Out-String | Invoke-Expression` to $PROFILE.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
pub enum JobsCmd {
    /// Every job, newest first, with its progress.
    List,
    /// One job and each of its machines.
    Show {
        #[arg(value_name = "JOB-ID")]
        id: String,
    },
    /// Finish every unfinished job (after a crash or kill): what may have been sent is
    /// looked up first, nothing is sent twice.
    Resume,
    /// Cancel a job: nothing more is sent; unsent machines end cancelled.
    Cancel {
        #[arg(value_name = "JOB-ID")]
        id: String,
    },
    /// Wait until every action of a job has ended in Defender (as `--wait` does), e.g.
    /// after a wait that ran out.
    Wait {
        #[arg(value_name = "JOB-ID")]
        id: String,
        /// At most this long (90s, 10m, 2h, 1h30m).
        #[arg(long = "for", value_name = "DURATION", default_value = crate::cli_bulk::DEFAULT_WAIT, value_parser = crate::cli_bulk::parse_duration)]
        limit: std::time::Duration,
    },
}

#[derive(Subcommand)]
pub enum ProfilesCmd {
    /// Add a profile, or replace the one with that name.
    Add(AddArgs),
    /// List the profiles.
    List,
    /// Remove a profile and its stored secrets.
    Remove { name: String },
    /// Make a profile the active one.
    Use { name: String },
}

#[derive(Args)]
pub struct AddArgs {
    pub name: String,
    /// Directory (tenant) id, a GUID.
    #[arg(long)]
    pub tenant_id: String,
    /// Application (client) id, a GUID.
    #[arg(long)]
    pub client_id: String,
    /// The Microsoft cloud (custom needs --authority and --api-base).
    #[arg(long, value_parser = cloud_parser())]
    pub cloud: Option<Cloud>,
    /// How to sign in (default: browser, delegated: actions are attributed to you).
    #[arg(long = "auth", value_parser = words(AUTH_WORDS), default_value = "browser")]
    pub auth: AuthMode,
    /// Token service URL (custom cloud).
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
    /// Defender API URL (custom cloud).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// PEM (certificate + key) or PFX file, for --auth certificate.
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,
    /// Read the client secret (or the PFX password) from standard input and keep it
    /// in the OS credential store.
    #[arg(long)]
    pub secret_stdin: bool,
}

/// The command line's words for the core's own types (no mirrored enums: clap parses
/// straight into them).
pub(crate) const JOB_KIND_WORDS: &[(&str, JobKind)] =
    &[("isolate", JobKind::Isolate), ("release", JobKind::Release)];
pub(crate) const ISOLATION_WORDS: &[(&str, IsolationKind)] = &[
    ("full", IsolationKind::Full),
    ("selective", IsolationKind::Selective),
];
const AUTH_WORDS: &[(&str, AuthMode)] = &[
    ("client-secret", AuthMode::ClientSecret),
    ("certificate", AuthMode::Certificate),
    ("browser", AuthMode::Browser),
    ("device-code", AuthMode::DeviceCode),
];

/// `cordon agent`'s options.
#[derive(Args, Debug, Clone)]
pub struct AgentArgs {
    /// One round (sync, unfinished jobs, auto-reconcile, one rule evaluation), then
    /// exit with a JSON summary (for schedulers).
    #[arg(long)]
    pub once: bool,
    /// Loopback address of `/healthz` and `/metrics` (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:9464", value_name = "ADDR:PORT")]
    pub listen: String,
    /// Post on-call notices (breaker opened, approvals waiting, a job that needs
    /// attention) to this URL.
    #[arg(long, value_name = "URL", env = "CORDON_WEBHOOK_URL")]
    pub webhook: Option<String>,
    /// The webhook's body: generic (JSON with the details), teams or slack (incoming
    /// webhooks' `{"text": …}`).
    #[arg(long, default_value = "generic", value_name = "FORMAT")]
    pub webhook_format: String,
    /// Tell the on-call when a proposal has waited this many minutes.
    #[arg(long, default_value_t = 30, value_name = "MINUTES")]
    pub approvals_after_minutes: u32,
    /// The name the team sees ("Automation runs on agent NAME"); the host's by default.
    #[arg(long, value_name = "NAME", env = "CORDON_AGENT_NAME")]
    pub name: Option<String>,
    /// How long this agent's leases hold without renewal: when it falls silent,
    /// another agent takes the sync and the rule over after this long.
    #[arg(long, default_value = "120", value_name = "SECONDS")]
    pub lease_seconds: u64,
}

/// A parser that accepts `table`'s words (listed in `--help`) into their values.
pub(crate) fn words<T: Copy + Send + Sync + 'static>(
    table: &'static [(&'static str, T)],
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(table.iter().map(|(w, _)| *w)).map(move |word: String| {
        table
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, v)| *v)
            .unwrap_or(table[0].1)
    })
}

/// `--cloud`: the words of [`Cloud::name`] (listed in `--help`), parsed into the one
/// `Cloud` type of Cordon.
fn cloud_parser() -> impl TypedValueParser<Value = Cloud> {
    PossibleValuesParser::new(Cloud::ALL.map(Cloud::name)).try_map(|word| word.parse::<Cloud>())
}
