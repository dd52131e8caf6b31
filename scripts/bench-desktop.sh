#!/usr/bin/env bash
# The desktop benchmark (issue 15, "Measured, not guessed"): the release app with the
# production front end, against mde-sim's scale tenant, driven over WebDriver. Prints
# launch → first rows, search and filter latency, the grid's DOM rows, the IPC bytes of
# an idle sync round, the memory of every process of the app after 60 s idle, and the
# store's size, each beside its target. A benchmark, not a test: CI does not run it.
#
#   bash scripts/bench-desktop.sh [--no-build]
#
# CORDON_BENCH_SCENARIO (default scale:100000:1000000) picks the simulator's tenant;
# CORDON_BENCH_PORT (default 4470) the tauri-driver port. Needs what scripts/e2e.sh
# needs (tauri-driver, WebKitWebDriver, Xvfb, dbus-run-session); it starts its own
# display and session bus. Every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export CARGO_TERM_COLOR=never
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
SCENARIO="${CORDON_BENCH_SCENARIO:-scale:100000:1000000}"
fail() { echo "bench-desktop: $*" >&2; exit 1; }

if [ -z "${CORDON_BENCH_INNER:-}" ]; then
  for tool in tauri-driver WebKitWebDriver xvfb-run dbus-run-session node; do
    command -v "$tool" >/dev/null || fail "$tool is missing (see CONTRIBUTING.md, end to end)"
  done
  if [ "${1:-}" != "--no-build" ]; then
    echo "=== build: npm run build; cargo build --release (cordon-desktop with custom-protocol, mde-sim)"
    npm run build --silent >/dev/null || fail "npm run build failed"
    cargo build --release --locked --features custom-protocol --bin cordon-desktop ||
      fail "cargo build of cordon-desktop failed"
    cargo build --release --locked -p mde-sim --bin mde-sim || fail "cargo build of mde-sim failed"
  fi
  for bin in cordon-desktop mde-sim; do
    [ -x "$TARGET/release/$bin" ] || fail "$TARGET/release/$bin is missing (run without --no-build)"
  done
  # Its own display and session bus (the app's single instance and secret store use
  # it); the bus's services keep their sockets in a runtime folder of the run's own.
  XDG_RUNTIME_DIR=$(mktemp -d)
  export XDG_RUNTIME_DIR
  exec env CORDON_BENCH_INNER=1 dbus-run-session -- \
    xvfb-run -a -s "-screen 0 1400x900x24" bash "$0" "$@"
fi

work=$(mktemp -d)
sim="" drv=""
# A process and everything below it (the driver's WebKitWebDriver, the app, WebKit's
# processes), children first, by process id.
tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do tree "$child"; done
  echo "$1"
}
cleanup() {
  local rc=$?
  local pids=""
  [ -n "$drv" ] && pids=$(tree "$drv")
  for pid in $pids $sim; do kill "$pid" 2>/dev/null || true; done
  for pid in $drv $sim; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    echo "--- simulator log ---" >&2; tail -20 "$work/sim.err" >&2 2>/dev/null || true
    echo "--- tauri-driver and app log ---" >&2; tail -40 "$work/driver.log" >&2 2>/dev/null || true
  fi
  rm -rf "$work" "$XDG_RUNTIME_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The simulator's tenant (building a million actions takes a few seconds).
machines=$(echo "$SCENARIO" | awk -F: '$1 == "scale" { print $2 }')
[ -n "$machines" ] || fail "CORDON_BENCH_SCENARIO must be scale:<machines>:<actions>, not $SCENARIO"
# Rate limits out of the way: the app's latency is measured, not Defender's pacing.
"$TARGET/release/mde-sim" --scenario "$SCENARIO" --rate-per-minute 100000 --rate-per-hour 1000000 \
  >"$work/sim.out" 2>"$work/sim.err" &
sim=$!
for _ in $(seq 600); do
  [ -s "$work/sim.out" ] && break
  kill -0 "$sim" 2>/dev/null || fail "mde-sim exited"
  sleep 0.5
done
base=$(head -1 "$work/sim.out")
[ -n "$base" ] || fail "mde-sim printed no address in 300 s"
echo "=== mde-sim --scenario $SCENARIO at $base"

# The app: a live tenant from the environment (the simulator's analyst app), its own
# data folder and WebKit folders, one process per WebDriver session.
export CORDON_DATA_DIR="$work/data"
export XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache" XDG_CONFIG_HOME="$work/xdg-config"
mkdir -p "$CORDON_DATA_DIR" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
chmod 700 "$CORDON_DATA_DIR"
export CORDON_TENANT_ID=11111111-1111-1111-1111-111111111111
export CORDON_CLIENT_ID=22222222-2222-2222-2222-222222222222
export CORDON_CLIENT_SECRET=demo-analyst-secret
export CORDON_AUTHORITY="$base" CORDON_API_BASE="$base"
export CORDON_RATE_PER_MINUTE=0 CORDON_RATE_PER_HOUR=0
export CORDON_E2E_INSTANCES=1

port="${CORDON_BENCH_PORT:-4470}"
(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && fail "port $port is taken: set CORDON_BENCH_PORT"
tauri-driver --port "$port" --native-port $((port + 100)) >"$work/driver.log" 2>&1 &
drv=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "tauri-driver is not listening on $port"

echo "=== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git rev-parse --short HEAD)"
CORDON_BENCH_APP="$TARGET/release/cordon-desktop" CORDON_BENCH_PORT="$port" \
CORDON_BENCH_DRIVER_PID="$drv" CORDON_BENCH_SIM="$base" CORDON_BENCH_MACHINES="$machines" \
CORDON_BENCH_CLK_TCK="$(getconf CLK_TCK)" \
  node tests/bench/desktop.mjs || fail "the WebDriver measurement failed"
