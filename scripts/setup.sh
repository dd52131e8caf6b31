#!/usr/bin/env bash
# Installs everything Cordon needs to build, run and test on a fresh Debian 12 /
# Ubuntu machine: system packages, the Windows cross target, tauri-driver, cargo-deny
# and the npm packages. Safe to run again (each step is skipped or fast when already done).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  build-essential pkg-config curl file libssl-dev libxdo-dev
  libwebkit2gtk-4.1-dev libjavascriptcoregtk-4.1-dev libsoup-3.0-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libsecret-1-dev libdbus-1-dev
  xvfb xauth webkit2gtk-driver dbus dbus-x11 gnome-keyring
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${#missing[@]} system packages"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust (rustup) is required: see README"; exit 2; }
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
rustup target list --installed | grep -q x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0 --quiet
# cargo-deny, for the supply-chain check (scripts/deny.sh). Built unoptimised
# (--debug): 70 s instead of ~10 min on 2 cores, and its whole check still takes ~8 s.
command -v cargo-deny >/dev/null || cargo install cargo-deny --locked --version 0.20.2 --debug --quiet

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
