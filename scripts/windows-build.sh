#!/usr/bin/env bash
# Cross-compiles the desktop app (production front end embedded) and the `cordon`
# CLI for Windows (x86_64-pc-windows-gnu, MinGW-w64), so that code behind
# #[cfg(windows)] is compiled on every run. Installers are built on Windows (README).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target=x86_64-pc-windows-gnu
[ -d dist ] || npm run build --silent
cargo build --locked --target "$target" --features custom-protocol -p cordon-desktop -p cordon-cli
for exe in cordon-desktop.exe cordon.exe; do
  f="target/$target/debug/$exe"
  [ -f "$f" ] || { echo "windows-build: $f was not produced"; exit 1; }
  awk -v n="$exe" -v b="$(stat -c %s "$f")" 'BEGIN { printf "windows-build: %-20s %6.1f MiB\n", n, b / 1048576 }'
done
