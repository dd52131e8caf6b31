//! The Settings view's DTOs of the tenant in use: which tenant a window works on,
//! where secrets go, the write-only secret of a profile being saved, and the result of
//! a connection test. They live in the core (not the shell) because the start-up and
//! the profile operations that produce them are the core's, shared with the CLI.
//!
//! No field here ever holds a token or a stored secret (T-8): a secret typed by the
//! user travels web view → Rust once, inside [`ProfileInput`], and is never sent back.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::dto::IpcError;
use crate::profiles::{Profile, ProfileView};

/// Which tenant the window works on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Tenant {
    /// The embedded simulator.
    Demo,
    /// `CORDON_TENANT_ID` / `CORDON_CLIENT_ID` / `CORDON_CLIENT_SECRET`.
    Environment,
    /// A saved profile.
    Profile { name: String },
}

/// Where the profiles' secrets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum StorageKind {
    /// The OS credential store (Credential Manager, Keychain, Secret Service).
    Os,
    /// Process memory, chosen explicitly with `--demo --secret-store=memory`.
    Memory,
    /// The OS store could not be used: no secret is stored anywhere (K-1/K-2).
    Unavailable,
}

/// The secret store as the Settings view states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SecretStorage {
    pub kind: StorageKind,
    /// One sentence for people: "OS credential store", "in-memory (demo)", or
    /// "Secure storage unavailable: …".
    pub description: String,
    /// Why the OS store could not be used.
    pub problem: Option<String>,
}

impl SecretStorage {
    pub fn os() -> Self {
        Self {
            kind: StorageKind::Os,
            description: "OS credential store".into(),
            problem: None,
        }
    }

    pub fn memory() -> Self {
        Self {
            kind: StorageKind::Memory,
            description: "in-memory (demo): secrets are forgotten when Cordon exits".into(),
            problem: None,
        }
    }

    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            kind: StorageKind::Unavailable,
            description: "Secure storage unavailable: Cordon will not store secrets in plain text"
                .into(),
            problem: Some(reason.into()),
        }
    }
}

/// Everything the Settings view lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub profiles: Vec<ProfileView>,
    /// The tenant in use in this window.
    pub current: Tenant,
    pub secret_storage: SecretStorage,
}

/// A profile to add or replace, with an optional secret for its auth mode (the client
/// secret, or a PFX password). The secret goes straight to the secret store.
#[derive(Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInput {
    pub profile: Profile,
    pub secret: Option<String>,
    /// The team store login's password (kept in the credential store); empty or
    /// absent keeps the one stored.
    #[serde(default)]
    pub team_store_password: Option<String>,
}

impl std::fmt::Debug for ProfileInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileInput")
            .field("profile", &self.profile)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field(
                "team_store_password",
                &self.team_store_password.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// What a connection test found: the permissions the token grants, and what they allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTest {
    pub ok: bool,
    /// Permissions in the token (roles or scopes), e.g. `Machine.Isolate`.
    pub permissions: Vec<String>,
    /// True when the token allows isolate and release (`Machine.Isolate`).
    pub may_isolate: bool,
    pub machine_count: u32,
    /// The signed-in account of a delegated profile.
    pub account: Option<String>,
    pub error: Option<IpcError>,
}
