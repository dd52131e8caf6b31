//! Fuzz target `list_body`: the body is `mde_api::fuzzing::list_body`, shared with the
//! corpus replay test so CI runs every corpus input on stable.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mde_api::fuzzing::list_body(data));
