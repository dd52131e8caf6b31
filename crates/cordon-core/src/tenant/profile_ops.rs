//! Saving a profile from Settings and testing its connection: domain rules (which
//! secret an auth mode keeps; what a test reports) that belong to the core, so the
//! shell's commands are one-line calls.

use super::settings::{ConnectionTest, ProfileInput};
use crate::app::App;
use crate::error::{CoreError, Result};
use crate::profiles::{self, AuthMode, ProfileStore, ProfileView};
use crate::secrets::{Secret, SecretKind};

/// Adds or replaces a profile; its secret (if given) goes to the secret store only.
/// A client secret for `clientSecret`, a PFX password for `certificate`; the delegated
/// modes keep only the refresh token of a sign-in, so a typed secret is refused.
pub fn save_profile(profiles: &ProfileStore, input: ProfileInput) -> Result<ProfileView> {
    let ProfileInput {
        profile,
        secret,
        team_store_password,
    } = input;
    let team_password = team_store_password
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    if team_password.is_some() && profile.team_store.is_none() {
        return Err(CoreError::Invalid {
            field: "teamStorePassword".into(),
            message: "A team store password needs a team store URL.".into(),
        });
    }
    let secret = secret.filter(|s| !s.is_empty()).map(Secret::new);
    let kind = match profile.auth_mode {
        AuthMode::ClientSecret => SecretKind::ClientSecret,
        AuthMode::Certificate => SecretKind::CertificatePassword,
        AuthMode::Browser | AuthMode::DeviceCode if secret.is_some() => {
            return Err(CoreError::Invalid {
                field: "secret".into(),
                message: "Browser and device-code sign-in use no stored secret: sign in instead."
                    .into(),
            });
        }
        AuthMode::Browser | AuthMode::DeviceCode => SecretKind::RefreshToken,
    };
    let view = profiles.upsert(profile)?;
    if let Some(secret) = secret {
        profiles.set_secret(&view.profile.name, kind, &secret)?;
    }
    if let Some(password) = team_password {
        profiles.set_secret(&view.profile.name, SecretKind::TeamStorePassword, &password)?;
    }
    profiles.view(&view.profile.name)
}

/// Tests a profile's connection on a temporary core (no store, no background work):
/// one sync, then the permissions and machine count. Failures are part of the answer;
/// only an unknown profile (or an unreadable profiles file) is an error.
pub async fn test_connection(profiles: &ProfileStore, name: &str) -> Result<ConnectionTest> {
    let view = profiles.view(name)?;
    let fail = |e: CoreError| ConnectionTest {
        ok: false,
        permissions: Vec::new(),
        may_isolate: false,
        machine_count: 0,
        account: view.signed_in_as.clone(),
        error: Some(e.into()),
    };
    // The credential store (and the certificate file) are read on the blocking pool:
    // a slow keyring never stalls the async workers.
    let (profile, secrets) = (view.profile.clone(), profiles.secrets());
    let config = tokio::task::spawn_blocking(move || profiles::app_config(&profile, secrets))
        .await
        .map_err(|e| {
            CoreError::SecretStore(format!("the credential store call was interrupted: {e}"))
        })
        .and_then(|r| r);
    let core = match config.and_then(App::new) {
        Ok(core) => core,
        Err(e) => return Ok(fail(e)),
    };
    Ok(match core.refresh().await {
        Ok(snap) => {
            let permissions = core.info().permissions;
            ConnectionTest {
                ok: true,
                may_isolate: crate::dto::may_isolate(Some(&permissions)),
                permissions,
                machine_count: u32::try_from(snap.machines.len()).unwrap_or(u32::MAX),
                account: view.signed_in_as.clone(),
                error: None,
            }
        }
        Err(e) => fail(e),
    })
}
