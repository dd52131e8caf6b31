//! Replays the committed `profiles_json` fuzz corpus (`fuzz/corpus/profiles_json/`)
//! through the function the cargo-fuzz target calls (`cordon_core::fuzzing`), so
//! every input the fuzzer kept is a regression test on stable, in CI. A panic fails
//! the test; so does a corpus that went missing.

use std::path::{Path, PathBuf};

/// At least this many inputs: an empty or moved corpus must fail.
const MIN_FILES: usize = 8;

#[test]
fn profiles_json_corpus() {
    let dir: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "fuzz",
        "corpus",
        "profiles_json",
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
        let outcome = std::panic::catch_unwind(|| cordon_core::fuzzing::profiles_json(&data));
        assert!(outcome.is_ok(), "input {} panicked", name.display());
    }
}
