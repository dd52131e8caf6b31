#!/usr/bin/env bash
# Sets up everything, then runs every check and test of Cordon:
# formatting, the supply-chain check (cargo deny), lints, the UI's type check and unit
# tests, the Rust tests (against the simulator over real sockets, and the team store's
# against a throwaway PostgreSQL server), the generated-bindings
# drift check, the Windows cross-build, and the WebDriver end-to-end test of the real
# app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never NO_COLOR=1
# A one-off full build gains nothing from incremental compilation; it only costs time.
[ "${CI:-}" = "true" ] && export CARGO_INCREMENTAL=0
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
t0=$SECONDS
counts=$(mktemp)   # every runner's output, for the closing total
phase() { echo "=== [$((SECONDS - t0)) s] $*"; }

phase "setup"
bash scripts/setup.sh

phase "rustfmt"
cargo fmt --all -- --check

phase "cargo deny (advisories from the committed snapshot, licenses, bans, sources)"
bash scripts/deny.sh

phase "ui: type check + production build"
npm run build --silent

phase "ui: unit tests (vitest)"
npx vitest run 2>&1 | tee -a "$counts"

phase "clippy (deny warnings)"
cargo clippy --locked --workspace --all-targets --features custom-protocol -- -D warnings

phase "PostgreSQL for the team store's tests (scripts/pg.sh; one started here stops on exit)"
if ! pg_env=$(bash scripts/pg.sh status 2>/dev/null); then
  trap 'bash scripts/pg.sh stop || true' EXIT
  pg_env=$(bash scripts/pg.sh start)   # fails the run if the server cannot start
fi
eval "$pg_env"                          # exports CORDON_TEST_PG_URL and CORDON_TEST_PG_CA

phase "cargo test (workspace; the Secret Service tests against a real gnome-keyring)"
# The tests marked #[ignore] need a Secret Service: run them inside a private session
# bus with an unlocked gnome-keyring (toolchain.md §9), keeping the keyring out of $HOME.
dbus-run-session -- bash -c '
  export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d)
  chmod 700 "$XDG_RUNTIME_DIR"
  eval "$(printf ci-password | gnome-keyring-daemon --unlock --components=secrets)"
  cargo test --locked --workspace --features custom-protocol -- --include-ignored \
    --skip kill_9_' 2>&1 \
  | grep -v -e "Failed to set fd limit" -e "dbus-daemon\[" | tee -a "$counts"

# The kill -9 harness mostly waits on the simulator's latency and the processes it
# kills: the release cross-build fills the idle cores beside it (and the e2e run).
phase "Windows cross-build (x86_64-pc-windows-gnu, release as shipped; the CLI staged for the installers; NSIS hooks compiled), in the background from here"
win_log=$(mktemp)
CORDON_WINDOWS_PROFILE=release bash scripts/windows-build.sh >"$win_log" 2>&1 &
win_pid=$!

phase "kill -9 harness (D-1): ${CORDON_KILL9_RUNS:-50} bulk jobs of 500 machines killed at random, then resumed; the team variant: ${CORDON_KILL9_TEAM_RUNS:-50} jobs of 150 machines on PostgreSQL with two processes, either killed"
# Same features as above, so nothing is rebuilt; --nocapture shows the run count. One
# test at a time: each runs two lanes of its own.
cargo test --locked --workspace --features custom-protocol --test kill9 -- --nocapture --test-threads 1 2>&1 \
  | grep -E "^(kill -9|team kill -9|test |test result|failures|thread )|panicked|lost" | tee -a "$counts"

phase "generated bindings are committed and current"
if ! git diff --exit-code -- ui/src/ipc/bindings.ts; then
  echo "ui/src/ipc/bindings.ts differs from what the Rust contract generates: commit the regenerated file."
  exit 1
fi

# `cargo test` above built target/debug/cordon-desktop (with the embedded front end)
# for the shell's integration tests: the e2e drives that binary.
[ -x target/debug/cordon-desktop ] || { echo "target/debug/cordon-desktop missing"; exit 1; }

phase "end-to-end: the real app under Xvfb via tauri-driver + WebKitWebDriver"
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" bash scripts/e2e.sh 2>&1 \
  | grep -v -e "Failed to set fd limit" -e "dbus-daemon\[" | tee -a "$counts"

phase "waiting for the Windows cross-build"
if ! wait "$win_pid"; then
  tail -40 "$win_log"
  echo "Windows cross-build failed"
  exit 1
fi
grep -E '^windows-build:' "$win_log"

phase "done in $((SECONDS - t0)) s"
awk '
  /^test result:/          { cp += $4; cf += $6 }
  /^ +Tests +[0-9]+ passed/ { vp += $2 }
  /^ +Tests +[0-9]+ failed/ { vf += $2 }
  /^# pass /               { ep += $3 }
  /^# fail /               { ef += $3 }
  END {
    printf "cargo %d passed, %d failed; vitest %d passed; e2e %d passed, %d failed\n", cp, cf, vp, ep, ef
    printf "total: %d passed, %d failed\n", cp + vp + ep, cf + vf + ef
  }' "$counts"
