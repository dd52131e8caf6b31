//! Cordon's domain, free of Tauri: the isolation-state derivation, the app core that
//! keeps a tenant's machines and isolation actions current, the isolate/release
//! operations, and the DTOs that cross the IPC boundary (with generated TypeScript).
//!
//! The desktop shell and the `cordon` CLI are thin layers over this crate.

pub mod derive;
