//! Choices a reviewer must be able to see, written once to the tenant's audit log
//! when a core starts: custom endpoints (every host the tenant's tokens go to that is
//! not one of Microsoft's clouds) and an app-secret sign-in (a shared password for the
//! whole app registration, where a certificate or delegated sign-in is safer).

use crate::config::AppConfig;
use crate::jobs::Jobs;
use crate::store::Store;

/// Audits the start's choices (each once per store).
pub(crate) fn audit(cfg: &AppConfig, store: &Store, jobs: &Jobs) {
    custom_endpoints(cfg, store, jobs);
    app_secret(cfg, store, jobs);
}

/// Custom endpoints (neither one of Microsoft's clouds nor the demo) are an
/// explicit choice, and audited: the first start on each (authority, API base)
/// pair writes `tenant.custom_endpoints` to the audit log, so a reviewer sees every
/// host the tenant's tokens were sent to.
fn custom_endpoints(cfg: &AppConfig, store: &Store, jobs: &Jobs) {
    let e = &cfg.endpoints;
    let known = mde_api::Cloud::ALL.into_iter().any(|c| {
        mde_api::Endpoints::for_cloud(c)
            .is_some_and(|k| k.authority == e.authority && k.api_base == e.api_base)
    });
    if known || cfg.demo {
        return;
    }
    let pair = format!("{} {}", e.authority, e.api_base);
    if store
        .meta(CUSTOM_ENDPOINTS_AUDITED)
        .ok()
        .flatten()
        .as_deref()
        == Some(pair.as_str())
    {
        return;
    }
    let detail = format!(
        "{} uses custom endpoints: tokens from {} and the API at {} (not one of Microsoft's clouds).",
        cfg.tenant_label, e.authority, e.api_base
    );
    let audited = jobs
        .audit_append("tenant.custom_endpoints", None, None, None, None, &detail)
        .and_then(|()| store.set_meta(CUSTOM_ENDPOINTS_AUDITED, &pair));
    if let Err(err) = audited {
        tracing::warn!(error = %err, "custom endpoints not audited");
    }
}

/// Signing in with an app secret is an explicit choice, and audited once per
/// store: Cordon would rather have delegated sign-in (actions credited to a
/// person) or a certificate (a private key that stays in a file on this machine).
fn app_secret(cfg: &AppConfig, store: &Store, jobs: &Jobs) {
    if cfg.demo || !matches!(cfg.credentials, mde_api::Credentials::ClientSecret { .. }) {
        return;
    }
    if store.meta(APP_SECRET_AUDITED).ok().flatten().is_some() {
        return;
    }
    let detail = format!(
        "{} signs in with an app secret (client {}): a shared password for the whole app registration. A certificate or delegated sign-in is safer.",
        cfg.tenant_label,
        cfg.credentials.client_id()
    );
    let audited = jobs
        .audit_append("tenant.app_secret", None, None, None, None, &detail)
        .and_then(|()| store.set_meta(APP_SECRET_AUDITED, cfg.credentials.client_id()));
    if let Err(err) = audited {
        tracing::warn!(error = %err, "app-secret sign-in not audited");
    }
}

/// The `meta` key set once the app-secret sign-in was audited.
const APP_SECRET_AUDITED: &str = "tenant.app_secret_audited";

/// The `meta` key of the last custom endpoint pair written to the audit log.
const CUSTOM_ENDPOINTS_AUDITED: &str = "tenant.custom_endpoints_audited";
