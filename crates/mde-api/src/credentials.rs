//! How the client proves who it is: a client secret, a certificate (signed
//! `client_assertion`), or a user's refresh token from a delegated sign-in.
//!
//! Why the secrets are wrapped: a secret, a refresh token or a private key must
//! never reach a log line, a crash report or an error message. [`Secret`] has no
//! `Display` and prints as `Secret(***)`; [`CertificateCredential`] prints only
//! its thumbprint. Delegated credentials carry a [`RefreshTokenStore`] because
//! Entra hands out a new refresh token on every use and the old one should be
//! replaced at once (reliability-security.md K-10).

use std::fmt;
use std::sync::Arc;

use crate::Error;
pub use crate::certificate::CertificateCredential;

/// A secret value. `Debug` prints `Secret(***)`; there is no `Display`, so it
/// cannot end up in a log line by accident. [`Secret::expose`] is for the one
/// place it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the request that must carry it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Where a rotated refresh token goes (the OS credential store, in the app).
///
/// [`save`](RefreshTokenStore::save) is called with every new refresh token,
/// before the access token that came with it is used. It cannot fail: a store
/// that cannot write should log it; the client keeps the new token in memory.
pub trait RefreshTokenStore: Send + Sync + fmt::Debug {
    fn save(&self, refresh_token: &Secret);
}

/// How the client proves who it is to Entra ID.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// An app registration with a client secret (application permissions).
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: Secret,
    },
    /// An app registration with a certificate: each token request carries a
    /// freshly signed `client_assertion` (RS256 JWT, `aud` = token endpoint,
    /// `iss` = `sub` = client id, `jti`, `nbf`, `exp`, header `x5t#S256` and
    /// `x5t` from the certificate).
    ClientCertificate {
        tenant_id: String,
        client_id: String,
        certificate: CertificateCredential,
    },
    /// Delegated: a refresh token from a browser or device-code sign-in
    /// ([`crate::signin`]); rotated tokens are handed to `store` (K-10).
    Delegated {
        tenant_id: String,
        client_id: String,
        refresh_token: Secret,
        store: Arc<dyn RefreshTokenStore>,
    },
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        use Credentials::*;
        match (self, other) {
            (
                ClientSecret {
                    tenant_id: t1,
                    client_id: c1,
                    secret: s1,
                },
                ClientSecret {
                    tenant_id: t2,
                    client_id: c2,
                    secret: s2,
                },
            ) => (t1, c1, s1) == (t2, c2, s2),
            (
                ClientCertificate {
                    tenant_id: t1,
                    client_id: c1,
                    certificate: k1,
                },
                ClientCertificate {
                    tenant_id: t2,
                    client_id: c2,
                    certificate: k2,
                },
            ) => (t1, c1, k1) == (t2, c2, k2),
            (
                Delegated {
                    tenant_id: t1,
                    client_id: c1,
                    refresh_token: r1,
                    store: s1,
                },
                Delegated {
                    tenant_id: t2,
                    client_id: c2,
                    refresh_token: r2,
                    store: s2,
                },
            ) => {
                (t1, c1, r1) == (t2, c2, r2) && std::ptr::addr_eq(Arc::as_ptr(s1), Arc::as_ptr(s2))
            }
            _ => false,
        }
    }
}

impl Credentials {
    pub fn client_secret(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        Credentials::ClientSecret {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            secret: secret.into(),
        }
    }

    pub fn tenant_id(&self) -> &str {
        match self {
            Credentials::ClientSecret { tenant_id, .. }
            | Credentials::ClientCertificate { tenant_id, .. }
            | Credentials::Delegated { tenant_id, .. } => tenant_id,
        }
    }

    pub fn client_id(&self) -> &str {
        match self {
            Credentials::ClientSecret { client_id, .. }
            | Credentials::ClientCertificate { client_id, .. }
            | Credentials::Delegated { client_id, .. } => client_id,
        }
    }

    /// The form fields of a token request to `token_url` (v2.0 endpoint).
    /// `refresh_token` is the newest refresh token of a delegated client.
    pub(crate) fn form(
        &self,
        token_url: &url::Url,
        scope: &str,
        refresh_token: Option<&Secret>,
    ) -> Result<Vec<(&'static str, String)>, Error> {
        Ok(match self {
            Credentials::ClientSecret {
                client_id, secret, ..
            } => vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", client_id.clone()),
                ("client_secret", secret.expose().to_owned()),
                ("scope", scope.to_owned()),
            ],
            Credentials::ClientCertificate {
                client_id,
                certificate,
                ..
            } => vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", client_id.clone()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ),
                (
                    "client_assertion",
                    certificate
                        .assertion(client_id, token_url.as_str())?
                        .expose()
                        .to_owned(),
                ),
                ("scope", scope.to_owned()),
            ],
            Credentials::Delegated {
                client_id,
                refresh_token: initial,
                ..
            } => vec![
                ("grant_type", "refresh_token".to_owned()),
                ("client_id", client_id.clone()),
                (
                    "refresh_token",
                    refresh_token.unwrap_or(initial).expose().to_owned(),
                ),
                ("scope", delegated_scope(scope)),
            ],
        })
    }
}

/// The scope of a delegated request: the API scope plus `offline_access`, so
/// that a refresh token comes back.
pub(crate) fn delegated_scope(scope: &str) -> String {
    if scope.split_whitespace().any(|s| s == "offline_access") {
        scope.to_owned()
    } else {
        format!("{scope} offline_access")
    }
}
