//! Where secrets live: the client secret, the refresh token and a PFX password of each
//! profile. Only in the OS credential store ([`KeyringStore`]), or in memory when a
//! caller explicitly chooses [`MemoryStore`] (tests, the demo). There is no silent
//! fallback (K-1/K-2): when the OS store cannot be used, [`KeyringStore::open`] fails
//! with [`CoreError::SecureStorageUnavailable`] and the caller decides what to do;
//! [`UnavailableStore`] lets profile management (which needs no secret) carry on while
//! every secret operation keeps failing closed.
//!
//! Secret values are [`mde_api::Secret`], whose `Debug` prints `Secret(***)`.

use std::collections::HashMap;
use std::sync::Mutex;

pub use mde_api::Secret;

use crate::error::{CoreError, Result};

mod keyring_store;
pub mod kind;

pub use kind::SecretKind;

pub use keyring_store::KeyringStore;

/// One secret of one profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretKey {
    pub profile: String,
    pub kind: SecretKind,
    /// The identity the secret was entered for (a fingerprint of tenant, client id,
    /// authority and API base): part of the entry's name, so a profile whose identity
    /// changed (edited, or its file rewritten) finds no secret and asks for it again.
    pub bound_to: Option<String>,
}

impl SecretKey {
    pub fn new(profile: impl Into<String>, kind: SecretKind) -> Self {
        Self {
            profile: profile.into(),
            kind,
            bound_to: None,
        }
    }

    /// A key bound to an identity fingerprint (see [`SecretKey::bound_to`]).
    pub fn bound(
        profile: impl Into<String>,
        kind: SecretKind,
        identity: impl Into<String>,
    ) -> Self {
        Self {
            bound_to: Some(identity.into()),
            ..Self::new(profile, kind)
        }
    }

    /// The credential store's user field: `<profile>/<kind>`, then `/<identity>` for
    /// a bound key.
    pub fn user(&self) -> String {
        match &self.bound_to {
            Some(id) => format!("{}/{}/{id}", self.profile, self.kind.as_str()),
            None => format!("{}/{}", self.profile, self.kind.as_str()),
        }
    }
}

/// A store of secrets. `delete` of an absent secret is not an error.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>>;
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()>;
    fn delete(&self, key: &SecretKey) -> Result<()>;
    /// Where the secrets go, for people ("OS credential store", "memory").
    fn describe(&self) -> &'static str;
}

/// Secrets in process memory, gone at exit. Only where explicitly chosen: tests and
/// the demo tenant. Never a fallback for the OS store.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<SecretKey, Secret>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, Secret>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        Ok(self.map().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.map().insert(key.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.map().remove(key);
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "memory (demo and tests only)"
    }
}

/// The OS credential store could not be opened: every operation fails with
/// [`CoreError::SecureStorageUnavailable`] and the reason. Lets commands that need no
/// secret (listing profiles, adding one without a secret) run on a machine without a
/// credential store, while nothing secret is ever kept.
#[derive(Debug, Clone)]
pub struct UnavailableStore {
    reason: String,
}

impl UnavailableStore {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// From the error of a failed [`KeyringStore::open`].
    pub fn from_error(e: &CoreError) -> Self {
        match e {
            CoreError::SecureStorageUnavailable(reason) => Self::new(reason.clone()),
            other => Self::new(other.to_string()),
        }
    }

    fn fail<T>(&self) -> Result<T> {
        Err(CoreError::SecureStorageUnavailable(self.reason.clone()))
    }
}

impl SecretStore for UnavailableStore {
    fn get(&self, _: &SecretKey) -> Result<Option<Secret>> {
        self.fail()
    }

    fn set(&self, _: &SecretKey, _: &Secret) -> Result<()> {
        self.fail()
    }

    fn delete(&self, _: &SecretKey) -> Result<()> {
        self.fail()
    }

    fn describe(&self) -> &'static str {
        "unavailable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trips_and_deletes() {
        let s = MemoryStore::new();
        let k = SecretKey::new("prod", SecretKind::ClientSecret);
        assert!(s.get(&k).expect("get").is_none());
        s.set(&k, &Secret::new("v1")).expect("set");
        s.set(&k, &Secret::new("v2")).expect("overwrite");
        assert_eq!(
            s.get(&k).expect("get").map(|v| v.expose().to_owned()),
            Some("v2".into())
        );
        let other = SecretKey::new("prod", SecretKind::RefreshToken);
        assert!(s.get(&other).expect("get").is_none(), "kinds are separate");
        s.delete(&k).expect("delete");
        s.delete(&k).expect("deleting twice is fine");
        assert!(s.get(&k).expect("get").is_none());
    }

    #[test]
    fn keys_name_profile_and_kind() {
        assert_eq!(
            SecretKey::new("prod", SecretKind::RefreshToken).user(),
            "prod/refresh-token"
        );
    }

    #[test]
    fn the_unavailable_store_fails_closed() {
        let s = UnavailableStore::new("no session bus");
        let k = SecretKey::new("p", SecretKind::ClientSecret);
        assert!(
            matches!(s.get(&k), Err(CoreError::SecureStorageUnavailable(r)) if r == "no session bus")
        );
        assert!(matches!(
            s.set(&k, &Secret::new("x")),
            Err(CoreError::SecureStorageUnavailable(_))
        ));
        assert!(matches!(
            s.delete(&k),
            Err(CoreError::SecureStorageUnavailable(_))
        ));
    }
}
