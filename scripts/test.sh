#!/usr/bin/env bash
# The test command. In order: the test stack's setup (as root: scripts/bootstrap-tests.sh);
# formatting; the web UI (type check, unit tests, build — the Tauri shell embeds ui/dist, so
# it comes before any cargo build); clippy; the IPC bindings drift check; unit, integration
# and network-lab tests; the Linux package; the end-to-end tests that drive the real window
# over WebDriver inside the lab; the cross-OS check (scripts/xcheck.sh: Windows and macOS).
#
# Root is needed for the lab and the real-window tests; without it they skip with a message
# unless DESKSIDE_LAB_REQUIRED=1 / DESKSIDE_E2E_REQUIRED=1 (CI sets both, so a skip fails);
# the cross-OS check likewise with DESKSIDE_XCHECK_REQUIRED=1.
# DESKSIDE_INSTALL_CHECK=1 (CI) also installs the built .deb with dpkg and starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
threads="${DESKSIDE_TEST_THREADS:-2}"

# Disk left and build trees, printed between stages (a full run needs tens of GB).
disk() {
  echo "-- disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free; target $(du -sh target 2>/dev/null | cut -f1 || echo 0)${1:+; $1}"
}

# Setup: scripts/bootstrap.sh installs only what the CLI needs; the test stack (lab tools,
# WebKitGTK, helpdesks, directories, tauri-driver) is installed here. Quick when all is present.
if [[ $(id -u) == 0 ]]; then
  echo "== setup: the test stack (scripts/bootstrap-tests.sh)"
  bash scripts/bootstrap-tests.sh
else
  echo "== setup skipped (not root): run scripts/bootstrap-tests.sh as root once, or the tests that need its packages fail or skip"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== ui: install, type check, unit tests, build"
# `npm install` honouring the lock, not `npm ci`: npm 11 writes lock files without the other
# platforms' optional packages (rollup, tauri-cli binaries) when resolved URLs are omitted,
# and `npm ci` then refuses them as out of sync.
npm install --prefix ui --no-save --no-audit --no-fund --loglevel=error
npm --prefix ui run check
npm --prefix ui test
npm --prefix ui run build

disk
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== IPC bindings up to date (ui/src/lib/bindings.ts)"
# The test's full path with --exact: a bare `export_bindings` matched nothing and the check
# passed without running.
bindings_out=$(DESKSIDE_BINDINGS_CHECK=1 cargo test --locked -p deskside-app --lib \
  bindings::tests::export_bindings -- --exact 2>&1) || {
  tail -20 <<<"$bindings_out" >&2
  echo "bindings.ts drifted from the Rust types: run 'cargo test -p deskside-app export_bindings' and commit" >&2
  exit 1
}
grep -q "test result: ok. 1 passed" <<<"$bindings_out" || {
  echo "the bindings drift check did not run (no test matched)" >&2
  exit 1
}
echo "bindings.ts matches the Rust types"

echo "== build (desksidectl, lab tools)"
cargo build --workspace --locked --bins

# Lab tests run the CLI inside namespaces; point them at the binary just built.
export DESKSIDECTL="${DESKSIDECTL:-$PWD/target/debug/desksidectl}"
export LABD="${LABD:-$PWD/target/debug/deskside-labd}"

echo "== cargo test (unit, integration, network lab)"
cargo test --workspace --locked --no-fail-fast --exclude deskside-e2e -- --test-threads="$threads"

echo "== policy templates: ADMX/ADML schema and ids, plists, Jamf schema (scripts/check-policy-templates.sh)"
bash scripts/check-policy-templates.sh

disk
echo "== fuzz smoke: every parser target for a few seconds (fuzz/README.md)"
bash scripts/fuzz.sh
disk "fuzz/target $(du -sh fuzz/target 2>/dev/null | cut -f1)"
# DESKSIDE_PRUNE=1 (CI): the fuzz build is not needed again in this run.
if [[ "${DESKSIDE_PRUNE:-0}" == 1 ]]; then
  rm -rf fuzz/target
fi

echo "== package: release build and .deb (npm Tauri CLI)"
npm install --prefix src-tauri --no-save --no-audit --no-fund --loglevel=error
# The CLI is the app's binary under another name; tauri.conf.json's beforeBuildCommand builds
# the privileged fix helper the package also ships.
(cd src-tauri && npx --no-install tauri build --bundles deb --ci)
bash scripts/package-check.sh
echo "== package: the server's .deb (release build, hardened systemd unit)"
bash scripts/package-server.sh
bash scripts/package-server-check.sh
disk

echo "== end to end: the real window over WebDriver, in the network lab"
DESKSIDE_APP="$PWD/target/release/deskside" bash scripts/e2e.sh
disk

# Last, so its ~6 GB build tree (target/xcheck) never adds to an earlier stage's peak; in CI
# the Linux build trees are dropped first (nothing needs them any more).
echo "== cross-OS check: clippy for Windows (GNU, MSVC) and macOS, library unit tests under Wine (scripts/xcheck.sh)"
if [[ $(id -u) == 0 ]]; then
  if [[ "${DESKSIDE_PRUNE:-0}" == 1 ]]; then
    rm -rf target/debug target/release
  fi
  bash scripts/xcheck.sh
elif [[ "${DESKSIDE_XCHECK_REQUIRED:-0}" == 1 ]]; then
  echo "the cross-OS check needs root (it installs mingw-w64 and Wine with apt) and DESKSIDE_XCHECK_REQUIRED=1 is set" >&2
  exit 1
else
  echo "== cross-OS check skipped (not root): run scripts/xcheck.sh as root"
fi
disk "end"
