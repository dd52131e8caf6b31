//! Tauri build script. The config and capabilities live at the repository root /
//! `src-tauri/capabilities`; app commands are declared here so that each one needs an
//! explicit grant in a capability file (nothing is allowed by default).

fn main() {
    println!("cargo:rustc-env=CORDON_BUILD={}", git_short_hash());
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "about",
        "open_logs_folder",
        "snapshot",
        "grid_page",
        "grid_counters",
        "grid_changes",
        "refresh",
        "machine_detail",
        "find_machine",
        "isolate",
        "release",
        "list_profiles",
        "save_profile",
        "remove_profile",
        "test_connection",
        "sign_in",
        "sign_out",
        "switch_profile",
        "preview_bulk",
        "start_job",
        "cancel_job",
        "jobs",
        "job",
        "job_outcomes",
        "reconciliation",
        "resubmit",
        "groups",
        "history",
        "save_history_csv",
        "audit",
        "save_audit_export",
        "save_machines_csv",
        "reconcile_settings",
        "set_reconcile_settings",
        "rule",
        "set_rule",
        "run_rule",
        "preview_rule",
        "rule_decisions",
        "pause_automation",
        "close_breaker",
        "suppress",
        "alerts",
        "proposals",
        "propose",
        "decide_proposals",
        "team_status",
        "ui_prefs",
        "set_ui_pref",
        "open_in_portal",
        "cancel_action",
        "cancel_pending",
    ]);
    let attrs = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attrs) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}

/// The commit this is built from (the About panel's build), empty outside a checkout
/// or without git (the panel then shows the version).
fn git_short_hash() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    // Rebuilt when HEAD moves (a worktree's HEAD is outside `.git/`).
    for p in ["HEAD", "logs/HEAD"] {
        if let Some(path) = git(&["rev-parse", "--git-path", p]) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    git(&["rev-parse", "--short", "HEAD"]).unwrap_or_default()
}
