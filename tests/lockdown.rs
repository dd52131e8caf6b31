//! The shell's lock-down, checked statically (reliability-security T-1, T-2, T-3):
//! what the web view may call, that every command needs an explicit grant, and a CSP
//! with no script escape hatch and no remote origin. Each check reads the real files,
//! so a new command, capability or CSP change that loosens them fails here.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The command names `build.rs` declares to `AppManifest::commands`.
fn manifest_commands() -> BTreeSet<String> {
    let text = read("src-tauri/build.rs");
    let start = text
        .find(".commands(&[")
        .expect("AppManifest::commands in build.rs");
    let end = start + text[start..].find("])").expect("end of the list");
    text[start..end]
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The `#[tauri::command]` functions of the shell.
fn command_functions() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("src-tauri")).expect("src-tauri") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[tauri::command]" {
                continue;
            }
            let sig = lines
                .by_ref()
                .find(|l| l.contains("fn "))
                .expect("a function after #[tauri::command]");
            let name = sig
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split(['(', '<']).next())
                .expect("a name");
            out.insert(name.trim().to_owned());
        }
    }
    out
}

fn capabilities() -> Vec<(String, Value)> {
    let dir = Path::new(ROOT).join("src-tauri/capabilities");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("capabilities") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("capability");
        let json: Value = serde_json::from_str(&text).expect("capability JSON");
        out.push((path.display().to_string(), json));
    }
    let conf: Value = serde_json::from_str(&read("tauri.conf.json")).expect("tauri.conf.json");
    if let Some(inline) = conf["app"]["security"]["capabilities"].as_array() {
        for c in inline {
            if c.is_object() {
                out.push(("tauri.conf.json (inline)".into(), c.clone()));
            }
        }
    }
    out
}

/// T-1: only the main window, no remote URLs, and only our own commands plus event
/// listening: no shell, http, fs, opener, dialog, store or notification permission
/// reaches the web view (those plugins are used from Rust only).
#[test]
fn t1_capabilities_grant_only_cordons_commands_to_the_main_window() {
    let allowed: BTreeSet<String> = manifest_commands()
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .chain([
            "core:event:allow-listen".into(),
            "core:event:allow-unlisten".into(),
        ])
        .collect();
    let caps = capabilities();
    assert!(!caps.is_empty(), "no capability file read");
    let mut granted = BTreeSet::new();
    for (file, cap) in &caps {
        assert!(cap.get("remote").is_none(), "{file}: a remote capability");
        for key in ["windows", "webviews"] {
            for w in cap[key].as_array().into_iter().flatten() {
                let w = w.as_str().unwrap_or_default();
                assert!(
                    !w.contains('*') && !w.contains('?'),
                    "{file}: {key} glob {w}"
                );
                assert_eq!(w, "main", "{file}: only the main window");
            }
        }
        for p in cap["permissions"].as_array().expect("permissions") {
            let id = p
                .as_str()
                .or_else(|| p["identifier"].as_str())
                .expect("a permission id");
            assert!(
                allowed.contains(id),
                "{file}: {id} is not on the allow-list"
            );
            granted.insert(id.to_owned());
        }
    }
    for bad in [
        "shell:",
        "http:",
        "fs:",
        "opener:",
        "dialog:",
        "process:",
        "store:",
        "notification:",
        "clipboard-manager:",
    ] {
        assert!(!granted.iter().any(|g| g.starts_with(bad)), "{bad} granted");
    }
}

/// T-2: every command needs an explicit grant (`AppManifest::commands` lists exactly
/// the `#[tauri::command]` functions), and the one capability grants exactly them.
#[test]
fn t2_every_command_is_declared_and_granted_explicitly() {
    let declared = manifest_commands();
    let functions = command_functions();
    assert!(functions.len() >= 20, "{functions:?}");
    assert_eq!(
        declared, functions,
        "build.rs commands vs #[tauri::command] fns"
    );
    let granted: BTreeSet<String> = capabilities()
        .iter()
        .flat_map(|(_, c)| c["permissions"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .filter_map(|p| p.strip_prefix("allow-").map(|c| c.replace('-', "_")))
        .collect();
    assert_eq!(granted, declared, "granted commands vs declared commands");
    let registered = read("src-tauri/lib.rs");
    for c in &declared {
        assert!(
            registered.contains(&format!("::{c},")) || registered.contains(&format!("::{c}\n")),
            "{c} is not in collect_commands! (the generated contract)"
        );
    }
}

/// T-3: a CSP with no script escape hatch and no remote origin; IPC the only
/// connection (every Defender and Entra call runs in Rust).
#[test]
fn t3_the_csp_is_strict() {
    let conf: Value = serde_json::from_str(&read("tauri.conf.json")).expect("tauri.conf.json");
    let sec = &conf["app"]["security"];
    let csp = sec["csp"].as_object().expect("a CSP");
    let directive = |name: &str| csp.get(name).and_then(Value::as_str).unwrap_or_default();
    for name in ["default-src", "script-src"] {
        let v = directive(name);
        assert!(!v.is_empty(), "{name} missing");
        for bad in [
            "'unsafe-inline'",
            "'unsafe-eval'",
            "data:",
            "blob:",
            "http:",
            "https:",
            "*",
        ] {
            assert!(!v.contains(bad), "{name} allows {bad}: {v}");
        }
    }
    assert_eq!(directive("connect-src"), "ipc: http://ipc.localhost");
    for (name, value) in csp {
        let v = value.as_str().unwrap_or_default();
        for token in v.split_whitespace() {
            let remote = token.contains("://") && token != "http://ipc.localhost";
            assert!(!remote, "{name} names a remote origin: {token}");
        }
    }
    assert_eq!(directive("object-src"), "'none'");
    assert_eq!(directive("frame-src"), "'none'");
    assert_ne!(
        sec["dangerousDisableAssetCspModification"],
        Value::Bool(true)
    );
    assert_ne!(conf["app"]["withGlobalTauri"], Value::Bool(true));
}
