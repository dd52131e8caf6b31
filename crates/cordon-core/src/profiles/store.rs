//! `profiles.json`: the non-secret half of the profiles, written atomically (a temp
//! file in the same folder, flushed, then renamed over the old one) so a crash never
//! leaves half a file. Every operation re-reads the file, so the desktop app and the
//! CLI see each other's changes; writes within one process are serialised. Secrets go
//! to the [`SecretStore`]; the file records only which kinds were stored, so `list`
//! and `remove` of a profile without secrets never touch the credential store.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mde_api::Secret;
use serde::{Deserialize, Serialize};

use super::{AuthMode, Profile, ProfileView};
use crate::error::{CoreError, Result};
use crate::secrets::{SecretKind, SecretStore};

/// The file's name in the data folder.
pub const FILE_NAME: &str = "profiles.json";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    profiles: Vec<Stored>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    #[serde(flatten)]
    profile: Profile,
    /// Which secrets of this profile are in the secret store (never their values).
    #[serde(default)]
    stored_secrets: BTreeSet<SecretKind>,
    #[serde(default)]
    signed_in_as: Option<String>,
}

/// The profiles of this user, shared by the app and the CLI.
pub struct ProfileStore {
    dir: PathBuf,
    secrets: Arc<dyn SecretStore>,
    write: Mutex<()>,
}

impl ProfileStore {
    /// Opens (creating the folder if needed) the profiles in `dir`, with `secrets`
    /// holding their secrets. Fails if an existing file cannot be read.
    pub fn open(dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> Result<Self> {
        let store = Self {
            dir: dir.into(),
            secrets,
            write: Mutex::new(()),
        };
        crate::owner_only::create_dir_all(&store.dir).map_err(|e| store.file_error(&e))?;
        store.load()?;
        Ok(store)
    }

    /// The profiles file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The secret store the profiles' secrets go to.
    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        Arc::clone(&self.secrets)
    }

    /// Every profile, sorted by name.
    pub fn list(&self) -> Result<Vec<ProfileView>> {
        let file = self.load()?;
        let mut out: Vec<ProfileView> = file.profiles.iter().map(|s| view(s, &file)).collect();
        out.sort_by_key(|v| v.profile.name.to_lowercase());
        Ok(out)
    }

    /// One profile by name (case-insensitive).
    pub fn get(&self, name: &str) -> Result<Profile> {
        Ok(self.view(name)?.profile)
    }

    /// One profile with its status.
    pub fn view(&self, name: &str) -> Result<ProfileView> {
        let file = self.load()?;
        let s = find(&file, name).ok_or_else(|| CoreError::UnknownProfile(name.trim().into()))?;
        Ok(view(&file.profiles[s], &file))
    }

    /// Adds a profile, or replaces the one with the same name. Validated first. The
    /// first profile becomes the active one. When the tenant, app or cloud changes, a
    /// stored sign-in no longer applies and is forgotten.
    pub fn upsert(&self, profile: Profile) -> Result<ProfileView> {
        let profile = profile.normalized();
        profile.validate()?;
        let _w = self.lock();
        let mut file = self.load()?;
        // A changed identity (tenant, client id, cloud, endpoints) forgets every stored
        // secret of the profile: none may follow it to another endpoint.
        let forget = match find(&file, &profile.name) {
            Some(i) if file.profiles[i].profile.name != profile.name => {
                return Err(CoreError::Invalid {
                    field: "name".into(),
                    message: format!(
                        "A profile named “{}” already exists: choose another name, or edit that one.",
                        file.profiles[i].profile.name
                    ),
                });
            }
            Some(i) => {
                let old = &mut file.profiles[i];
                let stale = (!same_identity(&old.profile, &profile))
                    .then(|| (old.profile.clone(), std::mem::take(&mut old.stored_secrets)));
                old.profile = profile.clone();
                stale
            }
            None => {
                file.profiles.push(Stored {
                    profile: profile.clone(),
                    stored_secrets: BTreeSet::new(),
                    signed_in_as: None,
                });
                None
            }
        };
        if let Some((old, kinds)) = forget {
            for kind in kinds {
                self.secrets.delete(&super::secret_key(&old, kind))?;
            }
            if let Some(i) = find(&file, &profile.name) {
                file.profiles[i].signed_in_as = None;
            }
        }
        if file
            .active
            .as_deref()
            .is_none_or(|a| find(&file, a).is_none())
        {
            file.active = Some(profile.name.clone());
        }
        self.save(&file)?;
        let i = find(&file, &profile.name).unwrap_or_default();
        Ok(view(&file.profiles[i], &file))
    }

    /// Removes a profile and deletes its stored secrets (first: if the credential
    /// store refuses, the profile stays, so no secret is orphaned).
    pub fn remove(&self, name: &str) -> Result<()> {
        let _w = self.lock();
        let mut file = self.load()?;
        let i = find(&file, name).ok_or_else(|| CoreError::UnknownProfile(name.trim().into()))?;
        let stored = file.profiles[i].clone();
        for kind in &stored.stored_secrets {
            self.secrets
                .delete(&super::secret_key(&stored.profile, *kind))?;
        }
        file.profiles.remove(i);
        if file
            .active
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&stored.profile.name))
        {
            file.active = None;
        }
        self.save(&file)
    }

    /// The profile used when none is named.
    pub fn active(&self) -> Result<Option<Profile>> {
        let file = self.load()?;
        Ok(file
            .active
            .as_deref()
            .and_then(|a| find(&file, a))
            .map(|i| file.profiles[i].profile.clone()))
    }

    /// Chooses the active profile (`None`: none).
    pub fn set_active(&self, name: Option<&str>) -> Result<()> {
        let _w = self.lock();
        let mut file = self.load()?;
        file.active = match name {
            None => None,
            Some(n) => {
                let i = find(&file, n).ok_or_else(|| CoreError::UnknownProfile(n.trim().into()))?;
                Some(file.profiles[i].profile.name.clone())
            }
        };
        self.save(&file)
    }

    /// Stores a secret of a profile in the secret store and records that it is there.
    pub fn set_secret(&self, name: &str, kind: SecretKind, value: &Secret) -> Result<()> {
        if value.expose().is_empty() {
            return Err(CoreError::Invalid {
                field: "secret".into(),
                message: format!("The {kind} is empty: nothing was stored."),
            });
        }
        let _w = self.lock();
        let mut file = self.load()?;
        let i = find(&file, name).ok_or_else(|| CoreError::UnknownProfile(name.trim().into()))?;
        let key = super::secret_key(&file.profiles[i].profile, kind);
        self.secrets.set(&key, value)?;
        if file.profiles[i].stored_secrets.insert(kind) {
            self.save(&file)?;
        }
        Ok(())
    }

    /// Deletes a secret of a profile (signing out, for the refresh token).
    pub fn delete_secret(&self, name: &str, kind: SecretKind) -> Result<()> {
        let _w = self.lock();
        let mut file = self.load()?;
        let i = find(&file, name).ok_or_else(|| CoreError::UnknownProfile(name.trim().into()))?;
        self.secrets
            .delete(&super::secret_key(&file.profiles[i].profile, kind))?;
        let s = &mut file.profiles[i];
        s.stored_secrets.remove(&kind);
        if kind == SecretKind::RefreshToken {
            s.signed_in_as = None;
        }
        self.save(&file)
    }

    /// Records who signed in (after the refresh token was stored).
    pub(crate) fn record_sign_in(&self, name: &str, account: Option<String>) -> Result<()> {
        let _w = self.lock();
        let mut file = self.load()?;
        let i = find(&file, name).ok_or_else(|| CoreError::UnknownProfile(name.trim().into()))?;
        let s = &mut file.profiles[i];
        s.stored_secrets.insert(SecretKind::RefreshToken);
        s.signed_in_as = account;
        self.save(&file)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn load(&self) -> Result<File> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CoreError::ProfileFile {
                path: path.display().to_string(),
                detail: format!("not a valid profiles file: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(self.file_error(&e)),
        }
    }

    fn save(&self, file: &File) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(file).map_err(|e| CoreError::ProfileFile {
            path: self.path().display().to_string(),
            detail: e.to_string(),
        })?;
        write_atomically(&self.path(), &bytes).map_err(|e| self.file_error(&e))
    }

    fn file_error(&self, e: &std::io::Error) -> CoreError {
        CoreError::ProfileFile {
            path: self.path().display().to_string(),
            detail: e.to_string(),
        }
    }
}

/// Writes `bytes` to a temp file next to `path`, flushes it, and renames it over
/// `path` (atomic on one file system, including Windows' replacing rename).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let mut f = crate::owner_only::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads `bytes` as [`ProfileStore::load`] does, then walks what the store does with
/// a loaded file: every view, the sorted list, a lookup of each name, the derived
/// endpoints and identity, and a save (serialised, then read back). For the fuzzer
/// and its corpus replay (`crate::fuzzing`); `None` when the file is refused.
pub(crate) fn fuzz_load(bytes: &[u8]) -> Option<usize> {
    let file: File = serde_json::from_slice(bytes).ok()?;
    let mut views: Vec<ProfileView> = file.profiles.iter().map(|s| view(s, &file)).collect();
    views.sort_by_key(|v| v.profile.name.to_lowercase());
    for s in &file.profiles {
        // Lookups trim the name asked for, so only a trimmed stored name (all that
        // `upsert` writes) is sure to be found by itself.
        let found = find(&file, &s.profile.name);
        assert!(
            found.is_some() || s.profile.name.trim() != s.profile.name,
            "{:?} not found by its own name",
            s.profile.name
        );
        let _ = s.profile.validate();
        let normalized = s.profile.clone().normalized();
        let _ = (super::endpoints(&normalized), super::identity(&normalized));
        let _ = same_identity(&s.profile, &normalized);
    }
    if let Some(active) = &file.active {
        let _ = find(&file, active);
    }
    let saved = serde_json::to_vec_pretty(&file).ok()?;
    let again: File = serde_json::from_slice(&saved).ok()?;
    assert_eq!(
        again.profiles.len(),
        file.profiles.len(),
        "a save lost profiles"
    );
    Some(views.len())
}

fn find(file: &File, name: &str) -> Option<usize> {
    let name = name.trim();
    file.profiles
        .iter()
        .position(|s| s.profile.name == name)
        .or_else(|| {
            file.profiles
                .iter()
                .position(|s| s.profile.name.to_lowercase() == name.to_lowercase())
        })
}

fn same_identity(a: &Profile, b: &Profile) -> bool {
    a.tenant_id == b.tenant_id
        && a.client_id == b.client_id
        && a.cloud == b.cloud
        && a.authority == b.authority
        && a.api_base == b.api_base
}

fn view(s: &Stored, file: &File) -> ProfileView {
    let has = |k| s.stored_secrets.contains(&k);
    let has_secret = match s.profile.auth_mode {
        AuthMode::ClientSecret => has(SecretKind::ClientSecret),
        AuthMode::Certificate => s.profile.certificate_path.is_some(),
        AuthMode::Browser | AuthMode::DeviceCode => has(SecretKind::RefreshToken),
    };
    ProfileView {
        profile: s.profile.clone(),
        has_secret,
        signed_in_as: s.signed_in_as.clone(),
        active: file
            .active
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&s.profile.name)),
    }
}
