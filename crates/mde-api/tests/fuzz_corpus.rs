//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same
//! functions the cargo-fuzz targets call (`mde_api::fuzzing`), so every input the
//! fuzzer kept (and every crash it found) is a regression test on stable, in CI.
//! A panic in any input fails the test; so does a corpus that went missing.

use std::path::{Path, PathBuf};

/// At least this many inputs per target: an empty or moved corpus must fail.
const MIN_FILES: usize = 8;

fn replay(target: &str, run: fn(&[u8])) {
    let dir: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "fuzz",
        "corpus",
        target,
    ]
    .iter()
    .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= MIN_FILES,
        "{}: {} inputs, expected at least {MIN_FILES}",
        dir.display(),
        files.len()
    );
    for file in &files {
        let data = std::fs::read(file).expect("read corpus input");
        let name = file.file_name().map(Path::new).unwrap_or(file);
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(
            outcome.is_ok(),
            "{target}: input {} panicked",
            name.display()
        );
    }
}

#[test]
fn retry_after_corpus() {
    replay("retry_after", mde_api::fuzzing::retry_after);
}

#[test]
fn token_response_corpus() {
    replay("token_response", mde_api::fuzzing::token_response);
}

#[test]
fn api_error_corpus() {
    replay("api_error", mde_api::fuzzing::api_error_body);
}

#[test]
fn list_body_corpus() {
    replay("list_body", mde_api::fuzzing::list_body);
}

#[test]
fn callback_query_corpus() {
    replay("callback_query", mde_api::fuzzing::callback);
}

#[test]
fn odata_filter_corpus() {
    replay("odata_filter", mde_api::fuzzing::filter);
}
