//! How a core reaches its tenant and how often it looks: the one value both front
//! ends build (through the tenant resolution) and hand to [`crate::App`].

use std::path::PathBuf;
use std::time::Duration;

use mde_api::{ClientOptions, Credentials, Endpoints};

use crate::fleet::derive::Thresholds;

/// How the core reaches its tenant and how often it looks.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub endpoints: Endpoints,
    pub credentials: Credentials,
    pub client_options: ClientOptions,
    /// True when the endpoints are the embedded simulator.
    pub demo: bool,
    pub tenant_label: String,
    /// Poll interval while isolation work is under way.
    pub busy_poll: Duration,
    /// Poll interval when nothing is moving.
    pub idle_poll: Duration,
    /// How often the (larger) machine list is refreshed.
    pub machines_every: Duration,
    pub thresholds: Thresholds,
    /// The store file (see [`crate::tenant::paths::store_path`]); `None` keeps the store in
    /// memory (tests only: nothing survives the process).
    pub store_path: Option<PathBuf>,
    /// A team store (PostgreSQL) instead of the file: when set, [`crate::App::new`] opens
    /// it ([`crate::store::Store::open_url`]) and `store_path` is not used.
    pub store_url: Option<StoreUrl>,
    /// Requests a bulk job has in flight at once (the client paces the rate).
    pub concurrency: usize,
    /// How long after a POST's intent its action is first looked up, and the spacing of
    /// the lookups after it, when the POST got no clear answer (or a crash left it
    /// `sending`). Defender does not promise that a new action is listed at once, so a
    /// lookup made too early, or a single one, would take "not listed yet" for "not
    /// there" and send a duplicate ([`crate::jobs::lookup`]).
    pub lookup_settle: Duration,
    /// Daily store backups kept (D-5; see [`crate::store::Store::daily_backup`]).
    pub backups_kept: usize,
    /// What this process is in the team (an agent outranks a desktop for the leader
    /// leases) and the name others see ("" = "<kind> on <host>").
    pub process_kind: crate::team::ProcessKind,
    pub process_label: String,
    /// How long a claim's or a leader's lease holds without renewal: another process
    /// takes over only after it (or at once when this host's process has ended). Longer
    /// than the client's timeout, so a POST under way always ends within its lease.
    pub lease: Duration,
    /// The host of the tenant's Microsoft Defender portal (device pages open there):
    /// the cloud's ([`mde_api::Cloud::portal_host`]); `None` for custom endpoints and
    /// the demo, which have no portal.
    pub portal_host: Option<String>,
}

impl AppConfig {
    /// Sensible intervals for a tenant at `endpoints`.
    pub fn new(
        endpoints: Endpoints,
        credentials: Credentials,
        tenant_label: impl Into<String>,
    ) -> Self {
        let portal_host = mde_api::Cloud::of(&endpoints)
            .and_then(mde_api::Cloud::portal_host)
            .map(str::to_owned);
        Self {
            credentials,
            // The sync loop itself retries every few seconds, so the client retries a
            // failed read only twice: an unreachable tenant is reported in seconds.
            client_options: ClientOptions {
                max_get_retries: 2,
                ..ClientOptions::default()
            },
            demo: false,
            tenant_label: tenant_label.into(),
            busy_poll: Duration::from_secs(3),
            idle_poll: Duration::from_secs(30),
            machines_every: Duration::from_secs(120),
            thresholds: Thresholds::default(),
            store_path: None,
            store_url: None,
            concurrency: 16,
            lookup_settle: Duration::from_secs(30),
            backups_kept: crate::store::BACKUPS_KEPT,
            process_kind: crate::team::ProcessKind::Desktop,
            process_label: String::new(),
            lease: Duration::from_secs(120),
            endpoints,
            portal_host,
        }
    }
}

/// A team store's URL (`postgres://LOGIN:PASSWORD@HOST:5432/DATABASE`). It may hold a
/// password, so its `Debug` (in the configuration's, in logs) shows only where the
/// store is: `host:port/database`.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl(String);

impl StoreUrl {
    pub fn new(url: impl Into<String>) -> Self {
        StoreUrl(url.into())
    }

    /// The URL itself, password included: only for opening the store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = crate::store::pg::describe_url(&self.0);
        f.debug_tuple("StoreUrl").field(&at).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::StoreUrl;

    #[test]
    fn a_store_url_is_debugged_without_its_password() {
        let url = StoreUrl::new("postgres://ana:pw-secret@db.example:5433/cordon");
        assert_eq!(format!("{url:?}"), r#"StoreUrl("db.example:5433/cordon")"#);
        let bad = StoreUrl::new("postgres://ana:pw-secret@db.example:port/cordon");
        assert_eq!(format!("{bad:?}"), r#"StoreUrl("(unreadable)")"#);
    }
}
