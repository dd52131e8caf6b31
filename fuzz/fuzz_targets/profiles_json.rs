//! Fuzz target `profiles_json`: the body is `cordon_core::fuzzing::profiles_json`, shared with the
//! corpus replay test so CI runs every corpus input on stable.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cordon_core::fuzzing::profiles_json(data));
