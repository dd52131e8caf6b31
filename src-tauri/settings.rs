//! The Settings view's DTOs. The tenant in use, the secret storage, a profile being
//! saved and a connection test are the core's ([`cordon_core::tenant`], shared with
//! the CLI's start-up); only the device-code prompt, a Tauri event, is the shell's.
//! No field ever holds a token or a stored secret (T-8).

pub use cordon_core::tenant::{
    ConnectionTest, ProfileInput, SecretStorage, SettingsView, StorageKind, Tenant,
};
use serde::{Deserialize, Serialize};
use specta::Type;

/// What the user must do to finish a device-code sign-in (event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodePrompt {
    pub profile: String,
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
    pub expires_in_secs: u32,
}
