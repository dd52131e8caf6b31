//! The Windows installers ship this binary: `tauri.windows.conf.json` (merged by Tauri
//! over `tauri.conf.json` on Windows only) names it as an external binary and hooks
//! the per-user NSIS installer, whose `.nsh` puts the install folder on the user's
//! PATH and takes it off again on uninstall. The Linux config stays free of the
//! external binary (Tauri's build script would otherwise need a staged
//! `cordon-<triple>` to compile the app at all), and every build path stages it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The body of `!macro NAME … !macroend`, without comments.
fn macro_body(nsh: &str, name: &str) -> String {
    let start = nsh
        .find(&format!("!macro {name}\n"))
        .unwrap_or_else(|| panic!("no macro {name}"));
    let rest = &nsh[start..];
    let end = rest.find("!macroend").expect("!macroend");
    rest[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with(';'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_windows_config_ships_the_cli_and_hooks_the_per_user_installer() {
    let base = json("tauri.conf.json");
    assert!(
        base["bundle"].get("externalBin").is_none(),
        "externalBin only in tauri.windows.conf.json: a Linux build would need a staged binary"
    );
    let win = json("tauri.windows.conf.json");
    let bins = win["bundle"]["externalBin"].as_array().unwrap();
    assert_eq!(bins.len(), 1);
    let bin = bins[0].as_str().unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_cordon"));
    assert_eq!(
        Path::new(bin).file_name(),
        exe.file_stem(),
        "the external binary is this crate's `cordon`"
    );
    let nsis = &win["bundle"]["windows"]["nsis"];
    assert_eq!(nsis["installMode"], "currentUser");
    assert_eq!(
        base["bundle"]["windows"]["nsis"]["installMode"],
        "currentUser"
    );
    let hooks = nsis["installerHooks"].as_str().unwrap();
    assert!(
        hooks.ends_with(".nsh") && root().join(hooks).is_file(),
        "{hooks}"
    );

    // Every way of building stages `<bin>-<target triple>.exe` first.
    for cmd in ["beforeBuildCommand", "beforeDevCommand"] {
        let c = win["build"][cmd].as_str().unwrap();
        assert!(c.starts_with("node scripts/stage-cli.mjs"), "{cmd}: {c}");
    }
    let stage = read("scripts/stage-cli.mjs");
    let dir = Path::new(bin).parent().unwrap().to_str().unwrap();
    for part in dir.split('/') {
        assert!(
            stage.contains(&format!("\"{part}\"")),
            "stage-cli.mjs stages into {dir}"
        );
    }
    let cross = read("scripts/windows-build.sh");
    assert!(
        cross.contains(&format!("{bin}-$target.exe")),
        "the cross-build stages {bin}-$target.exe"
    );
    assert!(
        read(".gitignore").lines().any(|l| l == format!("/{dir}/")),
        "staged binaries are not committed"
    );
}

#[test]
fn the_nsis_hook_adds_the_install_folder_to_the_user_path_and_removes_it() {
    let win = json("tauri.windows.conf.json");
    let nsh = read(
        win["bundle"]["windows"]["nsis"]["installerHooks"]
            .as_str()
            .unwrap(),
    );
    assert!(nsh.contains("!define CORDON_ENV_KEY \"Environment\""));
    let writes = "WriteRegExpandStr HKCU \"${CORDON_ENV_KEY}\" \"Path\"";
    let reads = "ReadRegStr $R0 HKCU \"${CORDON_ENV_KEY}\" \"Path\"";
    let told = "!insertmacro CORDON_ENV_CHANGED";
    assert!(nsh.contains("${WM_SETTINGCHANGE} 0 \"STR:Environment\""));

    let install = macro_body(&nsh, "NSIS_HOOK_POSTINSTALL");
    for needed in [reads, writes, "\"+$INSTDIR\"", told] {
        assert!(install.contains(needed), "install: {needed}\n{install}");
    }
    assert!(!install.contains("-$INSTDIR"));

    let uninstall = macro_body(&nsh, "NSIS_HOOK_POSTUNINSTALL");
    for needed in [reads, writes, "\"-$INSTDIR\"", told, "$UpdateMode <> 1"] {
        assert!(
            uninstall.contains(needed),
            "uninstall: {needed}\n{uninstall}"
        );
    }
    assert!(!uninstall.contains("+$INSTDIR"));
    // Per user only: the machine-wide PATH is never touched.
    assert!(!nsh.contains("HKLM"), "per-user installer");
    // A PATH too long for NSIS's strings is left alone, never written back cut short.
    for body in [&install, &uninstall] {
        assert!(body.contains("${If} $R1 > ${CORDON_PATH_MAX}"), "{body}");
    }
}
