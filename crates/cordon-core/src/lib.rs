//! Cordon's domain, free of Tauri: the isolation-state derivation, the app core that
//! keeps a tenant's machines and isolation actions current, the isolate/release
//! operations, and the DTOs that cross the IPC boundary (with generated TypeScript).
//!
//! Tenant profiles (shared by the app and the CLI) live in [`profiles`], their
//! secrets only in the OS credential store ([`secrets`]).
//!
//! The desktop shell and the `cordon` CLI are thin layers over this crate; nothing here
//! depends on Tauri (a compile error guards that boundary).

pub mod actions;
mod analysis;
pub mod app;
pub mod derive;
pub mod dto;
pub mod dto_jobs;
pub mod env;
pub mod error;
pub mod grouping;
pub mod history;
pub mod jobs;
pub mod journal_entry;
mod ops;
pub mod paths;
pub mod profiles;
pub mod reconcile;
pub mod resolve;
mod runner;
mod runner_item;
pub mod secrets;
pub mod signin;
pub mod store;
mod sync;
pub mod view;

pub use app::{App, AppConfig};
pub use error::{CoreError, Result};
