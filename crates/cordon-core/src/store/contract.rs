//! The store contract: every operation the core asks of a store, as one trait
//! ([`Engine`]), and [`Store`], the handle the core holds, which dereferences to it.
//!
//! Why a macro: the list below is the contract, written once. It declares the trait
//! and implements it for an engine by calling that engine's own methods of the same
//! names, so an engine that lacks one, or has it with another signature, is a compile
//! error — the boundary is checked by the compiler, not by review. The embedded
//! engine is SQLite ([`SqliteStore`], the default, one file per tenant); the team
//! store is PostgreSQL ([`PgStore`], one database shared by a team), chosen by a
//! `postgres://` URL ([`Store::open_url`]). The same tests run against both
//! (`crates/cordon-core/tests/contract.rs`).
//!
//! Operations that only make sense for one engine (SQLite's pragmas and page cap,
//! PostgreSQL's `run`) stay on that engine's type, reached through [`Store::sqlite`]
//! and [`Store::pg`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use mde_api::{Alert, Machine, MachineAction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::grid_sql::{GridRecord, GridRows, GridWindow};
use super::health::Health;
use super::journal_entry::JournalEntry;
use super::pg::PgStore;
use super::proposals::{Decider, Verdict};
use super::rows::{ItemRow, JobCounts, JobRow, NewItem, NewJob, Transition};
use super::{NewAudit, Round, SqliteStore};
use crate::dto::automation::{
    BreakerState, DryRunRecord, Proposal, RuleDecision, RuleSettings, Suppression,
};
use crate::dto::grid::{GridChanges, GridFilter, GridQuery};
use crate::dto::jobs::{AuditEntry, AuditFilter, AuditPage, ItemState};
use crate::dto::{Counters, IpcError};
use crate::error::{CoreError, Result};
use crate::team::lease::{Bid, Claimant, ItemTake, LeaseRow, ProcessRow};

/// A visitor of audit entries (the exports stream them).
pub type AuditVisit<'a> = &'a mut dyn FnMut(AuditEntry) -> Result<()>;
/// A visitor of cached actions (History streams them).
pub type ActionVisit<'a> = &'a mut dyn FnMut(MachineAction) -> Result<()>;

macro_rules! contract {
    ($( $(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        /// Every operation the core asks of a store (see the module doc).
        pub trait Engine: std::any::Any + Send + Sync + std::fmt::Debug {
            $( $(#[$doc])* fn $name(&self $(, $arg: $ty)*) -> $ret; )*
        }

        /// Implements [`Engine`] for a type by calling its own methods.
        macro_rules! engine_for {
            ($t:ty) => {
                impl Engine for $t {
                    $( fn $name(&self $(, $arg: $ty)*) -> $ret { <$t>::$name(self $(, $arg)*) } )*
                }
            };
        }
    };
}

contract! {
    /// Where the store lives (`None` in memory or on a server).
    fn path(&self) -> Option<&Path>;
    fn schema_version(&self) -> Result<u32>;
    fn integrity_check(&self) -> Result<String>;
    fn health(&self) -> Health;
    fn check_health(&self) -> Health;
    fn ensure_sound(&self) -> Result<()>;
    fn backup_dir(&self) -> Option<PathBuf>;
    fn backups(&self) -> Result<Vec<(NaiveDate, PathBuf)>>;
    fn daily_backup(&self, today: NaiveDate, keep: usize) -> Result<Option<PathBuf>>;
    /// Folds the write-ahead log back into the store after a large write, so it does
    /// not stay hundreds of MB on disk. True when it was folded entirely (a reader of
    /// another process may hold it back: then it is folded at a later call).
    fn checkpoint(&self) -> Result<bool>;

    fn save_machines(&self, machines: &[Machine], removed: &[String]) -> Result<()>;
    fn save_actions(&self, actions: &[MachineAction]) -> Result<()>;
    fn save_alerts(&self, alerts: &[Alert]) -> Result<()>;
    fn load_machines(&self) -> Result<Vec<Machine>>;
    fn load_actions(&self) -> Result<Vec<MachineAction>>;
    fn load_alerts(&self) -> Result<Vec<Alert>>;
    /// Every cached action of these machines (ids in any case), oldest first
    /// (`action_reads.rs`: what the fleet does not keep in memory).
    fn machine_actions(&self, ids: &[String]) -> Result<Vec<MachineAction>>;
    /// Visits the cached actions created in [`since`, `until`] (stored times; `None`:
    /// open), newest first (stored creation time, then id).
    fn actions_each(&self, since: Option<&str>, until: Option<&str>, visit: ActionVisit<'_>) -> Result<()>;
    fn meta(&self, key: &str) -> Result<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    fn bind_tenant(&self, authority: &str, tenant_id: &str, label: &str) -> Result<()>;
    fn setting_json(&self, key: &str) -> Result<Option<String>>;
    fn set_setting_json(&self, key: &str, json: &str) -> Result<()>;

    fn create_job(&self, job: &NewJob, items: &[NewItem], now: DateTime<Utc>) -> Result<()>;
    fn claim(&self, job_id: &str, machine_id: &str, c: &Claimant, tenant_now: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool>;
    fn transition(&self, job_id: &str, machine_id: &str, from: ItemState, t: &Transition, now: DateTime<Utc>) -> Result<Option<ItemState>>;
    fn cancel_job(&self, job_id: &str, actor: &str, now: DateTime<Utc>) -> Result<JobRow>;
    fn halt_job(&self, job_id: &str, error: &IpcError, now: DateTime<Utc>) -> Result<()>;
    fn unhalt_job(&self, job_id: &str, now: DateTime<Utc>) -> Result<()>;
    fn job(&self, id: &str) -> Result<Option<JobRow>>;
    fn jobs(&self) -> Result<Vec<JobRow>>;
    fn items(&self, job_id: &str) -> Result<Vec<ItemRow>>;
    fn item(&self, job_id: &str, machine_id: &str) -> Result<Option<ItemRow>>;
    fn job_counts(&self, job_id: &str) -> Result<JobCounts>;
    fn unfinished_job_ids(&self) -> Result<Vec<String>>;
    fn journal_entries(&self) -> Result<Vec<JournalEntry>>;

    fn audit_append(&self, at: DateTime<Utc>, row: &NewAudit) -> Result<()>;
    fn audit_page(&self, filter: &AuditFilter, since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> Result<AuditPage>;
    fn audit_each(&self, filter: &AuditFilter, since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>, visit: AuditVisit<'_>) -> Result<()>;

    fn rule_settings(&self) -> Result<RuleSettings>;
    fn save_rule(&self, s: &RuleSettings, audit: &NewAudit, now: DateTime<Utc>) -> Result<()>;
    fn automation_paused(&self) -> Result<bool>;
    fn set_paused(&self, paused: bool, audit: &NewAudit, now: DateTime<Utc>) -> Result<()>;
    fn breaker(&self) -> Result<BreakerState>;
    fn set_breaker(&self, b: &BreakerState, audit: &NewAudit, now: DateTime<Utc>) -> Result<()>;
    fn rule_watermark(&self) -> Result<Option<DateTime<Utc>>>;
    fn rule_last_run(&self) -> Result<Option<DateTime<Utc>>>;
    fn seen_alerts(&self, ids: &[String]) -> Result<HashSet<String>>;
    fn commit_round(&self, r: &Round) -> Result<()>;
    fn open_isolation_machines(&self) -> Result<HashSet<String>>;
    fn open_items_by_state(&self) -> Result<Vec<(String, u32)>>;
    fn held(&self, job: &JobRow) -> Result<bool>;
    fn rule_isolations_since(&self, since: DateTime<Utc>) -> Result<Vec<(String, DateTime<Utc>)>>;
    fn approved_isolations_since(&self, since: DateTime<Utc>) -> Result<u32>;
    fn rule_decisions(&self, since: DateTime<Utc>, limit: u32) -> Result<Vec<RuleDecision>>;
    fn decisions_for(&self, alert_ids: &[String]) -> Result<HashMap<String, RuleDecision>>;
    fn dry_run_record(&self, now: DateTime<Utc>, days: u32) -> Result<DryRunRecord>;
    fn suppress(&self, s: &Suppression, now: DateTime<Utc>) -> Result<()>;
    fn suppressions(&self, now: DateTime<Utc>) -> Result<Vec<Suppression>>;

    fn propose(&self, p: &Proposal, proposer_oid: &str, now: DateTime<Utc>) -> Result<()>;
    fn expire_proposals(&self, now: DateTime<Utc>) -> Result<u32>;
    fn proposals(&self, all: bool) -> Result<Vec<Proposal>>;
    fn proposal(&self, id: &str) -> Result<Option<(Proposal, String)>>;
    fn decide_proposal(&self, id: &str, approve: bool, by: &Decider, comment: &str, job: Option<(NewJob, NewItem)>, now: DateTime<Utc>) -> Result<Verdict>;

    /// The team (`crate::team`): item leases, named leases, heartbeats.
    fn holds_item(&self, job_id: &str, machine_id: &str, owner: &str, now: DateTime<Utc>) -> Result<bool>;
    fn take_item(&self, job_id: &str, machine_id: &str, c: &Claimant, dead: Option<&str>, now: DateTime<Utc>) -> Result<ItemTake>;
    fn take_lease(&self, name: &str, b: &Bid, dead: Option<&str>, now: DateTime<Utc>) -> Result<LeaseRow>;
    fn release_lease(&self, name: &str, owner: &str) -> Result<()>;
    fn leases(&self) -> Result<Vec<LeaseRow>>;
    fn heartbeat(&self, p: &ProcessRow) -> Result<()>;
    fn processes(&self, since: DateTime<Utc>) -> Result<Vec<ProcessRow>>;
    fn leave(&self, owner: &str, now: DateTime<Utc>) -> Result<()>;
    // The machine grid (`grid_sql.rs`): `cutoff` is (now − the stuck threshold) as
    // stored times are written.
    /// Writes grid records (only those that differ move, stamped with the next change
    /// cursor) and forgets `removed`; `rebuild` drops every other row. The cursor after.
    fn save_grid(&self, rows: &[GridRecord], removed: &[String], rebuild: bool) -> Result<u32>;
    /// Moves the rows whose in-flight release turned stuck with time (cut-offs in
    /// (`from`, `to`]). The rows moved.
    fn grid_age(&self, from: &str, to: &str) -> Result<u32>;
    fn grid_window(&self, q: &GridQuery, cutoff: &str) -> Result<GridWindow>;
    fn grid_ids(&self, f: &GridFilter, cutoff: &str) -> Result<Vec<String>>;
    /// Every record matching `f`, by name, and the last sync time, in one read (a
    /// whole list, `cordon machines`, without a window or a machine's JSON).
    fn grid_rows(&self, f: &GridFilter, cutoff: &str) -> Result<GridRows>;
    fn grid_counters(&self, f: &GridFilter, cutoff: &str) -> Result<Counters>;
    fn grid_changes(&self, since: u32) -> Result<GridChanges>;
}

engine_for!(SqliteStore);
engine_for!(PgStore);

/// The URL schemes [`Store::open_url`] takes for PostgreSQL.
pub const PG_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

/// The store the core holds: one engine behind the contract.
#[derive(Debug)]
pub struct Store {
    engine: Box<dyn Engine>,
}

impl std::ops::Deref for Store {
    type Target = dyn Engine;

    fn deref(&self) -> &Self::Target {
        &*self.engine
    }
}

impl Store {
    /// The embedded store: opens (or creates) the SQLite file at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Self::from_engine(SqliteStore::open(path)?))
    }

    /// An embedded store in memory (tests, a core without a data folder).
    pub fn open_in_memory() -> Result<Store> {
        Ok(Self::from_engine(SqliteStore::open_in_memory()?))
    }

    /// The store at `url`: a `postgres://` (or `postgresql://`) URL opens the team store
    /// ([`PgStore::open`]: connects, checks the server, applies missing migrations).
    /// Anything else is refused with a sentence that never repeats the URL (it may
    /// hold a password).
    pub fn open_url(url: &str) -> Result<Store> {
        let trimmed = url.trim();
        let pg = PG_SCHEMES.iter().find_map(|s| {
            let head = trimmed.get(..s.len())?;
            let rest = trimmed.get(s.len()..)?;
            head.eq_ignore_ascii_case(s).then(|| format!("{s}{rest}"))
        });
        let Some(url) = pg else {
            let scheme = trimmed.split_once("://").map(|(s, _)| s).filter(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
            return Err(CoreError::Invalid {
                field: "store".into(),
                message: match scheme {
                    Some(s) => format!(
                        "a store URL starts with postgres:// or postgresql:// (a team store on PostgreSQL), not {s}://"
                    ),
                    None => "a store URL starts with postgres:// or postgresql:// (a team store on PostgreSQL), e.g. postgres://LOGIN:PASSWORD@HOST:5432/DATABASE".to_owned(),
                },
            });
        };
        Ok(Self::from_engine(PgStore::open(&url)?))
    }

    pub fn from_engine(engine: impl Engine + 'static) -> Store {
        Store {
            engine: Box::new(engine),
        }
    }

    /// The SQLite engine, for what only it has (pragmas, the page cap).
    pub fn sqlite(&self) -> Option<&SqliteStore> {
        (&*self.engine as &dyn std::any::Any).downcast_ref::<SqliteStore>()
    }

    /// The PostgreSQL engine, for what only it has (`run`, `transaction`, its label).
    pub fn pg(&self) -> Option<&PgStore> {
        (&*self.engine as &dyn std::any::Any).downcast_ref::<PgStore>()
    }

    /// A setting stored as JSON; `None` when never set.
    pub fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        super::cache::decode_setting(key, self.engine.setting_json(key)?)
    }

    pub fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value)
            .map_err(|e| CoreError::Storage(format!("encoding setting {key}: {e}")))?;
        self.engine.set_setting_json(key, &json)
    }
}
