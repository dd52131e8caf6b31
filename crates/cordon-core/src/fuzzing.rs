//! Fuzzing entry points for the files Cordon reads back from disk.
//!
//! Why a module: `profiles.json` is read by private code, and the same body must
//! run under `cargo fuzz` (`fuzz/fuzz_targets/profiles_json.rs`) and as a plain test
//! over the committed corpus (`tests/fuzz_corpus.rs`), so CI replays every input the
//! fuzzer kept without a nightly compiler. Not a stable API: hidden from the docs.

/// Any bytes as `profiles.json`: refused or read, never a panic; a file that is read
/// survives a save and a re-read with all its profiles.
pub fn profiles_json(data: &[u8]) {
    let _ = crate::profiles::fuzz_load(data);
}
