//! Fuzz target `token_response`: the body is `mde_api::fuzzing::token_response`, shared with the
//! corpus replay test so CI runs every corpus input on stable.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mde_api::fuzzing::token_response(data));
