//! Generates `ui/src/ipc/bindings.ts` from the Rust contract (commands, event, DTOs).
//! CI runs this and fails when the committed file differs (`git diff --exit-code`).

#[test]
fn export_typescript_bindings() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/ipc/bindings.ts");
    cordon_desktop::specta_builder::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust contract by the `bindings` test. Never edit by hand.\n")
                .bigint(specta_typescript::BigIntExportBehavior::Fail),
            path,
        )
        .expect("bindings export (a 64-bit integer in a DTO fails here by design)");
    let text = std::fs::read_to_string(path).expect("bindings written");
    for name in [
        "snapshot",
        "gridPage",
        "gridCounters",
        "gridChanges",
        "release",
        "isolate",
        "findMachine",
        "syncChanged",
        "IpcError",
        "previewBulk",
        "startJob",
        "cancelJob",
        "reconciliation",
        "resubmit",
        "saveHistoryCsv",
        "saveAuditExport",
        "decideProposals",
        "automationChanged",
        "setReconcileSettings",
        "jobChanged",
    ] {
        assert!(text.contains(name), "bindings must export {name}");
    }
}
