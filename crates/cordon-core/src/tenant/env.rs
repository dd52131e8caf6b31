//! A tenant from environment variables, shared by the app and the CLI:
//! `CORDON_TENANT_ID`, `CORDON_CLIENT_ID`, `CORDON_CLIENT_SECRET`, and optionally
//! `CORDON_AUTHORITY` / `CORDON_API_BASE` (default: the global cloud). This is how the
//! CLI runs against `mde-sim` with no profile; profiles in the OS credential store
//! replace it for everyday use.
//!
//! Tuning (any tenant, see [`apply_tuning`]): `CORDON_RATE_PER_MINUTE`,
//! `CORDON_RATE_PER_HOUR` (Defender's 100 and 1,500 by default; `0` turns pacing off),
//! `CORDON_RATE_WINDOW_SECS` (the length of "a minute", 60; an hour is 60 of them, so
//! benchmarks can compress time against a simulator enforcing the same compressed
//! limit), `CORDON_CONCURRENCY` (requests a bulk job has in flight, 16) and
//! `CORDON_LOOKUP_SETTLE_SECS` (how long after a POST without a clear answer its action
//! is first looked up, and the spacing of the lookups before a resend; 30 — Defender
//! may list a new action late, see `AppConfig::lookup_settle`).

use mde_api::{Credentials, Endpoints, Secret};

use std::time::Duration;

use crate::config::AppConfig;
use crate::error::{CoreError, Result};

/// A variable of the process environment; unset and blank are alike (`None`).
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

/// `Some(config)` when a tenant is configured in the environment.
pub fn config_from_env() -> Result<Option<AppConfig>> {
    config_from(process_env)
}

/// Same as [`config_from_env`] over any lookup (testable without touching the process
/// environment).
pub fn config_from(get: impl Fn(&str) -> Option<String>) -> Result<Option<AppConfig>> {
    let (Some(tenant_id), Some(client_id), Some(secret)) = (
        get("CORDON_TENANT_ID"),
        get("CORDON_CLIENT_ID"),
        get("CORDON_CLIENT_SECRET"),
    ) else {
        return Ok(None);
    };
    let global = Endpoints::global();
    let authority = get("CORDON_AUTHORITY").unwrap_or_else(|| global.authority.to_string());
    let api = get("CORDON_API_BASE").unwrap_or_else(|| global.api_base.to_string());
    let endpoints = Endpoints::custom(&authority, &api)?;
    let label = format!("Tenant {tenant_id}");
    let credentials = Credentials::ClientSecret {
        tenant_id,
        client_id,
        secret: Secret::new(secret),
    };
    let mut cfg = AppConfig::new(endpoints, credentials, label);
    apply_tuning_from(&mut cfg, &get)?;
    Ok(Some(cfg))
}

/// Applies the tuning variables of the process environment to `cfg`.
pub fn apply_tuning(cfg: &mut AppConfig) -> Result<()> {
    apply_tuning_from(cfg, &process_env)
}

/// Same as [`apply_tuning`] over any lookup.
pub fn apply_tuning_from(cfg: &mut AppConfig, get: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    let number = |key: &str| -> Result<Option<u64>> {
        get(key)
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| CoreError::Invalid {
                    field: key.to_owned(),
                    message: format!("{key}={v:?} is not a whole number."),
                })
            })
            .transpose()
    };
    let o = &mut cfg.client_options;
    if let Some(n) = number("CORDON_RATE_PER_MINUTE")? {
        o.requests_per_minute = u32::try_from(n).ok().filter(|n| *n > 0);
    }
    if let Some(n) = number("CORDON_RATE_PER_HOUR")? {
        o.requests_per_hour = u32::try_from(n).ok().filter(|n| *n > 0);
    }
    if let Some(secs) = number("CORDON_RATE_WINDOW_SECS")? {
        if secs == 0 {
            return Err(CoreError::Invalid {
                field: "CORDON_RATE_WINDOW_SECS".into(),
                message: "The rate window must be at least one second.".into(),
            });
        }
        o.rate_minute_window = Duration::from_secs(secs);
        o.rate_hour_window = Duration::from_secs(secs * 60);
    }
    if let Some(n) = number("CORDON_CONCURRENCY")? {
        cfg.concurrency = usize::try_from(n).unwrap_or(usize::MAX).clamp(1, 256);
    }
    if let Some(secs) = number("CORDON_LOOKUP_SETTLE_SECS")? {
        // A day at most: a longer settle is a typo, and would park every unknown item.
        cfg.lookup_settle = Duration::from_secs(secs.min(86_400));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_tenant_client_and_secret() {
        let none = config_from(|k| (k == "CORDON_TENANT_ID").then(|| "t".to_owned()));
        assert!(matches!(none, Ok(None)));
        let all = config_from(|k| match k {
            "CORDON_TENANT_ID" => Some("11111111-1111-1111-1111-111111111111".into()),
            "CORDON_CLIENT_ID" => Some("c".into()),
            "CORDON_CLIENT_SECRET" => Some("s".into()),
            "CORDON_API_BASE" => Some("http://127.0.0.1:9".into()),
            "CORDON_AUTHORITY" => Some("http://127.0.0.1:9".into()),
            _ => None,
        })
        .expect("valid")
        .expect("configured");
        assert_eq!(all.endpoints.api_base.as_str(), "http://127.0.0.1:9/");
        assert!(!all.demo);
        assert!(
            !format!("{:?}", all.credentials).contains("\"s\""),
            "secret must be redacted"
        );
        assert_eq!(all.concurrency, 16);
        assert_eq!(
            all.lookup_settle,
            Duration::from_secs(30),
            "settle by default"
        );
        assert_eq!(all.client_options.requests_per_minute, Some(100));
    }

    #[test]
    fn tuning_compresses_the_rate_window_and_sets_concurrency() {
        let mut cfg = config_from(|k| match k {
            "CORDON_TENANT_ID" => Some("t".into()),
            "CORDON_CLIENT_ID" => Some("c".into()),
            "CORDON_CLIENT_SECRET" => Some("s".into()),
            "CORDON_API_BASE" | "CORDON_AUTHORITY" => Some("http://127.0.0.1:9".into()),
            "CORDON_RATE_PER_MINUTE" => Some("50".into()),
            "CORDON_RATE_PER_HOUR" => Some("0".into()),
            "CORDON_RATE_WINDOW_SECS" => Some("6".into()),
            "CORDON_CONCURRENCY" => Some("8".into()),
            "CORDON_LOOKUP_SETTLE_SECS" => Some("2".into()),
            _ => None,
        })
        .expect("valid")
        .expect("configured");
        let o = &cfg.client_options;
        assert_eq!(o.requests_per_minute, Some(50));
        assert_eq!(o.requests_per_hour, None);
        assert_eq!(o.rate_minute_window, Duration::from_secs(6));
        assert_eq!(o.rate_hour_window, Duration::from_secs(360));
        assert_eq!(cfg.concurrency, 8);
        assert_eq!(cfg.lookup_settle, Duration::from_secs(2));
        let bad = apply_tuning_from(&mut cfg, &|k: &str| {
            (k == "CORDON_CONCURRENCY").then(|| "many".to_owned())
        });
        assert!(
            matches!(bad, Err(CoreError::Invalid { field, .. }) if field == "CORDON_CONCURRENCY")
        );
    }
}
