#!/usr/bin/env bash
# Sets up everything, then runs every check and test of Cordon:
# formatting, lints, the UI's type check and unit tests, the Rust tests (against the
# simulator over real sockets), the generated-bindings drift check, the Windows
# cross-build, and the WebDriver end-to-end test of the real app under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never NO_COLOR=1
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
t0=$SECONDS
phase() { echo "=== [$((SECONDS - t0)) s] $*"; }

phase "setup"
bash scripts/setup.sh

phase "rustfmt"
cargo fmt --all -- --check

phase "ui: type check + production build"
npm run build --silent

phase "ui: unit tests (vitest)"
npx vitest run

phase "clippy (deny warnings)"
cargo clippy --locked --workspace --all-targets --features custom-protocol -- -D warnings

phase "cargo test (workspace; the Secret Service tests against a real gnome-keyring)"
# The tests marked #[ignore] need a Secret Service: run them inside a private session
# bus with an unlocked gnome-keyring (toolchain.md §9), keeping the keyring out of $HOME.
dbus-run-session -- bash -c '
  export XDG_DATA_HOME=$(mktemp -d) XDG_RUNTIME_DIR=$(mktemp -d)
  chmod 700 "$XDG_RUNTIME_DIR"
  eval "$(printf ci-password | gnome-keyring-daemon --unlock --components=secrets)"
  cargo test --locked --workspace --features custom-protocol -- --include-ignored' 2>&1 \
  | grep -v -e "Failed to set fd limit" -e "dbus-daemon\["

phase "generated bindings are committed and current"
if ! git diff --exit-code -- ui/src/ipc/bindings.ts; then
  echo "ui/src/ipc/bindings.ts differs from what the Rust contract generates: commit the regenerated file."
  exit 1
fi

phase "desktop app build (embedded front end)"
cargo build --locked --features custom-protocol --bin cordon-desktop -p cordon-desktop -p cordon-cli

phase "Windows cross-build (x86_64-pc-windows-gnu)"
bash scripts/windows-build.sh

phase "end-to-end: the real app under Xvfb via tauri-driver + WebKitWebDriver"
dbus-run-session -- xvfb-run -a -s "-screen 0 1400x900x24" bash scripts/e2e.sh 2>&1 \
  | grep -v -e "Failed to set fd limit" -e "dbus-daemon\["

phase "done in $((SECONDS - t0)) s"
