//! Where Cordon keeps its files, shared by the desktop app and the CLI so both see the
//! same profiles: `--data-dir`, else `CORDON_DATA_DIR`, else the platform data folder
//! joined with the app identifier (what Tauri's `app_data_dir` gives for
//! `com.cordon.desktop` on Windows, macOS and Linux). No OS path is hard-coded.

use std::path::PathBuf;

/// The app identifier (tauri.conf.json), which names the data folder.
pub const APP_IDENTIFIER: &str = "com.cordon.desktop";

/// Cordon's data folder (not created here).
pub fn data_dir(override_dir: Option<PathBuf>) -> PathBuf {
    resolve(
        override_dir,
        std::env::var_os("CORDON_DATA_DIR").map(PathBuf::from),
    )
}

fn resolve(override_dir: Option<PathBuf>, from_env: Option<PathBuf>) -> PathBuf {
    override_dir
        .or(from_env.filter(|p| !p.as_os_str().is_empty()))
        .unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join(APP_IDENTIFIER)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_then_env_then_platform() {
        let o = PathBuf::from("/o");
        let e = PathBuf::from("/e");
        assert_eq!(resolve(Some(o.clone()), Some(e.clone())), o);
        assert_eq!(resolve(None, Some(e.clone())), e);
        let platform = resolve(None, Some(PathBuf::new()));
        assert!(platform.ends_with(APP_IDENTIFIER));
        assert_eq!(platform, resolve(None, None));
    }
}
