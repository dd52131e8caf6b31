//! The window's own commands through IPC on the mock runtime: the UI preferences kept
//! by Rust in the store plugin (`ui-prefs.json` in the data folder, owner-only), read
//! back by a second app on the same folder.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_preferences_are_kept_in_the_data_folder_and_read_back() {
    let sim = start_sim().await;
    let dir = temp_dir("prefs");
    let core = sim_core(&sim.base_url()).await;
    let h = harness(state(core, dir.clone(), Arc::new(MemoryStore::new())));

    assert_eq!(h.invoke("ui_prefs", json!({})).expect("prefs"), json!({}));
    let set = |key: &str, json: &str| h.invoke("set_ui_pref", json!({"key": key, "json": json}));
    set("theme", "\"highContrast\"").expect("theme");
    set("lastView", "\"audit\"").expect("last view");
    set("machines.columns", r#"[{"id":"name","width":240}]"#).expect("columns");
    set("lastView", "\"history\"").expect("replaced");
    let prefs = h.invoke("ui_prefs", json!({})).expect("prefs");
    assert_eq!(
        prefs,
        json!({
            "lastView": "\"history\"",
            "machines.columns": r#"[{"id":"name","width":240}]"#,
            "theme": "\"highContrast\"",
        })
    );
    // `null` removes a preference.
    set("machines.columns", "null").expect("removed");

    // Refused: a name that could be a path, a value that is not JSON.
    let err = set("../profiles", "1").expect_err("bad key");
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("validation"), Some("key"))
    );
    let err = set("theme", "dark").expect_err("not JSON");
    assert_eq!(err["field"], "value");

    // The file: in the data folder, owner-only, read by the next start.
    let file = dir.join(cordon_desktop::prefs::FILE);
    let text = std::fs::read_to_string(&file).expect("ui-prefs.json");
    let on_disk: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        on_disk,
        json!({"theme": "highContrast", "lastView": "history"})
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }
    drop(h);
    let core = sim_core(&sim.base_url()).await;
    let again = harness(state(core, dir.clone(), Arc::new(MemoryStore::new())));
    assert_eq!(
        again.invoke("ui_prefs", json!({})).expect("prefs"),
        json!({"lastView": "\"history\"", "theme": "\"highContrast\""})
    );
    let _ = std::fs::remove_dir_all(&dir);
}
