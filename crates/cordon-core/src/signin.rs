//! Delegated sign-in for a profile (auth modes `browser` and `deviceCode`): runs the
//! flow, stores the refresh token in the profile's secret store, records the account,
//! and returns the profile's new view.
//!
//! The caller shows the way in through a callback: the desktop shell opens the system
//! browser (never a webview, K-8) or shows the device code; the CLI prints them. The
//! prompt is a DTO so the shell can forward it to the Settings view as is.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{CoreError, Result};
use crate::profiles::{self, AuthMode, ProfileStore, ProfileView};
use crate::secrets::SecretKind;

/// How long the loopback listener waits for the browser (K-6: 300 s).
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(300);

/// What the user must do to sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignInPrompt {
    /// Open this URL in the system browser; Cordon waits for its loopback redirect.
    OpenBrowser { url: String },
    /// Open `verification_uri` anywhere and type `user_code`.
    DeviceCode {
        verification_uri: String,
        user_code: String,
        /// The token service's own instructions.
        message: String,
        expires_in_secs: u32,
    },
}

/// Signs in to profile `name` with its delegated mode, calling `prompt` once with
/// what the user must do, then waits for the sign-in. On success the refresh token is
/// in the secret store and the view says who signed in.
pub async fn sign_in(
    store: &ProfileStore,
    name: &str,
    prompt: impl FnOnce(SignInPrompt),
) -> Result<ProfileView> {
    let profile = store.get(name)?;
    let endpoints = profiles::endpoints(&profile)?;
    let (tenant, client) = (&profile.tenant_id, &profile.client_id);
    let signed_in = match profile.auth_mode {
        AuthMode::Browser => {
            let flow = mde_api::signin::start_browser(&endpoints, tenant, client).await?;
            prompt(SignInPrompt::OpenBrowser {
                url: flow.authorize_url().to_string(),
            });
            flow.finish(BROWSER_TIMEOUT).await?
        }
        AuthMode::DeviceCode => {
            let flow = mde_api::signin::start_device_code(&endpoints, tenant, client).await?;
            prompt(SignInPrompt::DeviceCode {
                verification_uri: flow.verification_uri().to_owned(),
                user_code: flow.user_code().to_owned(),
                message: flow.message().to_owned(),
                expires_in_secs: u32::try_from(flow.expires_in().as_secs()).unwrap_or(u32::MAX),
            });
            flow.finish().await?
        }
        AuthMode::ClientSecret | AuthMode::Certificate => {
            return Err(CoreError::Invalid {
                field: "authMode".into(),
                message: format!(
                    "Profile “{}” signs in as an app (client secret or certificate): there is no interactive sign-in. Store its credential with `cordon profiles add … --secret-stdin` or in Settings.",
                    profile.name
                ),
            });
        }
    };
    store.set_secret(
        &profile.name,
        SecretKind::RefreshToken,
        &signed_in.refresh_token,
    )?;
    store.record_sign_in(&profile.name, signed_in.account)?;
    store.view(&profile.name)
}

/// Forgets a delegated profile's session (deletes its refresh token).
pub fn sign_out(store: &ProfileStore, name: &str) -> Result<ProfileView> {
    store.delete_secret(name, SecretKind::RefreshToken)?;
    store.view(name)
}
