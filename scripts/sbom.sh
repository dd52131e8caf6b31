#!/usr/bin/env bash
# Writes CycloneDX SBOMs (JSON) of Cordon into target/sbom/:
#   - the Rust side, one per workspace package (cordon-desktop is the app: the shell,
#     the core, the client and the embedded simulator), for this machine's target,
#     with every transitive dependency, build-time ones included;
#   - the UI, its production dependencies only (what the app's web view loads).
# Prints each file's path and component count. Compiles nothing; installs
# cargo-cyclonedx (pinned) the first time, and the npm packages if they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
CARGO_CYCLONEDX_VERSION=0.5.9

if ! cargo cyclonedx --version 2>/dev/null | grep -qx "cargo-cyclonedx $CARGO_CYCLONEDX_VERSION"; then
  echo "sbom: installing cargo-cyclonedx $CARGO_CYCLONEDX_VERSION (a one-off source build)"
  cargo install cargo-cyclonedx --locked --version "$CARGO_CYCLONEDX_VERSION" --quiet
fi
[ -x node_modules/.bin/cyclonedx-npm ] || npm ci --no-audit --no-fund --loglevel=error

out=target/sbom
rm -rf "$out"
mkdir -p "$out"

# cargo-cyclonedx writes <package>.cdx.json beside each package's Cargo.toml: move them.
cargo cyclonedx --manifest-path Cargo.toml --format json --spec-version 1.5 --all -q
for f in ./*.cdx.json crates/*/*.cdx.json; do
  [ -e "$f" ] && mv "$f" "$out/"
done

npx --no-install cyclonedx-npm --omit dev --output-format JSON --spec-version 1.6 \
  --validate --output-file "$out/cordon-ui.cdx.json"

# Components, nested ones included.
node -e '
  const fs = require("fs");
  const count = (cs) => (cs || []).reduce((n, c) => n + 1 + count(c.components), 0);
  for (const f of process.argv.slice(1)) {
    const bom = JSON.parse(fs.readFileSync(f, "utf8"));
    const main = bom.metadata && bom.metadata.component;
    console.log(`${f}: ${count(bom.components)} components` +
      ` (CycloneDX ${bom.specVersion}, ${main ? main.name : "?"})`);
  }' "$out"/*.cdx.json
