#!/usr/bin/env bash
# Sets up, builds and launches Cordon in demo mode (the embedded simulated tenant).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
npm run build --silent
cargo build --locked --features custom-protocol --bin cordon-desktop
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "demo: no display found; running under Xvfb (screenshots only). Run from a desktop session to see the window."
  exec xvfb-run -a -s "-screen 0 1400x900x24" target/debug/cordon-desktop --demo "$@"
fi
exec target/debug/cordon-desktop --demo "$@"
