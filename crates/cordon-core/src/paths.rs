//! Where Cordon keeps its files, shared by the desktop app and the CLI so both see the
//! same profiles: `--data-dir`, else `CORDON_DATA_DIR`, else the platform data folder
//! joined with the app identifier (what Tauri's `app_data_dir` gives for
//! `com.cordon.desktop` on Windows, macOS and Linux). No OS path is hard-coded.

use std::path::{Path, PathBuf};

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

/// The store file of one tenant profile: `<data_dir>/stores/<key>.sqlite3`, the key
/// reduced to letters, digits, `-`, `_` and `.` (anything else becomes `_`), so several
/// profiles (and the demo) keep separate journals side by side.
pub fn store_path(data_dir: &Path, key: &str) -> PathBuf {
    let mut name: String = key
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        name = "default".into();
    }
    data_dir.join("stores").join(format!("{name}.sqlite3"))
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

    #[test]
    fn store_paths_are_sanitised() {
        let d = Path::new("/data");
        assert_eq!(
            store_path(d, "prod"),
            Path::new("/data/stores/prod.sqlite3")
        );
        assert_eq!(
            store_path(d, "../a b/c"),
            Path::new("/data/stores/.._a_b_c.sqlite3")
        );
        assert_eq!(
            store_path(d, ".."),
            Path::new("/data/stores/default.sqlite3")
        );
        assert_eq!(store_path(d, ""), Path::new("/data/stores/default.sqlite3"));
    }
}
