//! Tenant profiles: which tenant, which app registration, which cloud and how to sign
//! in, kept by the core in `profiles.json` so that the desktop app and the `cordon`
//! CLI share them. The file holds no secret: client secrets, PFX passwords and refresh
//! tokens live in a [`SecretStore`](crate::secrets::SecretStore) (the OS credential
//! store), and the file only records which of them were stored.
//!
//! These types cross the IPC boundary (Settings view): camelCase, no 64-bit integer.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{CoreError, Result};

mod config;
mod store;

pub use config::{app_config, endpoints, identity, secret_key};
/// The cloud of a profile is the client's own type (one `Cloud` in Cordon).
pub use mde_api::Cloud;
pub use store::ProfileStore;
pub(crate) use store::fuzz_load;

/// One tenant as Cordon reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Unique (case-insensitively), shown in pickers and given to `--profile`.
    pub name: String,
    /// Directory (tenant) id, a GUID.
    pub tenant_id: String,
    /// Application (client) id of the app registration, a GUID.
    pub client_id: String,
    pub cloud: Cloud,
    pub auth_mode: AuthMode,
    /// Token service base URL; required for [`Cloud::Custom`], ignored otherwise.
    pub authority: Option<String>,
    /// Defender API base URL; required for [`Cloud::Custom`], ignored otherwise.
    pub api_base: Option<String>,
    /// A PEM (certificate + private key) or PFX file, for [`AuthMode::Certificate`].
    pub certificate_path: Option<String>,
    /// The team store (`postgres://LOGIN@HOST:5432/DATABASE`, without its password:
    /// that is kept in the credential store) shared with the team's agents and
    /// desktops; none keeps the journal in this computer's file.
    #[serde(default)]
    pub team_store: Option<String>,
}

/// How Cordon signs in to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum AuthMode {
    /// App-only, with a client secret (stored in the credential store).
    ClientSecret,
    /// App-only, with a certificate (PEM, or PFX whose password is stored).
    Certificate,
    /// Delegated: authorization code + PKCE in the system browser (the default, K-13).
    #[default]
    Browser,
    /// Delegated: device code, for machines without a browser.
    DeviceCode,
}

impl AuthMode {
    /// True for the delegated modes (a signed-in analyst, a refresh token).
    pub fn is_delegated(self) -> bool {
        matches!(self, AuthMode::Browser | AuthMode::DeviceCode)
    }
}

/// A profile as the Settings view and `cordon profiles list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub profile: Profile,
    /// True when what its auth mode needs is there: the client secret or the refresh
    /// token (signed in) is stored, or a certificate file is set. Known from the
    /// profiles file: listing never reads a secret (no keychain prompt, works without
    /// a credential store).
    pub has_secret: bool,
    /// The account (UPN) of the last delegated sign-in.
    pub signed_in_as: Option<String>,
    /// The profile used when none is named.
    pub active: bool,
}

/// True for a GUID in its 8-4-4-4-12 hexadecimal form (braces not accepted).
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn invalid(field: &str, message: String) -> CoreError {
    CoreError::Invalid {
        field: field.into(),
        message,
    }
}

impl Profile {
    /// Trims the text fields and drops empty optional ones.
    pub fn normalized(mut self) -> Self {
        fn opt(v: Option<String>) -> Option<String> {
            v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        self.name = self.name.trim().to_owned();
        self.tenant_id = self.tenant_id.trim().to_ascii_lowercase();
        self.client_id = self.client_id.trim().to_ascii_lowercase();
        self.authority = opt(self.authority);
        self.api_base = opt(self.api_base);
        self.certificate_path = opt(self.certificate_path);
        self
    }

    /// Checks one profile on its own (uniqueness is the store's): a usable name, GUID
    /// ids, parseable endpoints for a custom cloud, a certificate file for that mode.
    pub fn validate(&self) -> Result<()> {
        let name = &self.name;
        if name.is_empty() {
            return Err(invalid("name", "Give the profile a name.".into()));
        }
        if name.chars().count() > 64 {
            return Err(invalid(
                "name",
                "A profile name has at most 64 characters.".into(),
            ));
        }
        if name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\' | '#'))
        {
            return Err(invalid(
                "name",
                format!("“{name}” cannot be a profile name: no control characters, /, \\ or #."),
            ));
        }
        if !is_guid(&self.tenant_id) {
            return Err(invalid(
                "tenantId",
                format!(
                    "“{}” is not a tenant id: use the Directory (tenant) ID GUID from Entra ID, e.g. 00000000-0000-0000-0000-000000000000.",
                    self.tenant_id
                ),
            ));
        }
        if !is_guid(&self.client_id) {
            return Err(invalid(
                "clientId",
                format!(
                    "“{}” is not a client id: use the Application (client) ID GUID of the app registration.",
                    self.client_id
                ),
            ));
        }
        if self.cloud == Cloud::Custom {
            let (Some(authority), Some(api)) = (&self.authority, &self.api_base) else {
                return Err(invalid(
                    "apiBase",
                    "A custom cloud needs both an authority URL and an API base URL.".into(),
                ));
            };
            for (field, url) in [("authority", authority), ("apiBase", api)] {
                mde_api::Endpoints::custom(url, url).map_err(|e| {
                    invalid(field, format!("“{url}” cannot be used: {e}. Use https (or http to localhost for a simulator)."))
                })?;
            }
        }
        if self.auth_mode == AuthMode::Certificate && self.certificate_path.is_none() {
            return Err(invalid(
                "certificatePath",
                "Certificate sign-in needs a certificate file (PEM with its private key, or PFX)."
                    .into(),
            ));
        }
        if let Some(url) = &self.team_store {
            crate::store::pg::check_profile_url(url).map_err(|m| invalid("teamStore", m))?;
        }
        if let Some(path) = &self.certificate_path
            && mde_api::CertificateCredential::is_network_path(path)
        {
            // Reading it would hand the user's NTLM credentials to that host (Windows).
            return Err(invalid(
                "certificatePath",
                format!(
                    "“{path}” is a network path; copy the certificate to a local disk and give that path."
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
