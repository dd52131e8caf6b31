//! The window's preferences (theme, last view, and whatever a view remembers: a grid's
//! columns, sort, saved filters), kept by `tauri-plugin-store` in `ui-prefs.json` in
//! the data folder. They are the person's, not a tenant's: switching tenants keeps
//! them; profiles and the journal stay where they are.
//!
//! The store is used from Rust only, through two commands (`ui_prefs`, `set_ui_pref`):
//! the web view has no `store:*` permission, so it cannot open, read or write any other
//! file through the plugin. Keys are short names; a value is any JSON up to 64 KiB
//! (room for a grid's column model, not a place for data). A damaged file reads as no
//! preferences (the defaults), never as an error that blocks the window.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cordon_core::dto::IpcError;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::{Store, StoreExt};

/// The file, in the data folder.
pub const FILE: &str = "ui-prefs.json";

/// The longest key.
pub const MAX_KEY: usize = 64;

/// The largest value, as JSON text.
pub const MAX_VALUE: usize = 64 * 1024;

/// The preferences file, managed by [`crate::attach`]; the commands take it as state.
/// It holds the store behind closures, so the commands need no runtime parameter.
#[derive(Clone)]
pub struct Prefs {
    entries: Arc<Entries>,
    put: Arc<Put>,
}

/// Every preference: its key and its value as JSON text.
pub type PrefMap = BTreeMap<String, String>;

type Entries = dyn Fn() -> Result<PrefMap, IpcError> + Send + Sync;
type Put = dyn Fn(&str, serde_json::Value) -> Result<(), IpcError> + Send + Sync;

impl Prefs {
    /// `ui-prefs.json` in `data_dir`, through the store plugin of `app`.
    pub fn store<R: Runtime>(app: AppHandle<R>, data_dir: PathBuf) -> Self {
        let file = data_dir.join(FILE);
        let (app2, file2) = (app.clone(), file.clone());
        Self {
            entries: Arc::new(move || {
                Ok(open(&app, &file)?
                    .entries()
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect())
            }),
            put: Arc::new(move |key, value| {
                let store = open(&app2, &file2)?;
                if value.is_null() {
                    store.delete(key);
                } else {
                    store.set(key, value);
                }
                store.save().map_err(|e| internal(&file2, &e))?;
                cordon_core::owner_only::restrict(&file2).map_err(|e| internal(&file2, &e))
            }),
        }
    }

    /// Every preference, each as JSON text (the web view parses its own).
    pub fn all(&self) -> Result<PrefMap, IpcError> {
        (self.entries)()
    }

    /// Sets one preference (`json`: its value as JSON text; `null` removes it) and
    /// saves the file.
    pub fn set(&self, key: &str, json: &str) -> Result<(), IpcError> {
        check_key(key)?;
        (self.put)(key, parse_value(json)?)
    }
}

/// A key: 1 to 64 letters, digits, `.`, `-` or `_`.
pub fn check_key(key: &str) -> Result<(), IpcError> {
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(IpcError::Validation {
            field: "key".into(),
            message: format!(
                "A preference's name is 1 to {MAX_KEY} letters, digits, '.', '-' or '_'."
            ),
        })
    }
}

/// A value: JSON text of at most [`MAX_VALUE`] bytes.
pub fn parse_value(json: &str) -> Result<serde_json::Value, IpcError> {
    let invalid = |message: String| IpcError::Validation {
        field: "value".into(),
        message,
    };
    if json.len() > MAX_VALUE {
        return Err(invalid(format!(
            "A preference holds at most {} KiB.",
            MAX_VALUE / 1024
        )));
    }
    serde_json::from_str(json).map_err(|e| invalid(format!("Not a JSON value: {e}")))
}

fn open<R: Runtime>(app: &AppHandle<R>, file: &Path) -> Result<Arc<Store<R>>, IpcError> {
    app.store_builder(file)
        .disable_auto_save()
        .build()
        .map_err(|e| internal(file, &e))
}

fn internal(file: &Path, e: &dyn std::fmt::Display) -> IpcError {
    IpcError::Internal {
        message: format!(
            "Cordon could not keep its preferences in {}: {e}",
            file.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_plain_names() {
        for good in ["theme", "lastView", "machines.columns", "a-b_c.1"] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        let long = "k".repeat(MAX_KEY + 1);
        for bad in ["", "../x", "a b", "π", long.as_str()] {
            assert!(
                matches!(check_key(bad), Err(IpcError::Validation { ref field, .. }) if field == "key"),
                "{bad}"
            );
        }
    }

    #[test]
    fn values_are_bounded_json() {
        assert_eq!(
            parse_value(r#"{"cols":["name",1]}"#).expect("json"),
            serde_json::json!({"cols": ["name", 1]})
        );
        assert!(parse_value("\"dark\"").is_ok());
        assert!(parse_value("not json").is_err());
        let big = format!("\"{}\"", "x".repeat(MAX_VALUE));
        assert!(matches!(
            parse_value(&big),
            Err(IpcError::Validation { ref field, .. }) if field == "value"
        ));
    }
}
