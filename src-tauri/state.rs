//! The one managed state: the core, plus how it was started.

use cordon_core::App;

/// Managed by Tauri; every command reads the core from here.
pub struct AppState {
    pub core: App,
    /// The embedded simulator in demo mode; kept alive as long as the app runs.
    pub demo: Option<mde_sim::SimHandle>,
}
