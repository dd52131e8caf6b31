//! From a profile to a ready [`AppConfig`]: its endpoints, and the credentials its
//! auth mode needs, read from the secret store. A missing credential is an error that
//! says which command (or Settings action) provides it.

use std::sync::Arc;

use mde_api::{Credentials, Endpoints};

use super::{AuthMode, Cloud, Profile};
use crate::config::AppConfig;
use crate::error::{CoreError, Result};
use crate::secrets::{SecretKey, SecretKind, SecretStore};

/// The endpoints of a profile's cloud (custom: its own URLs).
pub fn endpoints(profile: &Profile) -> Result<Endpoints> {
    match Endpoints::for_cloud(profile.cloud) {
        Some(endpoints) => Ok(endpoints),
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

/// The identity a profile's secrets are bound to: 16 hex characters of SHA-256 over
/// its tenant id, client id, authority and API base (as the client will use them).
/// Any change of these (an edit, or a rewritten `profiles.json`) names other
/// credential-store entries, so a stored secret never follows an edited endpoint: the
/// person enters it again for the new identity.
pub fn identity(profile: &Profile) -> String {
    use sha2::{Digest, Sha256};
    let (authority, api) = match endpoints(profile) {
        Ok(e) => (e.authority.to_string(), e.api_base.to_string()),
        Err(_) => (
            profile.authority.clone().unwrap_or_default(),
            profile.api_base.clone().unwrap_or_default(),
        ),
    };
    let digest = Sha256::new()
        .chain_update(profile.tenant_id.trim().to_ascii_lowercase())
        .chain_update(b"\n")
        .chain_update(profile.client_id.trim().to_ascii_lowercase())
        .chain_update(b"\n")
        .chain_update(authority)
        .chain_update(b"\n")
        .chain_update(api)
        .finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The credential-store entry of a profile's secret of `kind`, bound to its identity.
pub fn secret_key(profile: &Profile, kind: SecretKind) -> SecretKey {
    SecretKey::bound(&profile.name, kind, identity(profile))
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
    let mut cfg = AppConfig::new(endpoints, credentials, label);
    if let Some(url) = profile
        .team_store
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        // The password joins the URL in memory only (`StoreUrl`'s Debug hides it).
        let password = secrets.get(&secret_key(profile, SecretKind::TeamStorePassword))?;
        cfg.store_url = Some(crate::config::StoreUrl::new(
            crate::store::pg::with_password(
                url.trim(),
                password.as_ref().map(mde_api::Secret::expose),
            ),
        ));
    }
    // The profile names its cloud (GCC High and DoD share their endpoints).
    cfg.portal_host = profile.cloud.portal_host().map(str::to_owned);
    Ok(cfg)
}

fn need(
    secrets: &Arc<dyn SecretStore>,
    profile: &Profile,
    kind: SecretKind,
) -> Result<mde_api::Secret> {
    secrets
        .get(&secret_key(profile, kind))?
        .ok_or_else(|| CoreError::MissingSecret {
            profile: profile.name.clone(),
            kind,
        })
}

fn credentials(profile: &Profile, secrets: &Arc<dyn SecretStore>) -> Result<Credentials> {
    let tenant_id = profile.tenant_id.clone();
    let client_id = profile.client_id.clone();
    match profile.auth_mode {
        AuthMode::ClientSecret => Ok(Credentials::ClientSecret {
            tenant_id,
            client_id,
            secret: need(secrets, profile, SecretKind::ClientSecret)?,
        }),
        AuthMode::Certificate => Ok(Credentials::ClientCertificate {
            tenant_id,
            client_id,
            certificate: certificate(profile, secrets)?,
        }),
        AuthMode::Browser | AuthMode::DeviceCode => Ok(Credentials::Delegated {
            tenant_id,
            client_id,
            refresh_token: need(secrets, profile, SecretKind::RefreshToken)?,
            store: Arc::new(WriteBack::new(
                secret_key(profile, SecretKind::RefreshToken),
                Arc::clone(secrets),
            )),
        }),
    }
}

/// The sentence of a certificate error from mde-api, without its generic prefix
/// (the path is already in [`CoreError::Certificate`]'s message).
fn detail_of(e: mde_api::Error) -> String {
    match e {
        mde_api::Error::InvalidArgument { detail } => detail
            .strip_prefix("certificate credential: ")
            .unwrap_or(&detail)
            .to_owned(),
        other => other.to_string(),
    }
}

/// Reads the profile's certificate: PEM (private key + certificate) or PFX/P12 with
/// its password from the secret store (a PFX without a stored password is tried with
/// an empty one).
fn certificate(
    profile: &Profile,
    secrets: &Arc<dyn SecretStore>,
) -> Result<mde_api::CertificateCredential> {
    let path = profile.certificate_path.clone().unwrap_or_default();
    let fail = |detail: String| CoreError::Certificate {
        path: path.clone(),
        detail,
    };
    // Only a small local regular file (no device, FIFO or network path).
    let bytes = mde_api::CertificateCredential::read_file(&path).map_err(|e| fail(detail_of(e)))?;
    let is_pem =
        bytes.starts_with(b"-----") || String::from_utf8_lossy(&bytes).contains("-----BEGIN");
    if is_pem {
        let text = String::from_utf8(bytes).map_err(|_| fail("the PEM file is not text".into()))?;
        return mde_api::CertificateCredential::from_pem(&text, None)
            .map_err(|e| fail(detail_of(e)));
    }
    let key = secret_key(profile, SecretKind::CertificatePassword);
    match secrets.get(&key)? {
        Some(password) => mde_api::CertificateCredential::from_pfx(&bytes, password.expose())
            .map_err(|e| fail(detail_of(e))),
        None => mde_api::CertificateCredential::from_pfx(&bytes, "").map_err(|_| {
            CoreError::MissingSecret {
                profile: profile.name.clone(),
                kind: SecretKind::CertificatePassword,
            }
        }),
    }
}

/// Writes each rotated refresh token back to the secret store (K-10), so the stored
/// one is always the newest. The client calls this while it holds its token lock, and
/// an OS credential store can take seconds (a D-Bus round trip, a locked keyring): so
/// the write happens on a writer thread of its own, in order, and `save` returns at
/// once. A failed write is logged, and the next start asks to sign in again if the
/// old token was revoked.
struct WriteBack {
    key: SecretKey,
    writer: std::sync::Mutex<std::sync::mpsc::Sender<mde_api::Secret>>,
}

impl WriteBack {
    fn new(key: SecretKey, secrets: Arc<dyn SecretStore>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<mde_api::Secret>();
        let thread_key = key.clone();
        let spawned = std::thread::Builder::new()
            .name("refresh-token-writer".into())
            .spawn(move || {
                // In order; ends when the WriteBack (the sender) is dropped.
                for token in rx {
                    if let Err(e) = secrets.set(&thread_key, &token) {
                        tracing::warn!(profile = %thread_key.profile, error = %e, "could not store the rotated refresh token");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no refresh-token writer: rotated tokens are not stored");
        }
        Self {
            key,
            writer: std::sync::Mutex::new(tx),
        }
    }
}

impl std::fmt::Debug for WriteBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteBack")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl mde_api::RefreshTokenStore for WriteBack {
    fn save(&self, refresh_token: &mde_api::Secret) {
        let sent = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .send(refresh_token.clone());
        if sent.is_err() {
            tracing::warn!(profile = %self.key.profile, "could not store the rotated refresh token: no writer");
        }
    }
}

#[cfg(test)]
mod write_back_tests {
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Duration, Instant};

    use mde_api::RefreshTokenStore as _;

    use super::*;
    use crate::secrets::MemoryStore;

    /// A credential store whose writes wait until the test opens the gate (a locked
    /// keyring waiting for its prompt).
    struct Gated {
        inner: MemoryStore,
        open: Mutex<bool>,
        opened: Condvar,
    }

    impl SecretStore for Gated {
        fn get(&self, key: &SecretKey) -> crate::error::Result<Option<mde_api::Secret>> {
            self.inner.get(key)
        }
        fn set(&self, key: &SecretKey, value: &mde_api::Secret) -> crate::error::Result<()> {
            let mut open = self.open.lock().expect("gate");
            while !*open {
                open = self.opened.wait(open).expect("gate");
            }
            self.inner.set(key, value)
        }
        fn delete(&self, key: &SecretKey) -> crate::error::Result<()> {
            self.inner.delete(key)
        }
        fn describe(&self) -> &'static str {
            "gated"
        }
    }

    #[test]
    fn a_slow_credential_store_never_holds_up_the_token_refresh_and_keeps_the_order() {
        let store = Arc::new(Gated {
            inner: MemoryStore::new(),
            open: Mutex::new(false),
            opened: Condvar::new(),
        });
        let key = SecretKey::new("p", SecretKind::RefreshToken);
        let wb = WriteBack::new(key.clone(), store.clone());
        let t0 = Instant::now();
        wb.save(&mde_api::Secret::new("rt-1"));
        wb.save(&mde_api::Secret::new("rt-2"));
        assert!(
            t0.elapsed() < Duration::from_millis(500),
            "save returns while the store is still blocked"
        );
        assert!(
            store.inner.get(&key).expect("get").is_none(),
            "not written yet"
        );
        *store.open.lock().expect("gate") = true;
        store.opened.notify_all();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = store
                .inner
                .get(&key)
                .expect("get")
                .map(|s| s.expose().to_owned());
            if now.as_deref() == Some("rt-2") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the newest token is stored last: {now:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
