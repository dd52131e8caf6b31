//! The command line's grammar (clap). Kept apart from the commands so `--help` and
//! the README can be checked against one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  some machines failed (the others were done; see each line)
  2  usage or input error: bad arguments, empty comment, malformed id, unknown or
     ambiguous machine (the candidates are printed and nothing is sent), unknown
     profile, no tenant configured
  3  Defender or sign-in error (refused, unreachable, missing permission, not signed in)
  4  secure storage unavailable (the OS credential store cannot be used)

Tenant: --profile NAME, else CORDON_TENANT_ID + CORDON_CLIENT_ID + CORDON_CLIENT_SECRET
(+ CORDON_AUTHORITY, CORDON_API_BASE), else the active profile (`cordon profiles use`).
Profiles live in --data-dir, else CORDON_DATA_DIR, else the app's data folder; their
secrets only in the OS credential store.";

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
    /// Where profiles are kept (default: CORDON_DATA_DIR, then the app's data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Manage tenant profiles (shared with the desktop app).
    #[command(subcommand)]
    Profiles(ProfilesCmd),
    /// Sign in to a delegated profile (browser or device code) and store the session.
    Signin,
    /// Counts of machines by isolation state.
    Status,
    /// List machines with their isolation state.
    Machines {
        /// Only machines isolated right now (including pending or stuck releases).
        #[arg(long)]
        isolated: bool,
        /// Only machines whose name, id or IP contains this text.
        #[arg(long)]
        search: Option<String>,
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
    /// Isolate machines (by id or name). Every name is resolved before anything is sent.
    Isolate {
        #[arg(required = true, value_name = "ID|NAME")]
        machines: Vec<String>,
        /// Why (kept in Defender's action log). Required.
        #[arg(long)]
        comment: String,
        #[arg(long = "type", value_enum, default_value = "full")]
        kind: Kind,
    },
    /// Release machines from isolation (by id or name).
    Release {
        #[arg(required = true, value_name = "ID|NAME")]
        machines: Vec<String>,
        /// Why (kept in Defender's action log). Required.
        #[arg(long)]
        comment: String,
    },
    /// Cancel a pending or in-progress action.
    Cancel {
        #[arg(value_name = "ACTION-ID")]
        action_id: String,
        /// Why. Required.
        #[arg(long)]
        comment: String,
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
    #[arg(long, value_enum)]
    pub cloud: Option<CloudArg>,
    /// How to sign in (default: browser, delegated: actions are attributed to you).
    #[arg(long = "auth", value_enum, default_value = "browser")]
    pub auth: AuthArg,
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

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Full,
    Selective,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CloudArg {
    Global,
    Us,
    Eu,
    Uk,
    Au,
    Swa,
    Ina,
    Gcc,
    GccHigh,
    Dod,
    Custom,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AuthArg {
    ClientSecret,
    Certificate,
    Browser,
    DeviceCode,
}
