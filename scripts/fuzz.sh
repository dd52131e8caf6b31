#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for N seconds each (default 60), starting
# from the committed fuzz/corpus/<target>/ and writing what it finds to
# fuzz/corpus-run/<target>/ (ignored by git: pick a few small inputs from there by
# hand, the committed corpus stays a few dozen files per target). Not part of CI: CI replays the committed corpus as
# plain tests (crates/*/tests/fuzz_corpus.rs). Needs `cargo install cargo-fuzz`;
# on a stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its nightly-only flags.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# A crash is written to fuzz/artifacts/<target>/; add it to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
# No sanitizer: the code is safe Rust, so a panic is what is looked for, and
# without ASan the runs are several times faster. Debug assertions stay on.
cargo fuzz build -s none
status=0
for t in "${targets[@]}"; do
  echo "== $t (${secs}s)"
  mkdir -p "corpus-run/$t"
  if ! cargo fuzz run -s none "$t" "corpus-run/$t" "corpus/$t" -- -max_total_time="$secs" -max_len=4096 -print_final_stats=1; then
    echo "== $t: FAILED (see fuzz/artifacts/$t/)"
    status=1
  fi
done
exit "$status"
