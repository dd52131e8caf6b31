//! The one managed state: the core of the tenant in use (switchable from Settings),
//! the profiles, the secret store chosen at start, and the demo simulator.
//!
//! The core sits behind a `std::sync::RwLock` and is cloned out (cheap) before any
//! `.await`; no guard is ever held across one. A switch replaces the core and bumps a
//! watch channel, so the event forwarder re-subscribes to the new core.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use cordon_core::dto::AppInfo;
use cordon_core::profiles::{ProfileStore, ProfileView};
use cordon_core::signin::{self, SignInPrompt};
use cordon_core::tenant;
use cordon_core::{App, CoreError, Result};
use tokio::sync::{broadcast, watch};

use crate::settings::{
    ConnectionTest, DeviceCodePrompt, ProfileInput, SecretStorage, SettingsView, Tenant,
};

/// Opens a URL in the system browser (never a web view, K-8). Replaceable in tests.
pub type Opener = Arc<dyn Fn(&str) -> std::io::Result<()> + Send + Sync>;

/// Managed by Tauri; every command reads the core from here.
pub struct AppState {
    core: RwLock<App>,
    tenant: RwLock<Tenant>,
    pub profiles: Arc<ProfileStore>,
    pub storage: SecretStorage,
    pub data_dir: PathBuf,
    /// The embedded simulator once the demo tenant was used; kept alive until exit.
    demo: Mutex<Option<mde_sim::SimHandle>>,
    switched: watch::Sender<u32>,
    prompts: broadcast::Sender<DeviceCodePrompt>,
    /// Serialises switches (held across the start of the new core on purpose).
    switch_gate: tokio::sync::Mutex<()>,
    opener: Opener,
}

impl AppState {
    pub fn new(
        core: App,
        tenant: Tenant,
        profiles: ProfileStore,
        storage: SecretStorage,
        data_dir: PathBuf,
        demo: Option<mde_sim::SimHandle>,
    ) -> Self {
        Self {
            core: RwLock::new(core),
            tenant: RwLock::new(tenant),
            profiles: Arc::new(profiles),
            storage,
            data_dir,
            demo: Mutex::new(demo),
            switched: watch::channel(0).0,
            prompts: broadcast::channel(8).0,
            switch_gate: tokio::sync::Mutex::new(()),
            opener: Arc::new(system_browser),
        }
    }

    /// Replaces how URLs are opened (tests: a fake browser).
    pub fn with_opener(mut self, opener: Opener) -> Self {
        self.opener = opener;
        self
    }

    /// Opens `url` in the system browser (the state's opener: tests give a fake one).
    pub fn open_url(&self, url: &str) -> std::result::Result<(), cordon_core::dto::IpcError> {
        (self.opener)(url).map_err(|e| cordon_core::dto::IpcError::Internal {
            message: format!("Cordon could not open your browser at {url}: {e}"),
        })
    }

    /// The core in use (a clone: never hold the lock).
    pub fn core(&self) -> App {
        self.core
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs a read of the core's store (history, audit log, jobs, reconciliation) on
    /// the blocking pool, so a large query or a busy SQLite lock never stalls the
    /// async workers that answer every other IPC call and run the sync.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&App) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let core = self.core();
        tauri::async_runtime::spawn_blocking(move || f(&core))
            .await
            .map_err(|e| CoreError::Storage(format!("the read was interrupted: {e}")))?
    }

    /// The tenant in use.
    pub fn tenant(&self) -> Tenant {
        self.tenant
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Bumped on every switch.
    pub fn subscribe_switch(&self) -> watch::Receiver<u32> {
        self.switched.subscribe()
    }

    /// Device-code prompts for the web view.
    pub fn subscribe_prompts(&self) -> broadcast::Receiver<DeviceCodePrompt> {
        self.prompts.subscribe()
    }

    /// The Settings view.
    pub fn settings(&self) -> Result<SettingsView> {
        Ok(SettingsView {
            profiles: self.profiles.list()?,
            current: self.tenant(),
            secret_storage: self.storage.clone(),
        })
    }

    /// Adds or replaces a profile; its secret (if given) goes to the secret store only.
    pub async fn save_profile(&self, input: ProfileInput) -> Result<ProfileView> {
        self.with_profiles(move |p| tenant::save_profile(p, input))
            .await
    }

    /// Forgets a delegated profile's sign-in.
    pub async fn sign_out(&self, name: String) -> Result<ProfileView> {
        self.with_profiles(move |p| signin::sign_out(p, &name))
            .await
    }

    /// Runs work on the profiles (and so on the OS credential store: a D-Bus round
    /// trip, a locked keyring waiting for its prompt) on the blocking pool, so a slow
    /// credential store never stalls the async workers that answer every other IPC
    /// call and run the sync.
    async fn with_profiles<T: Send + 'static>(
        &self,
        f: impl FnOnce(&ProfileStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let profiles = Arc::clone(&self.profiles);
        tauri::async_runtime::spawn_blocking(move || f(&profiles))
            .await
            .map_err(|e| {
                CoreError::SecretStore(format!("the credential store call was interrupted: {e}"))
            })?
    }

    /// Removes a profile and its secrets; the window falls back to the demo tenant if
    /// it was using that profile.
    pub async fn remove_profile(&self, name: &str) -> Result<()> {
        let name = name.to_owned();
        let canonical = self
            .with_profiles(move |p| {
                let canonical = p.get(&name)?.name;
                p.remove(&canonical)?;
                Ok(canonical)
            })
            .await?;
        if self.tenant() == (Tenant::Profile { name: canonical }) {
            self.switch(None).await?;
        }
        Ok(())
    }

    /// Signs in to a delegated profile: the system browser, or a device code shown in
    /// Settings (a `deviceCodePrompt` event).
    pub async fn sign_in(&self, name: &str) -> Result<ProfileView> {
        let (opener, prompts) = (Arc::clone(&self.opener), self.prompts.clone());
        let profile = name.to_owned();
        signin::sign_in(&self.profiles, name, move |prompt| match prompt {
            SignInPrompt::OpenBrowser { url } => {
                if let Err(e) = opener(&url) {
                    tracing::warn!(error = %e, "could not open the system browser");
                }
            }
            SignInPrompt::DeviceCode {
                verification_uri,
                user_code,
                message,
                expires_in_secs,
            } => {
                let _ = prompts.send(DeviceCodePrompt {
                    profile,
                    user_code,
                    verification_uri,
                    message,
                    expires_in_secs,
                });
            }
        })
        .await
    }

    /// Tests a profile's connection on a temporary core (failures are the answer).
    pub async fn test_connection(&self, name: &str) -> Result<ConnectionTest> {
        tenant::test_connection(&self.profiles, name).await
    }

    /// Switches the window to a profile (`None`: the demo tenant), makes it the one
    /// used at the next start, and tells the forwarder to follow the new core.
    pub async fn switch(&self, name: Option<String>) -> Result<AppInfo> {
        let _gate = self.switch_gate.lock().await;
        let (core, tenant) = match name {
            None => (self.demo_core().await?, Tenant::Demo),
            Some(name) => {
                let dir = self.data_dir.clone();
                let live = self
                    .with_profiles(move |p| tenant::profile(p, &name, &dir))
                    .await?;
                (App::start(live.config)?, live.tenant)
            }
        };
        self.profiles.set_active(match &tenant {
            Tenant::Profile { name } => Some(name.as_str()),
            _ => None,
        })?;
        *self
            .core
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = core.clone();
        *self
            .tenant
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = tenant;
        self.switched.send_modify(|g| *g = g.wrapping_add(1));
        Ok(core.info())
    }

    /// The demo tenant's core, starting the simulator if it is not running yet.
    async fn demo_core(&self) -> Result<App> {
        let running = self
            .demo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(mde_sim::SimHandle::base_url);
        let fresh = running.is_none();
        let base = match running {
            Some(base) => base,
            None => {
                let sim = crate::launch::start_sim().await?;
                tenant::paths::reset_demo_store(&self.data_dir);
                let base = sim.base_url();
                *self
                    .demo
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sim);
                base
            }
        };
        crate::launch::demo_core(&base, &self.data_dir, fresh).await
    }
}

/// The system browser, for http(s) URLs only.
fn system_browser(url: &str) -> std::io::Result<()> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(std::io::Error::other(format!(
            "refusing to open a non-web URL: {url}"
        )));
    }
    tauri_plugin_opener::open_url(url, None::<&str>).map_err(std::io::Error::other)
}
