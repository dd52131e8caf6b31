//! `cordon agent`: the always-on service over the same core. It runs what must not
//! depend on a laptop — the sync, the isolation rule, unfinished and approved jobs,
//! auto-reconcile — as the tenant's application (never a person's token), serves
//! `/healthz` and Prometheus `/metrics` on a loopback port, writes JSON logs to
//! stderr, and posts on-call notices to a webhook. It runs until SIGTERM or Ctrl-C;
//! `--once` does one round and exits (for schedulers).
//!
//! The facts it reports and the notices' shapes are the core's (`cordon_core::agent`);
//! this file is the process: the listener, the signal, the webhook sender.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::Utc;
use cordon_core::agent::{self, Notice, WebhookFormat};
use cordon_core::automation::AutomationEvent;
use cordon_core::dto::jobs::JobState;
use cordon_core::{App, AppConfig, CoreError};

use crate::cli::AgentArgs;

/// How long without a successful sync before `/healthz` says unhealthy.
const STALE: chrono::Duration = chrono::Duration::minutes(15);

pub async fn run(cfg: AppConfig, args: &AgentArgs) -> Result<ExitCode, CoreError> {
    init_logs();
    let format = WebhookFormat::parse(&args.webhook_format)?;
    let hook = match args.webhook.clone() {
        Some(url) => Some(Webhook {
            http: webhook_client(&url)?,
            url,
            format,
        }),
        None => None,
    };
    if args.once {
        return once(cfg, hook.as_ref(), args).await;
    }
    let addr = loopback(&args.listen)?;
    let app = App::start(cfg)?;
    agent::require_application(&app.principal().await?)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CoreError::Invalid {
            field: "listen".into(),
            message: format!("cannot listen on {addr}: {e}"),
        })?;
    let bound = listener.local_addr().unwrap_or(addr);
    tracing::info!(address = %bound, "agent listening (/healthz, /metrics)");
    let server = axum::serve(listener, router(app.clone()));
    let notifier = tokio::spawn(notify_loop(app.clone(), hook, args.approvals_after_minutes));
    tokio::select! {
        r = server.with_graceful_shutdown(stop_signal()) => {
            if let Err(e) = r {
                tracing::error!(error = %e, "the health server stopped");
            }
        }
    }
    notifier.abort();
    // A clean stop hands over at once: the heartbeat and the leader leases go, item
    // leases end now (a POST under way has had its answer by now or is looked up).
    if let Err(e) = app.team().leave().await {
        tracing::warn!(error = %e, "leaving the team store failed; the leases end on their own");
    }
    tracing::info!("agent stopped");
    Ok(ExitCode::SUCCESS)
}

/// One round: sync, unfinished jobs, auto-reconcile, one evaluation of the rule, the
/// notices it raised; a JSON summary on stdout.
async fn once(
    cfg: AppConfig,
    hook: Option<&Webhook>,
    args: &AgentArgs,
) -> Result<ExitCode, CoreError> {
    let app = App::new(cfg)?;
    agent::require_application(&app.principal().await?)?;
    let mut events = app.subscribe_automation();
    app.refresh().await?;
    let resumed = app.resume_all().await?;
    let reconciled = app.auto_reconcile_tick().await;
    let decisions = app.run_rule_and_wait().await?;
    let snapshot = app.agent_snapshot().await?;
    let mut notices = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let AutomationEvent::BreakerOpened { reason } = e {
            notices.push(Notice::BreakerOpened { reason });
        }
    }
    if let Some(n) = approvals_notice(&snapshot, args.approvals_after_minutes) {
        notices.push(n);
    }
    if let Some(h) = hook {
        for n in &notices {
            h.post(n, &snapshot.tenant).await;
        }
    }
    let summary = serde_json::json!({
        "resumedJobs": resumed.len(),
        "reconciled": reconciled.len(),
        "decisions": decisions.len(),
        "notices": notices.iter().map(Notice::event).collect::<Vec<_>>(),
        "health": agent::health_json(&snapshot, app.now(), STALE),
    });
    crate::output_json::print_line(&summary);
    Ok(ExitCode::SUCCESS)
}

/// The listen address, refused unless it is loopback (the endpoints have no auth).
fn loopback(listen: &str) -> Result<SocketAddr, CoreError> {
    let addr: SocketAddr = listen.parse().map_err(|_| CoreError::Invalid {
        field: "listen".into(),
        message: format!("“{listen}” is not an address:port (e.g. 127.0.0.1:9464)"),
    })?;
    if !addr.ip().is_loopback() {
        return Err(CoreError::Invalid {
            field: "listen".into(),
            message: "The agent's health and metrics listen on loopback only (127.0.0.1 or ::1); put a reverse proxy in front to expose them.".into(),
        });
    }
    Ok(addr)
}

fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(app)
}

async fn healthz(State(app): State<App>) -> impl IntoResponse {
    match app.agent_snapshot().await {
        Ok(s) => {
            let body = agent::health_json(&s, app.now(), STALE);
            let ok = agent::health(&s, app.now(), STALE).0;
            let code = if ok {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (
                code,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"status": "unhealthy", "detail": e.to_string()}).to_string(),
        ),
    }
}

async fn metrics(State(app): State<App>) -> impl IntoResponse {
    match app.agent_snapshot().await {
        Ok(s) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            agent::prometheus(&s),
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            format!("# {e}\n"),
        ),
    }
}

/// The webhook's client: mde-api's (the OS trust store, the system proxy, no
/// redirects), with a short timeout.
fn webhook_client(url: &str) -> Result<reqwest::Client, CoreError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| CoreError::Invalid {
        field: "webhook".into(),
        message: format!("not a URL: {e}"),
    })?;
    mde_api::net::client_builder(&[&parsed])?
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| CoreError::Invalid {
            field: "webhook".into(),
            message: format!("cannot make its HTTP client: {e}"),
        })
}

struct Webhook {
    url: String,
    format: WebhookFormat,
    http: reqwest::Client,
}

impl Webhook {
    /// Posts a notice; a failure is logged (the notice is in the log either way).
    async fn post(&self, n: &Notice, tenant: &str) {
        let body = agent::webhook_body(n, self.format, tenant, Utc::now());
        tracing::warn!(event = n.event(), text = %n.text(tenant), "notice");
        match self.http.post(&self.url).json(&body).send().await {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::error!(
                status = r.status().as_u16(),
                "the webhook refused the notice"
            ),
            Err(e) => tracing::error!(error = %e, "the webhook could not be reached"),
        }
    }
}

fn approvals_notice(s: &agent::AgentSnapshot, after_minutes: u32) -> Option<Notice> {
    let oldest = s.oldest_waiting?;
    let minutes = (Utc::now() - oldest).num_minutes();
    (minutes >= i64::from(after_minutes)).then_some(Notice::ApprovalsWaiting {
        waiting: s.approvals_waiting,
        oldest_minutes: minutes,
    })
}

/// Turns automation events, jobs that need attention and approvals that wait too long
/// into notices (each told once).
async fn notify_loop(app: App, hook: Option<Webhook>, after_minutes: u32) {
    let hook = Arc::new(hook);
    let mut events = app.subscribe_automation();
    let mut jobs = app.subscribe_jobs();
    let mut told_jobs: HashSet<String> = HashSet::new();
    let mut told_waiting: Option<chrono::DateTime<Utc>> = None;
    let mut told_silent: HashSet<String> = HashSet::new();
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    let tenant = app.info().tenant_label;
    loop {
        let notice = tokio::select! {
            e = events.recv() => match e {
                Ok(AutomationEvent::BreakerOpened { reason }) => Some(Notice::BreakerOpened { reason }),
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => None,
                Err(_) => return,
            },
            p = jobs.recv() => match p {
                Ok(p) => {
                    let j = p.job;
                    let attention = j.state == JobState::Halted || (j.state == JobState::Done && j.failed > 0);
                    (attention && told_jobs.insert(j.id.clone())).then(|| Notice::JobNeedsAttention {
                        detail: j.error.map(|e| e.to_string()).unwrap_or_else(|| format!("{} of {} machine(s) failed", j.failed, j.total)),
                        job_id: j.id,
                    })
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => None,
                Err(_) => return,
            },
            _ = tick.tick() => {
                let mut out = Vec::new();
                if let Ok(s) = app.agent_snapshot().await
                    && s.oldest_waiting != told_waiting
                    && let Some(n) = approvals_notice(&s, after_minutes)
                {
                    told_waiting = s.oldest_waiting;
                    out.push(n);
                }
                if let Ok(team) = app.team_status().await {
                    out.extend(agent::silent_notices(&team, &mut told_silent, Utc::now()));
                }
                for n in out {
                    post(&hook, &n, &tenant).await;
                }
                None
            },
        };
        if let Some(n) = notice {
            post(&hook, &n, &tenant).await;
        }
    }
}

/// Posts `n` to the webhook, or logs it when there is none.
async fn post(hook: &Option<Webhook>, n: &Notice, tenant: &str) {
    match hook {
        Some(h) => h.post(n, tenant).await,
        None => tracing::warn!(event = n.event(), text = %n.text(tenant), "notice"),
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stop signal received: finishing");
}

/// Structured JSON logs on stderr (`RUST_LOG` filters; info by default).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
