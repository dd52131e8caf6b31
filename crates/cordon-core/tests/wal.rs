//! The store's write-ahead log after a sync: a first sync of a large tenant (10,000
//! rows or more in one merge) folds it back into the file and cuts it to nothing, so
//! it does not stay hundreds of MB beside a 100,000-machine store; a small sync leaves
//! it to SQLite's own checkpoints (whose log only grows to its peak and stays there).
#![allow(clippy::unwrap_used)]

mod support;

use cordon_core::App;
use mde_sim::{Scenario, SimConfig, Simulator, identities};

/// The WAL's and the file's bytes after a first sync of `machines` machines, the core
/// still open.
async fn after_first_sync(machines: u32) -> (u64, u64) {
    let sim = Simulator::start(SimConfig {
        scenario: Scenario::Scale {
            machines,
            actions: 0,
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stores").join("wal.sqlite3");
    let mut cfg = support::config(
        &sim.base_url(),
        identities::ANALYST_CLIENT_ID,
        identities::ANALYST_SECRET,
    );
    cfg.store_path = Some(path.clone());
    let app = App::new(cfg).unwrap();
    app.refresh().await.unwrap();
    assert_eq!(app.snapshot().machines.len() as u32, machines);
    let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let sizes = (len(&path.with_extension("sqlite3-wal")), len(&path));
    drop(app);
    sizes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_sync_folds_the_log_back_and_a_small_one_leaves_it() {
    // Every machine went through the log (more than 8 MB of it); what is left is the
    // few pages written after the fold (the sync's times).
    let (wal, file) = after_first_sync(12_000).await;
    assert!(file > 8 << 20, "the store holds the fleet: {file} B");
    assert!(
        wal < 256 << 10,
        "12,000 rows: the log is folded back, {wal} B left"
    );
    // A small sync is left alone: its log holds the whole sync.
    let (wal, file) = after_first_sync(200).await;
    assert!(
        wal > 256 << 10 || wal >= file / 2,
        "200 rows: {wal} B of log, {file} B of file"
    );
}
