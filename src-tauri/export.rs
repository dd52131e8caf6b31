//! Exports (the History view's CSV, the audit log's CSV or JSON): the core makes the
//! text, Rust asks where to put it with the native save dialog and writes the file
//! (owner-only). The web view gets no file-system or dialog permission and never
//! handles a download (the navigation lock refuses `blob:` URLs).
//!
//! Test seam: when the environment variable `CORDON_SAVE_DIR` is set, no dialog is
//! shown and the file is written into that folder under the suggested name
//! (WebDriver cannot drive the native dialog; the e2e tests set it). Not for use
//! outside tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cordon_core::dto::IpcError;
use cordon_core::dto::jobs::ExportFormat;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// The environment variable of the test seam (see the module docs).
pub const SAVE_DIR_ENV: &str = "CORDON_SAVE_DIR";

/// A file an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    /// Where it was written.
    pub path: String,
    /// Its size (saturates at `u32::MAX`).
    pub bytes: u32,
}

/// What an export suggests to the save dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// `cordon-history-2026-11-28.csv`.
    pub file_name: String,
    /// The dialog's filter name (`CSV`, `JSON`).
    pub kind: &'static str,
    /// The extension, without the dot.
    pub ext: &'static str,
}

impl Suggestion {
    /// `cordon-<what>-<today>.<ext>` (today in local time).
    pub fn new(what: &str, format: ExportFormat) -> Self {
        let (kind, ext) = match format {
            ExportFormat::Csv => ("CSV", "csv"),
            ExportFormat::Json => ("JSON", "json"),
        };
        let today = chrono::Local::now().format("%Y-%m-%d");
        Self {
            file_name: format!("cordon-{what}-{today}.{ext}"),
            kind,
            ext,
        }
    }
}

type Ask = dyn Fn(&Suggestion) -> Option<PathBuf> + Send + Sync;

/// Asks where to save (the native dialog, or the test seam) and writes the file.
/// Managed by [`crate::attach`]; the commands take it as state.
#[derive(Clone)]
pub struct Saver {
    ask: Arc<Ask>,
}

impl Saver {
    /// Asks with the dialog plugin's save dialog (blocking: only ever called on the
    /// blocking pool, never on the main thread or an async worker).
    pub fn dialog<R: Runtime>(app: AppHandle<R>) -> Self {
        Self::with(move |s: &Suggestion| {
            app.dialog()
                .file()
                .set_file_name(&s.file_name)
                .add_filter(s.kind, &[s.ext])
                .blocking_save_file()
                .and_then(|p| p.into_path().ok())
        })
    }

    /// Asks with `ask` (tests).
    pub fn with(ask: impl Fn(&Suggestion) -> Option<PathBuf> + Send + Sync + 'static) -> Self {
        Self { ask: Arc::new(ask) }
    }

    /// Asks for a path and writes `text` there; `None` if the person cancelled.
    pub async fn save(
        &self,
        suggestion: Suggestion,
        text: String,
    ) -> Result<Option<SavedFile>, IpcError> {
        let ask = self.ask.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let path = match std::env::var_os(SAVE_DIR_ENV) {
                Some(dir) if !dir.is_empty() => {
                    Some(PathBuf::from(dir).join(&suggestion.file_name))
                }
                _ => ask(&suggestion),
            };
            path.map(|p| write(&p, &text)).transpose()
        })
        .await
        .map_err(|e| IpcError::Internal {
            message: format!("The export was interrupted: {e}"),
        })?
    }
}

/// Writes `text` to `path` (owner-only when created).
fn write(path: &Path, text: &str) -> Result<SavedFile, IpcError> {
    let failed = |e: std::io::Error| IpcError::Internal {
        message: format!("Could not save {}: {e}", path.display()),
    };
    let mut file = cordon_core::owner_only::create(path).map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    Ok(SavedFile {
        path: path.display().to_string(),
        bytes: u32::try_from(text.len()).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(saver: &Saver, text: &str) -> Option<SavedFile> {
        let s = Suggestion::new("history", ExportFormat::Csv);
        tauri::async_runtime::block_on(saver.save(s, text.to_owned())).expect("save")
    }

    #[test]
    fn writes_where_asked_and_nothing_when_cancelled() {
        if std::env::var_os(SAVE_DIR_ENV).is_some() {
            return; // the seam would bypass `ask`
        }
        let dir = std::env::temp_dir().join(format!("cordon-export-{}", std::process::id()));
        cordon_core::owner_only::create_dir_all(&dir).expect("dir");
        let target = dir.join("out.csv");
        let asked = target.clone();
        let file = saved(
            &Saver::with(move |_| Some(asked.clone())),
            "\u{feff}\"a\"\r\n",
        )
        .expect("a file");
        assert_eq!(file.path, target.display().to_string());
        assert_eq!(file.bytes, 8);
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "\u{feff}\"a\"\r\n"
        );
        assert_eq!(saved(&Saver::with(|_| None), "x"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn suggests_a_dated_name() {
        let s = Suggestion::new("audit", ExportFormat::Json);
        assert!(s.file_name.starts_with("cordon-audit-") && s.file_name.ends_with(".json"));
        assert_eq!(s.file_name.len(), "cordon-audit-2026-11-28.json".len());
        assert_eq!((s.kind, s.ext), ("JSON", "json"));
    }
}
