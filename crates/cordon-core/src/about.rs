//! What the About panel shows, and what a crash says.
//!
//! Both answer the same question a person asks when something goes wrong: which
//! Cordon is this, where does it keep its data, and where is the log to send. The
//! panic hook is here (not in a front end) so that the app and the CLI word a crash
//! the same way, and so that the words are tested.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;

/// Cordon's version, build and folders (the About panel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct About {
    pub version: String,
    /// The git short hash it was built from, else the version.
    pub build: String,
    /// Where the tenants' stores and the profiles are kept.
    pub data_dir: String,
    /// Where the daily log files are; `None` when the system gave no log folder.
    pub log_dir: Option<String>,
}

impl About {
    pub fn new(version: &str, build: &str, data_dir: &Path, log_dir: Option<&Path>) -> Self {
        let build = if build.trim().is_empty() {
            version
        } else {
            build
        };
        Self {
            version: version.to_owned(),
            build: build.trim().to_owned(),
            data_dir: data_dir.display().to_string(),
            log_dir: log_dir.map(|d| d.display().to_string()),
        }
    }
}

/// The sentence a panic leaves on stderr and in the log: what broke, where in the
/// code, and where the log is (so the person knows what to send).
pub fn panic_text(message: &str, location: Option<&str>, log_dir: Option<&Path>) -> String {
    let place = location.map_or_else(String::new, |l| format!(" (at {l})"));
    let log = log_dir.map_or_else(
        || "No log folder is known; this message is the only record.".to_owned(),
        |d| format!("The log is in {}.", d.display()),
    );
    format!("Cordon stopped on an internal error: {message}{place}. {log}")
}

/// Installs a panic hook that writes [`panic_text`] to the log (as an error) and to
/// stderr, then runs the default hook. Call once, at start, after logging is set up.
pub fn install_panic_hook(log_dir: Option<PathBuf>) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let text = panic_text(&message, location.as_deref(), log_dir.as_deref());
        tracing::error!("{text}");
        eprintln!("{text}");
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_says_what_where_and_where_the_log_is() {
        let text = panic_text(
            "index out of bounds",
            Some("src/fleet/view.rs:42"),
            Some(Path::new("/home/a/.local/share/com.cordon.desktop/logs")),
        );
        assert_eq!(
            text,
            "Cordon stopped on an internal error: index out of bounds (at src/fleet/view.rs:42). \
             The log is in /home/a/.local/share/com.cordon.desktop/logs."
        );
    }

    #[test]
    fn a_panic_without_a_log_folder_says_so() {
        let text = panic_text("boom", None, None);
        assert_eq!(
            text,
            "Cordon stopped on an internal error: boom. \
             No log folder is known; this message is the only record."
        );
    }

    #[test]
    fn the_build_falls_back_to_the_version() {
        let about = About::new("0.1.0", "", Path::new("/d"), None);
        assert_eq!(about.build, "0.1.0");
        assert_eq!(about.log_dir, None);
        let about = About::new("0.1.0", "abc1234\n", Path::new("/d"), Some(Path::new("/l")));
        assert_eq!(
            (
                about.build.as_str(),
                about.data_dir.as_str(),
                about.log_dir.as_deref()
            ),
            ("abc1234", "/d", Some("/l"))
        );
    }
}
