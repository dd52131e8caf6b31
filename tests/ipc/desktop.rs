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

/// "Open in Defender portal": the core builds the device page from the tenant's cloud
/// and a cached machine's id; the web view sends only the id. A tenant without a
/// portal (custom endpoints, as the simulator's) and an unknown machine are refused,
/// with nothing opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_in_portal_opens_the_clouds_device_page_only() {
    let sim = start_sim().await;
    let opened = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&opened);
    let opener: cordon_desktop::state::Opener = Arc::new(move |url: &str| {
        seen.lock().expect("urls").push(url.to_owned());
        Ok(())
    });

    // The simulator's endpoints are custom: no portal.
    let core = sim_core(&sim.base_url()).await;
    let id = core.snapshot().machines[0].id.clone();
    let h = harness(
        state(core, temp_dir("portal-none"), Arc::new(MemoryStore::new()))
            .with_opener(opener.clone()),
    );
    let err = h
        .invoke("open_in_portal", json!({"machineId": id}))
        .expect_err("no portal");
    assert_eq!(
        (err["kind"].as_str(), err["field"].as_str()),
        (Some("validation"), Some("portal"))
    );
    drop(h);

    // A tenant of the commercial cloud (its portal host, as a profile of it sets).
    let base = sim.base_url();
    let mut cfg = AppConfig::new(
        Endpoints::custom(&base, &base).expect("endpoints"),
        Credentials::ClientSecret {
            tenant_id: identities::TENANT_ID.into(),
            client_id: identities::ANALYST_CLIENT_ID.into(),
            secret: Secret::new(identities::ANALYST_SECRET),
        },
        "commercial tenant",
    );
    cfg.portal_host = mde_api::Cloud::Global.portal_host().map(str::to_owned);
    let core = App::new(cfg).expect("core");
    core.refresh().await.expect("sync");
    let h =
        harness(state(core, temp_dir("portal"), Arc::new(MemoryStore::new())).with_opener(opener));
    h.invoke(
        "open_in_portal",
        json!({"machineId": id.to_ascii_uppercase()}),
    )
    .expect("opened");
    let err = h
        .invoke("open_in_portal", json!({"machineId": "../../evil?x=1"}))
        .expect_err("not a machine");
    assert_eq!(err["kind"], "notFound", "{err}");
    assert_eq!(
        *opened.lock().expect("urls"),
        [format!(
            "https://security.microsoft.com/machines/v2/{id}/overview"
        )]
    );
}

/// The Machines view's export: the machines its filter matches (here "isolated now",
/// the manager's list for a report), by name, as CSV written by Rust where the save
/// dialog says (here a folder the test chose).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_machines_view_exports_what_its_filter_matches_as_csv() {
    if std::env::var_os(cordon_desktop::export::SAVE_DIR_ENV).is_some() {
        return; // the e2e seam would bypass the saver
    }
    let sim = start_sim().await;
    let core = sim_core(&sim.base_url()).await;
    let rows = core.snapshot().machines;
    let mut isolated: Vec<&cordon_core::dto::MachineRow> =
        rows.iter().filter(|m| m.isolated_now).collect();
    isolated.sort_by_key(|m| m.name.to_lowercase());
    assert!(isolated.len() >= 3, "the demo has isolated machines");
    assert!(isolated.len() < rows.len(), "and machines that are not");
    let out = temp_dir("machines-csv");
    cordon_core::owner_only::create_dir_all(&out).expect("dir");
    let to = out.clone();
    let saver = cordon_desktop::export::Saver::with(move |s| Some(to.join(&s.file_name)));
    let h = harness_with(
        state(
            core,
            temp_dir("machines-state"),
            Arc::new(MemoryStore::new()),
        ),
        Some(saver),
    );

    let saved = h
        .invoke(
            "save_machines_csv",
            json!({"filter": {"isolatedNow": true}}),
        )
        .expect("saved");
    let path = saved["path"].as_str().expect("path");
    assert!(
        path.contains("cordon-machines-") && path.ends_with(".csv"),
        "{path}"
    );
    let text = std::fs::read_to_string(path).expect("read back");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(
        lines[0].starts_with("\"name\",\"id\",\"state\",\"isolatedNow\""),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines.len(),
        isolated.len() + 2,
        "header, the isolated machines, the final CRLF"
    );
    for (line, m) in lines[1..=isolated.len()].iter().zip(&isolated) {
        assert!(
            line.starts_with(&format!("\"{}\",\"{}\",", m.name, m.id)),
            "{line}"
        );
        assert!(line.contains("\"yes\""), "{line}");
    }
    assert_eq!(saved["bytes"].as_u64(), Some(text.len() as u64));
    let _ = std::fs::remove_dir_all(&out);
}
