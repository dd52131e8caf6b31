//! The store contract, tested once for both engines: every test in `contract/` is a
//! function of a [`Store`] (or of a [`Fixture`], when it needs a second handle on the
//! same store or raw SQL), and [`contract_tests!`] runs each one against a SQLite file
//! in a temp folder (`sqlite::…`) and against a fresh PostgreSQL database
//! (`postgres::…`, dropped at the end of the test).
//!
//! The PostgreSQL half needs `CORDON_TEST_PG_URL` (`eval "$(bash scripts/pg.sh start)"`);
//! without it those tests fail with that hint, unless `CORDON_SKIP_PG=1`.
#![allow(clippy::unwrap_used)]

#[path = "contract/action_reads.rs"]
mod action_reads;
#[path = "contract/audit.rs"]
mod audit;
#[path = "contract/automation.rs"]
mod automation;
#[path = "contract/cache.rs"]
mod cache;
#[path = "contract/grid.rs"]
mod grid;
#[path = "contract/grid_rows.rs"]
mod grid_rows;
#[allow(dead_code)]
#[path = "pg/harness.rs"]
mod harness;
#[path = "contract/jobs.rs"]
mod jobs;
#[path = "contract/proposals.rs"]
mod proposals;
#[path = "contract/races.rs"]
mod races;
#[path = "contract/rule_reads.rs"]
mod rule_reads;
#[path = "contract/team.rs"]
mod team;

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use cordon_core::CoreError;
use cordon_core::dto::IsolationKind;
use cordon_core::dto::automation::{Proposal, ProposalState};
use cordon_core::dto::jobs::JobKind;
use cordon_core::store::{NewItem, NewJob, Store};

/// Where a fixture's store lives.
enum Place {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Pg(Box<harness::TestDb>),
}

/// One test's store, and how to reach it as another process would.
pub struct Fixture {
    pub store: Store,
    // Dropped after the store: the folder or the database outlives its handles.
    place: Place,
}

impl Fixture {
    /// Another handle on the same store (another connection, as another process has).
    pub fn open_again(&self) -> Store {
        match &self.place {
            Place::Sqlite { path, .. } => Store::open(path).unwrap(),
            Place::Pg(db) => Store::open_url(&db.url).unwrap(),
        }
    }

    /// Runs `sql` on a connection of its own, bypassing Cordon (as any other program
    /// could); the error's words when the engine refuses it.
    pub fn raw_sql(&self, sql: &str) -> Result<(), String> {
        match &self.place {
            Place::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch(sql).map_err(|e| e.to_string())
            }
            Place::Pg(db) => {
                harness::simple(&db.config, sql)
                    .map(drop)
                    .map_err(|e| match e.as_db_error() {
                        Some(d) => d.message().to_owned(),
                        None => e.to_string(),
                    })
            }
        }
    }
}

/// Runs `test` on a new SQLite store file.
pub fn on_sqlite(test: impl FnOnce(&Fixture)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contract.sqlite3");
    let store = Store::open(&path).unwrap();
    assert!(store.sqlite().is_some() && store.pg().is_none());
    test(&Fixture {
        store,
        place: Place::Sqlite { _dir: dir, path },
    });
}

/// Runs `test` on a new PostgreSQL database (nothing when skipped on purpose).
pub fn on_pg(test: impl FnOnce(&Fixture)) {
    let Some(db) = harness::TestDb::new() else {
        return;
    };
    let store = Store::open_url(&db.url).unwrap();
    assert!(store.pg().is_some() && store.sqlite().is_none());
    test(&Fixture {
        store,
        place: Place::Pg(Box::new(db)),
    });
}

/// Instantiates each test for both engines: `store:` tests take a `&Store`,
/// `fixture:` tests a `&Fixture`.
macro_rules! contract_tests {
    (store: [$($m:ident :: $t:ident),* $(,)?], fixture: [$($fm:ident :: $ft:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            $( #[test] fn $t() { super::on_sqlite(|f| super::$m::$t(&f.store)) } )*
            $( #[test] fn $ft() { super::on_sqlite(super::$fm::$ft) } )*
        }
        mod postgres {
            $( #[test] fn $t() { super::on_pg(|f| super::$m::$t(&f.store)) } )*
            $( #[test] fn $ft() { super::on_pg(super::$fm::$ft) } )*
        }
    };
}

contract_tests! {
    store: [
        jobs::a_job_runs_to_done_with_its_audit_rows,
        jobs::claims_are_refused_when_not_running_or_paused,
        jobs::a_cancel_cancels_what_was_not_sent,
        jobs::halt_and_resume,
        jobs::moves_are_guarded_and_counted,
        audit::audit_pages_count_from_the_newest_end,
        audit::the_text_filter_pages_and_counts_its_matches,
        audit::entries_name_their_machines,
        automation::settings_meta_and_the_tenant_binding,
        automation::pause_and_breaker_are_audited,
        automation::a_round_commits_alerts_decisions_a_job_and_a_proposal,
        rule_reads::the_dry_run_record,
        rule_reads::suppressions_in_force,
        rule_reads::open_items_by_state_counts_unfinished_jobs,
        proposals::verdicts_four_eyes_expiry_and_already_decided,
        proposals::expiry_and_listing,
        cache::caches_round_trip,
        action_reads::a_machines_timeline_and_a_range_newest_first,
        action_reads::a_long_walk_crosses_its_chunks_without_a_gap_or_a_repeat,
        team::a_claim_leases_the_item_and_only_its_holder_may_post,
        team::an_ended_process_loses_its_items_at_once,
        team::a_job_is_sent_only_by_its_principal_or_the_automations_leader,
        team::named_leases_rank_agents_first_and_expire,
        team::heartbeats_are_kept_and_a_leave_removes_them,
        grid::the_grid_filters_sorts_and_counts_in_the_store,
        grid::the_cursor_moves_only_for_rows_that_changed,
        grid_rows::a_whole_list_is_one_read_of_the_records,
        grid_rows::the_rows_shown_from_the_records_are_the_derivations,
        grid_rows::a_checkpoint_folds_the_log_back,
    ],
    fixture: [
        audit::the_audit_log_is_append_only,
        races::two_handles_racing_to_claim_claim_each_item_once,
        races::two_handles_racing_to_decide_decide_once,
        races::a_cancel_racing_claims_leaves_nothing_claimed_after_it,
        team::two_handles_bidding_at_once_agree_on_one_leader,
    ],
}

/// A fixed clock: `minutes` after 2026-03-02 10:00 UTC.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// A machine id (40 hex-ish characters) from a short tag.
pub fn machine(tag: &str) -> String {
    format!("{tag:0>40}")
}

/// A claimant whose lease has already ended, as a crash leaves one (the contract's
/// journal tests are about states, not leases: `team.rs` tests those).
pub fn gone() -> cordon_core::team::Claimant {
    cordon_core::team::Claimant::ended("test-process")
}

pub fn new_job(id: &str, kind: JobKind, source: Option<&str>) -> NewJob {
    NewJob {
        id: id.into(),
        kind,
        comment: format!("comment of {id}"),
        isolation_type: None,
        requested_by: "ana@contoso.com".into(),
        source: source.map(str::to_owned),
        sender: None,
    }
}

pub fn new_items(tags: &[&str]) -> Vec<NewItem> {
    tags.iter()
        .map(|t| NewItem {
            machine_id: machine(t),
            machine_name: Some(format!("ws-{t}")),
        })
        .collect()
}

/// The events of the whole audit log, oldest first.
pub fn events(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    store
        .audit_each(&Default::default(), None, None, &mut |e| {
            out.push(e.event);
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn a_store_url_must_be_postgresql_and_is_never_echoed() {
    for url in [
        "mysql://ana:pw-secret@db.example/cordon",
        "sqlite:///var/lib/pw-secret.sqlite3",
        "ana:pw-secret@db.example/cordon",
        "",
    ] {
        match Store::open_url(url) {
            Err(CoreError::Invalid { field, message }) => {
                assert_eq!(field, "store");
                assert!(message.contains("postgres://"), "{message}");
                assert!(!message.contains("pw-secret"), "{message}");
            }
            other => panic!("{url}: {other:?}"),
        }
    }
    // A PostgreSQL URL goes to the team store, which names what failed without the
    // password (here: nothing listens).
    for url in [
        "postgres://ana:pw-secret@127.0.0.1:1/x?connect_timeout=2",
        "PostgreSQL://ana:pw-secret@127.0.0.1:1/x?connect_timeout=2",
    ] {
        match Store::open_url(url) {
            Err(CoreError::TeamStore(m)) => assert!(!m.contains("pw-secret"), "{m}"),
            other => panic!("{url}: {other:?}"),
        }
    }
}

/// A waiting isolation proposal of `machine(tag)`, proposed at `t(at)`, expiring at
/// `t(expires)`.
pub fn proposal(id: &str, tag: &str, at: i64, expires: i64) -> Proposal {
    Proposal {
        id: id.into(),
        machine_id: machine(tag),
        machine_name: Some(format!("ws-{tag}")),
        action: "isolate".into(),
        isolation_type: Some(IsolationKind::Selective),
        comment: format!("comment of {id}"),
        reason: "approval mode".into(),
        alert_id: Some(format!("alert-{tag}")),
        proposed_by: "ana".into(),
        proposed_at: rfc3339(t(at)),
        expires_at: rfc3339(t(expires)),
        state: ProposalState::Waiting,
        decided_by: None,
        decided_at: None,
        decision_comment: None,
        job_id: None,
        overrides_protection: false,
    }
}

/// A time as the store writes it (RFC 3339 UTC, milliseconds).
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
