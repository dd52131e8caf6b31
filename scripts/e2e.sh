#!/usr/bin/env bash
# Runs the WebDriver end-to-end tests of the real Cordon binary. Expects a display
# (run under xvfb-run) and target/debug/cordon-desktop built with custom-protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CORDON_E2E_APP="${CORDON_E2E_APP:-$PWD/target/debug/cordon-desktop}"
export CORDON_E2E_SCREENSHOTS="${CORDON_E2E_SCREENSHOTS:-$PWD/tests/e2e/screenshots}"
mkdir -p "$CORDON_E2E_SCREENSHOTS"
# Keep WebKit's caches and data out of $HOME.
XDG_DATA_HOME=$(mktemp -d) XDG_CACHE_HOME=$(mktemp -d) XDG_CONFIG_HOME=$(mktemp -d)
export XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
# T-6 (tests/e2e/origin.e2e.mjs) serves a page from loopback under another host name.
if ! grep -q "cordon-t6.test" /etc/hosts; then
  if [ -w /etc/hosts ]; then
    echo "127.0.0.1 cordon-t6.test" >>/etc/hosts
  else
    echo "e2e: add '127.0.0.1 cordon-t6.test' to /etc/hosts (T-6 needs it)" >&2
  fi
fi
# WebDriver starts one app per session; a closing one may still hold the single-instance
# name on the session bus when the next starts (src-tauri/desktop.rs).
export CORDON_E2E_INSTANCES=1
log=$(mktemp)
# Exports of the demo app go here, with no save dialog (the test seam CORDON_SAVE_DIR,
# see src-tauri/export.rs); tests/e2e/export.e2e.mjs reads them back.
CORDON_E2E_SAVE_DIR=$(mktemp -d)
export CORDON_E2E_SAVE_DIR
# Driver 1 (port 4444): the app in demo mode.
CORDON_SAVE_DIR="$CORDON_E2E_SAVE_DIR" \
  tauri-driver --port 4444 --native-port 4544 >"$log" 2>&1 &
drv1=$!
# Driver 2 (port 4446): the app configured for a tenant that cannot be reached
# (nothing listens on the discard port 9); the app inherits this environment.
CORDON_TENANT_ID=11111111-1111-1111-1111-111111111111 \
CORDON_CLIENT_ID=22222222-2222-2222-2222-222222222222 \
CORDON_CLIENT_SECRET=not-a-real-secret \
CORDON_AUTHORITY=http://127.0.0.1:9 CORDON_API_BASE=http://127.0.0.1:9 \
  tauri-driver --port 4446 --native-port 4546 >>"$log" 2>&1 &
drv2=$!
# Driver 3 (port 4448): a tenant of 10,000 machines (the simulator's scale scenario, the
# binary `cargo test` built beside the app), with a data folder of its own
# (tests/e2e/scale.e2e.mjs).
sim_bin="$(dirname "$CORDON_E2E_APP")/mde-sim"
[ -x "$sim_bin" ] || { echo "e2e: $sim_bin missing (cargo test --workspace builds it)" >&2; exit 1; }
sim_out=$(mktemp)
"$sim_bin" --scenario scale:10000:30000 >"$sim_out" 2>>"$log" &
sim=$!
scale_data=$(mktemp -d)
trap 'kill $drv1 $drv2 ${drv3:-} $sim 2>/dev/null; wait $drv1 $drv2 ${drv3:-} $sim 2>/dev/null || true; rm -rf "$CORDON_E2E_SAVE_DIR" "$scale_data" "$sim_out" 2>/dev/null || true' EXIT
for _ in $(seq 300); do [ -s "$sim_out" ] && break; sleep 0.1; done
sim_base=$(head -1 "$sim_out")
[ -n "$sim_base" ] || { echo "e2e: the scale simulator did not start" >&2; exit 1; }
XDG_DATA_HOME="$scale_data" \
CORDON_TENANT_ID=11111111-1111-1111-1111-111111111111 \
CORDON_CLIENT_ID=22222222-2222-2222-2222-222222222222 \
CORDON_CLIENT_SECRET=demo-analyst-secret \
CORDON_AUTHORITY="$sim_base" CORDON_API_BASE="$sim_base" \
  tauri-driver --port 4448 --native-port 4548 >>"$log" 2>&1 &
drv3=$!
for port in 4444 4446 4448; do
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done
# CORDON_E2E_ONLY="tests/e2e/scale.e2e.mjs …" runs some files only (while working on them).
# shellcheck disable=SC2086
if ! node --test --test-concurrency=1 ${CORDON_E2E_ONLY:-tests/e2e/*.e2e.mjs}; then
  echo "--- tauri-driver log ---"; tail -50 "$log"
  exit 1
fi
echo "e2e: screenshots in $CORDON_E2E_SCREENSHOTS"
