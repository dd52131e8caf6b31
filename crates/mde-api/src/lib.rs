//! # mde-api — a typed client for Entra ID tokens and the Defender for Endpoint API
//!
//! Cordon isolates and releases machines through Microsoft Defender for
//! Endpoint. This crate is the only code that talks to Microsoft; it has no
//! Tauri and no database, so it can be tested against the `mde-sim` simulator
//! and reused by the CLI.
//!
//! What it promises, and why:
//! - **No duplicate actions.** Isolate/release/cancel are never resent blindly.
//!   When a POST left and no answer came, the result is
//!   [`Error::OutcomeUnknown`]: look the action up before any resend. A 429 on
//!   an action is returned at once (with `retry_after`) and never resent here:
//!   the caller, which knows whether the intent still stands, decides.
//! - **Reads survive a flaky service.** GETs are retried on 408/429/5xx and
//!   transport errors, honouring `Retry-After`, with capped, jittered backoff,
//!   and paced under Defender's per-API limits (100/min, 1,500/h).
//! - **The token stays where it belongs.** No redirects are followed; the bearer
//!   goes only to the configured API origin, over https (or http to loopback,
//!   for the simulator); secrets print as `Secret(***)`.
//! - **Works behind a company proxy.** Every client ([`net`]) trusts the OS
//!   certificate store ([`tls`]) and uses the system's proxy; a certificate it
//!   refuses is [`Error::UntrustedCertificate`] (which host, issued by whom), never
//!   a network failure.
//! - **Queries cannot be injected.** `$filter` text is only made by
//!   [`Filter`], which quotes every literal.
//! - **Sign-in without secrets on the desk.** [`Credentials`] are a client
//!   secret, a certificate ([`CertificateCredential`], a signed
//!   `client_assertion`), or a delegated refresh token from [`signin`]
//!   (browser auth code + PKCE on a 127.0.0.1 loopback, or device code);
//!   rotated refresh tokens go to a [`RefreshTokenStore`] before use.
//! - **Wire quirks are absorbed here.** 404 on an empty machine list,
//!   `lastUpdateTimeUtc`/`lastUpdateDateTimeUtc`, `externalID`/`externalId`,
//!   numeric `rbacGroupId`, unknown enum values (kept as `Other`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), mde_api::Error> {
//! use mde_api::*;
//! let client = Client::new(
//!     Endpoints::global(),
//!     Credentials::client_secret("tenant-guid", "app-guid", "secret"),
//!     ClientOptions::default(),
//! )?;
//! let id = MachineId::parse("1e5bc9d7e413ddd7902c2932e418702b84d0cc07")?;
//! let action = client.isolate(&id, IsolationType::Full, "alert 1234").await?;
//! let pending = client
//!     .list_machine_actions(&Query::new().filter(
//!         Filter::eq("machineId", id.as_str()).and(Filter::eq("status", "Pending")),
//!     ))
//!     .await?;
//! # let _ = (action, pending);
//! # Ok(()) }
//! ```

mod auth;
mod certificate;
mod client;
mod credentials;
mod endpoints;
mod error;
mod fetch;
/// Entry points for `fuzz/` and the corpus replay tests; not a stable API.
#[doc(hidden)]
pub mod fuzzing;
mod ids;
mod kinds;
mod lenient;
mod model;
pub mod net;
mod pacing;
mod pager;
mod principal;
pub mod query;
pub mod retry;
pub mod signin;
pub mod tls;
mod transport;

pub use client::{Client, ClientOptions};
pub use credentials::{CertificateCredential, Credentials, RefreshTokenStore, Secret};
pub use endpoints::{Cloud, DEFENDER_SCOPE, Endpoints, UnknownCloud};
pub use error::{Error, MAX_RAW_BODY};
pub use ids::MachineId;
pub use kinds::{
    ActionStatus, ActionType, AlertSeverity, AlertStatus, DeviceValue, ExposureLevel, HealthStatus,
    IsolationType, OnboardingStatus, RiskScore,
};
pub use model::{Alert, IpAddress, Machine, MachineAction};
pub use pacing::SendSlot;
pub use principal::Principal;
pub use query::{CmpOp, Filter, Literal, Query};

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
