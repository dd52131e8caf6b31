//! From a profile to a ready [`AppConfig`]: its endpoints, and the credentials its
//! auth mode needs, read from the secret store. A missing credential is an error that
//! says which command (or Settings action) provides it.

use std::sync::Arc;

use mde_api::{Credentials, Endpoints};

use super::{AuthMode, Cloud, Profile};
use crate::app::AppConfig;
use crate::error::{CoreError, Result};
use crate::secrets::{SecretKey, SecretKind, SecretStore};

/// The endpoints of a profile's cloud (custom: its own URLs).
pub fn endpoints(profile: &Profile) -> Result<Endpoints> {
    match profile.cloud.to_api() {
        Some(cloud) => Ok(Endpoints::for_cloud(cloud)),
        None => {
            let (Some(authority), Some(api)) = (&profile.authority, &profile.api_base) else {
                return Err(CoreError::Invalid {
                    field: "apiBase".into(),
                    message: format!(
                        "Profile “{}” uses a custom cloud but lacks its authority or API base URL.",
                        profile.name
                    ),
                });
            };
            Ok(Endpoints::custom(authority, api)?)
        }
    }
}

/// The core's configuration for `profile`, with its credentials from `secrets`.
/// `secrets` is shared because delegated modes write each rotated refresh token back
/// (K-10).
pub fn app_config(profile: &Profile, secrets: Arc<dyn SecretStore>) -> Result<AppConfig> {
    let endpoints = endpoints(profile)?;
    let credentials = credentials(profile, &secrets)?;
    let label = match profile.cloud {
        Cloud::Global | Cloud::Custom => profile.name.clone(),
        other => format!("{} ({other:?})", profile.name),
    };
    Ok(AppConfig::new(endpoints, credentials, label))
}

fn need(
    secrets: &Arc<dyn SecretStore>,
    profile: &Profile,
    kind: SecretKind,
) -> Result<mde_api::Secret> {
    secrets
        .get(&SecretKey::new(&profile.name, kind))?
        .ok_or_else(|| CoreError::MissingSecret {
            profile: profile.name.clone(),
            kind,
        })
}

fn credentials(profile: &Profile, secrets: &Arc<dyn SecretStore>) -> Result<Credentials> {
    match profile.auth_mode {
        AuthMode::ClientSecret => Ok(Credentials::ClientSecret {
            tenant_id: profile.tenant_id.clone(),
            client_id: profile.client_id.clone(),
            secret: need(secrets, profile, SecretKind::ClientSecret)?,
        }),
        AuthMode::Certificate | AuthMode::Browser | AuthMode::DeviceCode => {
            Err(CoreError::Invalid {
                field: "authMode".into(),
                message: format!(
                    "Profile “{}”: this build of Cordon signs in with a client secret only.",
                    profile.name
                ),
            })
        }
    }
}
