//! Cordon's domain, free of Tauri: the parts the desktop shell and the `cordon` CLI
//! both drive, through one [`App`] whose verbs are one-line delegations
//! ([`app`]).
//!
//! - [`fleet`]: the tenant's machines, isolation actions and alerts, kept current by
//!   a sync; state derivation, views and name resolution.
//! - [`jobs`]: every isolate or release is a journaled job: intents committed before
//!   any call, a runner that sees each machine through to one action (adopting what is
//!   under way, looking up unknown outcomes before any resend, waiting out 429s), the
//!   bulk preview and its token, the audit log.
//! - [`reconcile`]: stuck work, batches, history, auto-reconcile (pure functions plus
//!   the [`reconcile::Reconciler`] that applies them).
//! - [`automation`]: the scheduled isolation rule with its guard rails (a pure
//!   decision) and the approval queue (four eyes), run through the journal.
//! - [`agent`]: what the always-on `cordon agent` reports (health, metrics, webhook
//!   notices), computed here so every front end reads the same facts.
//! - [`store`]: one SQLite file per tenant: caches, journal, append-only audit log,
//!   settings.
//! - [`tenant`]: which tenant a process works on (profile, `CORDON_*`, active profile,
//!   demo), its store key, tuning, the secret store, saving and testing profiles: the
//!   one start-up of the app and the CLI.
//! - [`profiles`], [`secrets`], [`signin`]: tenant profiles, their secrets only in the
//!   OS credential store, delegated sign-in.
//! - [`about`]: the About panel's facts and the words of a crash (the panic hook).
//! - [`dto`]: the types that cross the IPC boundary (with generated TypeScript).
//!
//! Nothing here depends on Tauri (a compile error guards that boundary).

pub mod about;
pub mod agent;
pub mod app;
pub mod automation;
pub mod config;
pub mod dto;
pub mod error;
pub mod export;
pub mod fleet;
/// Entry points for `fuzz/` and the corpus replay tests; not a stable API.
#[doc(hidden)]
pub mod fuzzing;
pub mod jobs;
pub mod owner_only;
pub mod profiles;
pub mod reconcile;
pub mod secrets;
pub mod signin;
pub mod store;
pub mod team;
pub mod tenant;
pub mod time;

pub use app::{App, AppConfig};
pub use error::{CoreError, Result};
