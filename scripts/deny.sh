#!/usr/bin/env bash
# Cordon's supply-chain check: `cargo deny check` (advisories, bans, licenses, sources)
# against deny.toml, with the advisory database read from the committed snapshot
# (supply-chain/advisory-db.bundle), never fetched. Compiles nothing.
# Prints the ignored advisories, the duplicate crates (warnings) and the totals; on a
# failure, the whole report.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
command -v cargo-deny >/dev/null || { echo "deny: cargo-deny is missing: run scripts/setup.sh"; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# cargo-deny looks for each database under db-path in "<last URL segment>-<hash of the
# URL>"; this is the folder of the default (RustSec) database for cargo-deny 0.20.
export CORDON_ADVISORY_DB="$work/dbs"
git clone -q --branch main supply-chain/advisory-db.bundle \
  "$CORDON_ADVISORY_DB/advisory-db-3157b0e258782691"
echo "deny: advisory database $(git -C "$CORDON_ADVISORY_DB/advisory-db-3157b0e258782691" log -1 --format='%s')"

# --frozen (--locked --offline): no network at all, so the crates' manifests and the
# registry index entries (for the yanked check) must be in Cargo's cache first.
cargo fetch --locked --quiet
log="$work/deny.log"
if ! cargo deny --frozen --color never check --hide-inclusion-graph --show-stats \
  -W advisory-ignored >"$log" 2>&1; then
  cat "$log"
  echo "deny: cargo deny check failed (see above; deny.toml and SECURITY.md say how to decide)"
  exit 1
fi
sed -n 's/.*{ id = "\([^"]*\)", reason = "\([^"]*\)".*/ignored: \1  \2/p' "$log"
dups=$(grep -c '^warning\[duplicate\]' "$log" || true)
echo "duplicates (warnings): $dups crates with more than one version:" \
  "$(sed -n "s/^warning\[duplicate\]: found \([0-9]*\) duplicate entries for crate '\(.*\)'/\2 (\1)/p" "$log" | paste -sd, - | sed 's/,/, /g')"
grep -E '^ *(advisories|bans|licenses|sources) (ok|FAILED)' "$log"
