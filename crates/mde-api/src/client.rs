//! The public client: one value, cheap to clone, safe to share across tasks.
//!
//! It owns its `reqwest::Client` ([`crate::net`]: the OS trust store, the system
//! proxy, no redirects; timeouts), the token
//! cache, the pacer and the server-clock estimate. Operations build URLs from
//! the API base with percent-encoded path segments, so ids and names cannot
//! change the route, and decode with the tolerant entity readers.

use std::net::IpAddr;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;
use url::Url;

use crate::Error;
use crate::auth::{TokenCache, token_permissions};
use crate::credentials::{Credentials, Secret};
use crate::endpoints::Endpoints;
use crate::ids::{MachineId, is_guid, is_safe_segment};
use crate::kinds::IsolationType;
use crate::model::{Alert, Machine, MachineAction, Page};
use crate::pacing::Pacer;
use crate::principal::token_identity;
use crate::query::{Query, encode_pairs};
use crate::transport::{Kind, Request};

/// Tuning knobs. The defaults follow Microsoft's documented limits and the
/// Azure SDK guidelines.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Total time for one HTTP exchange.
    pub timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Retries of a read after a transient failure (408, 5xx, transport).
    pub max_get_retries: u32,
    /// How many 429 answers to a read are waited out before giving up (an
    /// action's 429 is returned at once: its caller decides whether to resend).
    pub max_throttle_retries: u32,
    /// First backoff delay; the n-th retry waits about `(2^n − 1) × base`.
    pub base_backoff: Duration,
    /// No single wait is longer; a `Retry-After` above it is returned as an error
    /// (with `retry_after`) so the caller can defer durably instead.
    pub max_backoff: Duration,
    /// Client-side pacing per API; `None` disables it.
    pub requests_per_minute: Option<u32>,
    pub requests_per_hour: Option<u32>,
    /// Length of the window `requests_per_minute` counts over: 60 s against
    /// Defender; compressed (e.g. 6 s) for benchmarks against a simulator
    /// that enforces the same compressed limit.
    pub rate_minute_window: Duration,
    /// Length of the window `requests_per_hour` counts over (3,600 s).
    pub rate_hour_window: Duration,
    /// Rows asked for per page (`$top`); Defender's maximum is 10,000.
    pub page_size: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_get_retries: 4,
            max_throttle_retries: 8,
            base_backoff: Duration::from_millis(800),
            max_backoff: Duration::from_secs(60),
            requests_per_minute: Some(100),
            requests_per_hour: Some(1500),
            rate_minute_window: crate::pacing::MINUTE,
            rate_hour_window: crate::pacing::HOUR,
            page_size: 10_000,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoints: Endpoints,
    pub(crate) credentials: Credentials,
    pub(crate) options: ClientOptions,
    pub(crate) tokens: TokenCache,
    /// The newest refresh token of delegated credentials (rotated by `fetch`).
    pub(crate) refresh_token: StdMutex<Option<Secret>>,
    pub(crate) pacer: Pacer,
    /// Set once the server refused `$count=true` (see `pager`).
    pub(crate) count_refused: std::sync::atomic::AtomicBool,
    /// Server clock minus local clock, from the last `Date` header.
    pub(crate) skew: StdMutex<Option<chrono::TimeDelta>>,
    /// 429 answers received (any API), for the agent's metrics.
    pub(crate) throttled_total: std::sync::atomic::AtomicU64,
}

/// A Defender for Endpoint API client.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoints", &self.inner.endpoints)
            .field("client_id", &self.inner.credentials.client_id())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(
        endpoints: Endpoints,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        // The fields are public: check them again.
        let endpoints = Endpoints {
            scope: endpoints.scope.clone(),
            ..Endpoints::custom(endpoints.authority.as_str(), endpoints.api_base.as_str())?
        };
        let tenant = credentials.tenant_id();
        if tenant.is_empty()
            || !tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(Error::InvalidArgument {
                detail: format!("tenant id {tenant:?}"),
            });
        }
        if credentials.client_id().trim().is_empty() {
            return Err(Error::InvalidArgument {
                detail: "empty client id".into(),
            });
        }
        let http = crate::net::http_client(&options, &[&endpoints.authority, &endpoints.api_base])?;
        let refresh_token = match &credentials {
            Credentials::Delegated { refresh_token, .. } => Some(refresh_token.clone()),
            _ => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                refresh_token: StdMutex::new(refresh_token),
                count_refused: std::sync::atomic::AtomicBool::new(false),
                pacer: Pacer::with_windows(
                    options.requests_per_minute,
                    options.requests_per_hour,
                    options.rate_minute_window,
                    options.rate_hour_window,
                ),
                endpoints,
                credentials,
                options,
                tokens: TokenCache::default(),
                skew: StdMutex::new(None),
                throttled_total: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// Local time corrected by the skew seen in the last response's `Date`
    /// header (second resolution); `Utc::now()` before any response.
    pub fn server_now(&self) -> DateTime<Utc> {
        let skew = *self
            .inner
            .skew
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Utc::now() + skew.unwrap_or_default()
    }

    /// The permissions in the access token (`roles` for apps, `scp` for users).
    pub async fn granted_permissions(&self) -> Result<Vec<String>, Error> {
        let inner = &self.inner;
        let token = inner.tokens.get(|| inner.fetch_token()).await?;
        token_permissions(token.value.expose())
    }

    // ---- machines -------------------------------------------------------

    /// All machines matching `query`, following pages to the end (or to `top`).
    pub async fn list_machines(&self, query: &Query) -> Result<Vec<Machine>, Error> {
        self.list("machines.list", &["machines"], query, true).await
    }

    /// One machine by id or computer name.
    pub async fn get_machine(&self, id_or_name: &str) -> Result<Machine, Error> {
        if !is_safe_segment(id_or_name) {
            return Err(Error::InvalidMachineId {
                input: id_or_name.to_owned(),
            });
        }
        self.get("machines.get", &["machines", id_or_name]).await
    }

    /// Machines seen with internal address `ip` within ±15 minutes of `at`
    /// (at most 30 days ago).
    pub async fn find_machines_by_ip(
        &self,
        ip: IpAddr,
        at: DateTime<Utc>,
    ) -> Result<Vec<Machine>, Error> {
        let segment = format!(
            "findbyip(ip='{ip}',timestamp={})",
            at.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let page: Page<Machine> = self
            .get("machines.findbyip", &["machines", &segment])
            .await?;
        Ok(page.value)
    }

    /// Machines tagged `tag` (or with a tag starting with it).
    pub async fn find_machines_by_tag(
        &self,
        tag: &str,
        starts_with: bool,
    ) -> Result<Vec<Machine>, Error> {
        let mut url = self.api_url(&["machines", "findbytag"]);
        url.set_query(Some(&encode_pairs(&[
            ("tag", tag.to_owned()),
            ("useStartsWithFilter", starts_with.to_string()),
        ])));
        let page: Page<Machine> = self.send_get("machines.findbytag", url).await?;
        Ok(page.value)
    }

    // ---- actions --------------------------------------------------------

    /// Isolate a machine: `POST /api/machines/{id}/isolate`. Never resent on
    /// failure; see [`Error::OutcomeUnknown`].
    pub async fn isolate(
        &self,
        machine_id: &MachineId,
        kind: IsolationType,
        comment: &str,
    ) -> Result<MachineAction, Error> {
        let body = json!({ "Comment": comment, "IsolationType": kind.as_str() });
        self.act("machines.isolate", machine_id, "isolate", body)
            .await
    }

    /// Release a machine from isolation: `POST /api/machines/{id}/unisolate`.
    pub async fn unisolate(
        &self,
        machine_id: &MachineId,
        comment: &str,
    ) -> Result<MachineAction, Error> {
        self.act(
            "machines.unisolate",
            machine_id,
            "unisolate",
            json!({ "Comment": comment }),
        )
        .await
    }

    /// Cancel a `Pending` or `InProgress` action.
    pub async fn cancel_action(
        &self,
        action_id: &str,
        comment: &str,
    ) -> Result<MachineAction, Error> {
        check_guid(action_id)?;
        let url = self.api_url(&["machineactions", action_id, "cancel"]);
        let answer = self
            .inner
            .send(Request {
                api: "machineactions.cancel",
                method: Method::POST,
                url,
                body: Some(json!({ "Comment": comment })),
                kind: Kind::Action,
            })
            .await?;
        answer.decode()
    }

    pub async fn list_machine_actions(&self, query: &Query) -> Result<Vec<MachineAction>, Error> {
        self.list("machineactions.list", &["machineactions"], query, false)
            .await
    }

    pub async fn get_machine_action(&self, action_id: &str) -> Result<MachineAction, Error> {
        check_guid(action_id)?;
        self.get("machineactions.get", &["machineactions", action_id])
            .await
    }

    /// Who Defender will record as the requestor of this client's actions: the
    /// signed-in user (`upn`) or the app's display name, from the access token
    /// (fetched if needed; no API call). Falls back to the client id. See also
    /// [`Client::principal`].
    pub async fn identity(&self) -> Result<String, Error> {
        let inner = &self.inner;
        let token = inner.tokens.get(|| inner.fetch_token()).await?;
        Ok(token_identity(token.value.expose())
            .unwrap_or_else(|| inner.credentials.client_id().to_owned()))
    }

    /// How many processes send under this app registration now (this one included):
    /// the pacer keeps this process to its share of Defender's per-application limits.
    pub fn set_share(&self, processes: u32) {
        self.inner.pacer.set_share(processes);
    }

    /// How many 429 answers this client has received (all APIs).
    pub fn throttled_total(&self) -> u64 {
        self.inner
            .throttled_total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    // ---- alerts ---------------------------------------------------------

    pub async fn list_alerts(&self, query: &Query) -> Result<Vec<Alert>, Error> {
        self.list("alerts.list", &["alerts"], query, false).await
    }

    pub async fn get_alert(&self, alert_id: &str) -> Result<Alert, Error> {
        if !is_safe_segment(alert_id) {
            return Err(Error::InvalidId {
                input: alert_id.to_owned(),
            });
        }
        self.get("alerts.get", &["alerts", alert_id]).await
    }

    /// The alerts of one machine.
    pub async fn machine_alerts(&self, machine_id: &MachineId) -> Result<Vec<Alert>, Error> {
        let page: Page<Alert> = self
            .get(
                "machines.alerts",
                &["machines", machine_id.as_str(), "alerts"],
            )
            .await?;
        Ok(page.value)
    }

    // ---- plumbing -------------------------------------------------------

    /// `{api_base}/api/{segments…}`, each segment percent-encoded.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.endpoints.api_base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("api").extend(segments);
        }
        url
    }

    pub(crate) async fn send_get<T: DeserializeOwned>(
        &self,
        api: &'static str,
        url: Url,
    ) -> Result<T, Error> {
        let answer = self
            .inner
            .send(Request {
                api,
                method: Method::GET,
                url,
                body: None,
                kind: Kind::Read,
            })
            .await?;
        answer.decode()
    }

    async fn get<T: DeserializeOwned>(
        &self,
        api: &'static str,
        segments: &[&str],
    ) -> Result<T, Error> {
        self.send_get(api, self.api_url(segments)).await
    }

    async fn act(
        &self,
        api: &'static str,
        machine_id: &MachineId,
        verb: &str,
        body: serde_json::Value,
    ) -> Result<MachineAction, Error> {
        let url = self.api_url(&["machines", machine_id.as_str(), verb]);
        let answer = self
            .inner
            .send(Request {
                api,
                method: Method::POST,
                url,
                body: Some(body),
                kind: Kind::Action,
            })
            .await?;
        answer.decode()
    }
}

fn check_guid(action_id: &str) -> Result<(), Error> {
    if is_guid(action_id) {
        Ok(())
    } else {
        Err(Error::InvalidId {
            input: action_id.to_owned(),
        })
    }
}
