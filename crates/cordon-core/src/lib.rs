//! Cordon's domain, free of Tauri: the isolation-state derivation, the app core that
//! keeps a tenant's machines and isolation actions current, the isolate/release
//! operations, and the DTOs that cross the IPC boundary (with generated TypeScript).
//!
//! Tenant profiles (shared by the app and the CLI) live in [`profiles`], their
//! secrets only in the OS credential store ([`secrets`]).
//!
//! Durable state lives in one SQLite file per profile ([`store`]): the caches (so a
//! restart shows the last known fleet at once), the journal of bulk jobs, the
//! append-only audit log and the settings. Every isolate or release is a job
//! ([`jobs`]): its intents are committed before any call, and the runner sees each
//! machine through to one action, never two (adopting what is already under way,
//! looking up unknown outcomes before any resend, waiting out 429s), survives a crash
//! and resumes at the next start.
//!
//! The desktop shell and the `cordon` CLI are thin layers over this crate; nothing here
//! depends on Tauri (a compile error guards that boundary).

pub mod actions;
mod analysis;
pub mod app;
pub mod derive;
pub mod dto;
pub mod dto_jobs;
pub mod error;
pub mod grouping;
pub mod history;
pub mod jobs;
pub mod jobs_audit;
pub mod journal_entry;
mod ops;
pub mod profiles;
pub mod reconcile;
pub mod resolve;
mod runner;
mod runner_item;
mod runner_lookup;
pub mod secrets;
pub mod signin;
pub mod store;
mod sync;
pub mod tenant;
pub mod view;

pub use app::{App, AppConfig};
pub use error::{CoreError, Result};
