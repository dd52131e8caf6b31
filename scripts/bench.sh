#!/usr/bin/env bash
# Runs every benchmark of Cordon and prints their tables (quality.md P-1, P-2, P-3,
# and the simulator's paging figures). Release builds; about 5 minutes on 2 cores
# after the first build. Figures are noisy on shared machines: compare ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

echo "=== P-1, P-2, P-3 (calls and one derivation pass): cargo run --release -p cordon-bench"
cargo run --release --locked -p cordon-bench
echo "=== the machine grid asked of the store, 100k machines: cargo run --release -p cordon-bench -- --only grid"
# The real `cordon machines --isolated --json --offline` is timed when built beside it.
cargo build --release --locked -p cordon-cli
cargo run --release --locked -p cordon-bench -- --only grid
echo "=== P-3 derivation over 1 M actions (criterion): cargo bench -p cordon-bench --bench derive"
cargo bench --locked -p cordon-bench --bench derive
echo "=== simulator paging: cargo bench -p mde-sim --bench paging"
cargo bench --locked -p mde-sim --bench paging
