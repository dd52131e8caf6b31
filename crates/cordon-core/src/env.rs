//! A tenant from environment variables, shared by the app and the CLI:
//! `CORDON_TENANT_ID`, `CORDON_CLIENT_ID`, `CORDON_CLIENT_SECRET`, and optionally
//! `CORDON_AUTHORITY` / `CORDON_API_BASE` (default: the global cloud). This is how the
//! CLI runs against `mde-sim` with no profile; profiles in the OS credential store
//! replace it for everyday use.

use mde_api::{Credentials, Endpoints, Secret};

use crate::app::AppConfig;
use crate::error::Result;

/// `Some(config)` when a tenant is configured in the environment.
pub fn config_from_env() -> Result<Option<AppConfig>> {
    config_from(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
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
    Ok(Some(AppConfig::new(endpoints, credentials, label)))
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
    }
}
