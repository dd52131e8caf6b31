//! Cordon's benchmarks (quality.md P-1, P-2, P-3). Figures are measured against the real
//! simulator over real HTTP, side by side in one run, and printed as one table by
//! `cargo run --release -p cordon-bench`; the pure derivation is timed by criterion
//! (`cargo bench -p cordon-bench --bench derive`). Absolute times on shared machines are
//! noisy: the figures that matter are call counts and ratios.

pub mod fleet;
pub mod grid;
pub mod memory;
pub mod p1;
pub mod p2;
pub mod p3;
pub mod sim;
pub mod table;
