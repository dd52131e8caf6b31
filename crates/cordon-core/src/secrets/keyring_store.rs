//! The OS credential store through `keyring` v3: Windows Credential Manager, the macOS
//! Keychain, or the Secret Service (GNOME Keyring, KWallet) on Linux. Service `Cordon`,
//! user `<profile>/<kind>`.
//!
//! Why the extra care:
//! - `keyring` silently uses an in-memory mock when built without a platform store,
//!   and anyone in the process may replace its default builder; so credentials are
//!   built from the platform builder directly, and [`KeyringStore::open`] refuses a
//!   store that does not persist (K-1), then runs a write/read/compare/delete probe
//!   and fails closed (K-2).
//! - Windows limits a credential to 2,560 bytes of UTF-16 (1,280 characters), shorter
//!   than many Entra refresh tokens; so long values are split into chunks under
//!   `<user>#<generation>.<i>` and the head entry names the generation. A new value
//!   writes its chunks first and the head last, so a reader never sees a mix, and the
//!   superseded chunks are deleted after the head commits (K-3, K-10).

use std::sync::atomic::{AtomicU64, Ordering};

use keyring::credential::CredentialPersistence;
use keyring::{Entry, Error as KError};
use mde_api::Secret;

use super::{SecretKey, SecretStore};
use crate::error::{CoreError, Result};

/// Longest piece kept in one credential, in UTF-16 units (Windows: 1,280).
const PIECE_UTF16: usize = 1200;
/// Head of a value stored whole.
const WHOLE: &str = "v1:";
/// Head of a chunked value: `c1:<generation>:<count>`.
const CHUNKED: &str = "c1:";

/// Secrets in the OS credential store. Obtain with [`KeyringStore::open`].
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// The service name of every Cordon credential.
    pub const SERVICE: &'static str = "Cordon";

    /// Opens the OS credential store, proving it works (write, read, compare, delete).
    /// Fails with [`CoreError::SecureStorageUnavailable`]; never falls back.
    pub fn open() -> Result<Self> {
        Self::open_service(Self::SERVICE)
    }

    /// Same as [`KeyringStore::open`] under another service name (tests use their own
    /// so they never touch a user's Cordon credentials).
    pub fn open_service(service: &str) -> Result<Self> {
        let persistence = keyring::default::default_credential_builder().persistence();
        if !matches!(persistence, CredentialPersistence::UntilDelete) {
            return Err(CoreError::SecureStorageUnavailable(
                "this build's credential store does not persist secrets".into(),
            ));
        }
        let store = Self {
            service: service.to_owned(),
        };
        store.probe().map_err(|e| match e {
            CoreError::SecureStorageUnavailable(d) | CoreError::SecretStore(d) => {
                CoreError::SecureStorageUnavailable(d)
            }
            other => CoreError::SecureStorageUnavailable(other.to_string()),
        })?;
        Ok(store)
    }

    fn probe(&self) -> Result<()> {
        let user = format!("probe/{}", generation());
        let canary = format!("cordon-probe-{}", generation());
        let entry = self.entry(&user)?;
        entry.set_password(&canary).map_err(unavailable)?;
        let read = entry.get_password();
        let _ = entry.delete_credential();
        let read = read.map_err(unavailable)?;
        if read != canary {
            return Err(CoreError::SecureStorageUnavailable(
                "the credential store returned a different value than was written".into(),
            ));
        }
        match entry.get_password() {
            Err(KError::NoEntry) => Ok(()),
            Ok(_) => Err(CoreError::SecureStorageUnavailable(
                "the credential store did not delete the probe".into(),
            )),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn entry(&self, user: &str) -> Result<Entry> {
        // The platform builder, not keyring's replaceable default (which may be a mock).
        let credential = keyring::default::default_credential_builder()
            .build(None, &self.service, user)
            .map_err(unavailable)?;
        Ok(Entry::new_with_credential(credential))
    }

    fn read(&self, user: &str) -> Result<Option<String>> {
        match self.entry(user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(KError::NoEntry) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    fn write(&self, user: &str, value: &str) -> Result<()> {
        self.entry(user)?.set_password(value).map_err(failure)
    }

    fn remove(&self, user: &str) -> Result<()> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(KError::NoEntry) => Ok(()),
            Err(e) => Err(failure(e)),
        }
    }

    /// Deletes the chunks a head points to (if it is a chunked head).
    fn remove_chunks(&self, user: &str, head: Option<&str>) -> Result<()> {
        if let Some((generation, count)) = head.and_then(parse_chunked) {
            for i in 0..count {
                self.remove(&chunk_user(user, generation, i))?;
            }
        }
        Ok(())
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        let user = key.user();
        let Some(head) = self.read(&user)? else {
            return Ok(None);
        };
        if let Some(whole) = head.strip_prefix(WHOLE) {
            return Ok(Some(Secret::new(whole)));
        }
        let Some((generation, count)) = parse_chunked(&head) else {
            // Not written by Cordon's format: take it as it is.
            return Ok(Some(Secret::new(head)));
        };
        let mut value = String::new();
        for i in 0..count {
            let piece = self
                .read(&chunk_user(&user, generation, i))?
                .ok_or_else(|| {
                    CoreError::SecretStore(format!("part {i} of the secret {user} is missing"))
                })?;
            value.push_str(&piece);
        }
        Ok(Some(Secret::new(value)))
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        let user = key.user();
        let old = self.read(&user)?;
        let v = value.expose();
        if v.encode_utf16().count() + WHOLE.len() <= PIECE_UTF16 {
            self.write(&user, &format!("{WHOLE}{v}"))?;
        } else {
            let pieces = split(v, PIECE_UTF16);
            let generation = generation();
            for (i, piece) in pieces.iter().enumerate() {
                self.write(&chunk_user(&user, &generation, i), piece)?;
            }
            self.write(&user, &format!("{CHUNKED}{generation}:{}", pieces.len()))?;
        }
        // The new value is committed: the superseded chunks go.
        self.remove_chunks(&user, old.as_deref())
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        let user = key.user();
        let old = self.read(&user)?;
        self.remove(&user)?;
        self.remove_chunks(&user, old.as_deref())
    }

    fn describe(&self) -> &'static str {
        "OS credential store"
    }
}

/// `(generation, count)` of a chunked head.
fn parse_chunked(head: &str) -> Option<(&str, usize)> {
    let rest = head.strip_prefix(CHUNKED)?;
    let (generation, count) = rest.split_once(':')?;
    Some((generation, count.parse().ok()?))
}

fn chunk_user(user: &str, generation: &str, i: usize) -> String {
    format!("{user}#{generation}.{i}")
}

/// Splits on character boundaries into pieces of at most `max` UTF-16 units.
fn split(value: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut units = 0;
    for c in value.chars() {
        if units + c.len_utf16() > max {
            pieces.push(std::mem::take(&mut current));
            units = 0;
        }
        current.push(c);
        units += c.len_utf16();
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// A fresh generation tag (time, process and a counter: unique enough to never reuse
/// chunk names of a value still being read).
fn generation() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:x}{:x}{:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Errors while opening or probing: the store is unusable.
fn unavailable(e: KError) -> CoreError {
    CoreError::SecureStorageUnavailable(e.to_string())
}

/// Errors once open: locked or gone is "unavailable", anything else a store error.
fn failure(e: KError) -> CoreError {
    match e {
        KError::PlatformFailure(_) | KError::NoStorageAccess(_) => unavailable(e),
        other => CoreError::SecretStore(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_every_character_and_the_limit() {
        let value: String = "ab€😀".repeat(500);
        let pieces = split(&value, 7);
        assert_eq!(pieces.concat(), value);
        assert!(pieces.iter().all(|p| p.encode_utf16().count() <= 7));
        assert_eq!(split("", 7), vec![String::new()]);
    }

    #[test]
    fn chunked_heads_parse() {
        assert_eq!(parse_chunked("c1:abc:3"), Some(("abc", 3)));
        assert_eq!(parse_chunked("v1:c1:abc:3"), None);
        assert_eq!(parse_chunked("c1:abc"), None);
    }
}
