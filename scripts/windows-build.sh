#!/usr/bin/env bash
# Cross-compiles the desktop app (production front end embedded) and the `cordon` CLI
# for Windows (x86_64-pc-windows-gnu, MinGW-w64), so that code behind #[cfg(windows)] is
# compiled on every run, and prints both .exe sizes. CORDON_WINDOWS_PROFILE=release
# builds the profile the installers ship, as CI does (scripts/test.sh starts it beside
# the kill -9 harness, which leaves the cores mostly idle); the default, debug, is the
# quick check for a developer. The CLI is built first and staged
# as src-tauri/binaries/cordon-<triple>.exe: the external binary tauri.windows.conf.json
# names, which Tauri's build script copies when the app is compiled. The NSIS installer
# hooks (src-tauri/windows/installer-hooks.nsh) are compiled with makensis, inside a
# script that includes them as Tauri's installer template does. Installers are built on
# Windows (README).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target=x86_64-pc-windows-gnu
out="${CARGO_TARGET_DIR:-target}/$target"
profile=${CORDON_WINDOWS_PROFILE:-debug}
case "$profile" in
  release) flags=(--release) ;;
  debug) flags=() ;;
  *) echo "windows-build: CORDON_WINDOWS_PROFILE is release or debug, not $profile"; exit 2 ;;
esac
[ -d dist ] || npm run build --silent
cargo build --locked --target "$target" "${flags[@]}" -p cordon-cli
mkdir -p src-tauri/binaries
cp "$out/$profile/cordon.exe" "src-tauri/binaries/cordon-$target.exe"
cargo build --locked --target "$target" "${flags[@]}" --features custom-protocol -p cordon-desktop
for exe in cordon-desktop.exe cordon.exe; do
  f="$out/$profile/$exe"
  [ -f "$f" ] || { echo "windows-build: $f was not produced"; exit 1; }
  awk -v n="$exe" -v p="$profile" -v b="$(stat -c %s "$f")" \
    'BEGIN { printf "windows-build: %-20s %6.1f MiB (%s)\n", n, b / 1048576, p }'
done

if ! command -v makensis >/dev/null; then
  echo "windows-build: makensis missing (scripts/setup.sh installs nsis): NSIS hooks not compiled"
  exit 1
fi
nsis=$(mktemp -d)
trap 'rm -rf "$nsis"' EXIT
cat >"$nsis/hooks.nsi" <<NSI
Unicode true
!include MUI2.nsh
!include FileFunc.nsh
!include x64.nsh
!include WordFunc.nsh
!include "$PWD/src-tauri/windows/installer-hooks.nsh"
Var UpdateMode
Name "Cordon hooks check"
OutFile "$nsis/hooks.exe"
RequestExecutionLevel user
InstallDir "\$LOCALAPPDATA\\Cordon"
Section Install
  StrCpy \$UpdateMode 0
  WriteUninstaller "\$INSTDIR\\uninstall.exe"
  !insertmacro NSIS_HOOK_POSTINSTALL
SectionEnd
Section Uninstall
  !insertmacro NSIS_HOOK_POSTUNINSTALL
SectionEnd
NSI
if ! makensis -V2 "$nsis/hooks.nsi" >"$nsis/makensis.log" 2>&1; then
  cat "$nsis/makensis.log"
  echo "windows-build: the NSIS installer hooks do not compile"
  exit 1
fi
echo "windows-build: NSIS installer hooks compile (makensis $(makensis -VERSION))"
