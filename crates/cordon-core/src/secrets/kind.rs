//! Which secret of a profile: named by the credential store's entries, the profiles
//! file and the errors (kept apart from the store so the error type can name it
//! without depending on the store).

use serde::{Deserialize, Serialize};
use specta::Type;

/// Which secret of a profile.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "camelCase")]
pub enum SecretKind {
    /// The app registration's client secret (auth mode `clientSecret`).
    ClientSecret,
    /// The delegated sign-in's refresh token (auth modes `browser`, `deviceCode`).
    RefreshToken,
    /// The password of a PFX certificate (auth mode `certificate`).
    CertificatePassword,
    /// The password of the profile's team store login (PostgreSQL).
    TeamStorePassword,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::ClientSecret,
        SecretKind::RefreshToken,
        SecretKind::CertificatePassword,
        SecretKind::TeamStorePassword,
    ];

    /// The stable name used in the credential store's user field.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client-secret",
            SecretKind::RefreshToken => "refresh-token",
            SecretKind::CertificatePassword => "certificate-password",
            SecretKind::TeamStorePassword => "team-store-password",
        }
    }
}

impl std::fmt::Display for SecretKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretKind::ClientSecret => "client secret",
            SecretKind::RefreshToken => "refresh token (sign-in)",
            SecretKind::CertificatePassword => "certificate password",
            SecretKind::TeamStorePassword => "team store password",
        })
    }
}
