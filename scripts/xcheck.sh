#!/usr/bin/env bash
# The cross-OS check: clippy -D warnings for Windows (GNU and MSVC) and macOS (Apple silicon)
# on the whole workspace but the Linux-only test harnesses, then the library unit tests of
# every crate with Windows code, built for Windows and run under Wine. Nothing links for
# macOS here (no SDK): that target is type-checked and linted only.
#
# This is the project's settings for the shared tool ../shared/tools/xcheck.sh (read its
# header: std is built from Debian's rust-src of the toolchain's exact version, mingw-w64,
# Wine 8 with a ProcessPrng shim, a stub C compiler for the Apple targets). Needs root (apt)
# and the 1.95.0 toolchain. ~6 GB in target/xcheck; DESKSIDE_PRUNE=1 deletes it afterwards.
#
# Narrow it while iterating (each variable replaces the default):
#   XCHECK_TARGETS="x86_64-pc-windows-gnu"  XCHECK_WIN_TESTS="deskside-fixes"  bash scripts/xcheck.sh
#   XCHECK_WIN_TESTS="" (no Wine tests)     XCHECK_TARGETS="" (tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

tool="${DESKSIDE_XCHECK_TOOL:-../shared/tools/xcheck.sh}"
if [[ ! -f $tool ]]; then
  echo "cross-check: $tool is missing; it comes with the shared folder next to the checkout" \
    "(../shared, the same one the JSM contract tests read); set DESKSIDE_XCHECK_TOOL to its path" >&2
  exit 1
fi

export XCHECK_TARGETS="${XCHECK_TARGETS-x86_64-pc-windows-gnu x86_64-pc-windows-msvc aarch64-apple-darwin}"
# Linux-only harnesses: the network lab, the real-helpdesk tests and the e2e window test
# (which pulls the lab in as a dev-dependency). Every other package, tests included, must
# build for Windows and macOS.
export XCHECK_EXCLUDE="${XCHECK_EXCLUDE-deskside-lab deskside-helpdesk-tests deskside-e2e}"
# Library unit tests run under Wine: every library crate with Windows logic. The binaries
# desksidectl, deskside-elevate and the tray app keep their logic in these crates.
export XCHECK_WIN_TESTS="${XCHECK_WIN_TESTS-deskside-secret deskside-exec deskside-config deskside-platform deskside-device deskside-netprobe deskside-diagnostics deskside-fixes deskside-fix-engine deskside-password deskside-evidence deskside-capture deskside-helpdesk deskside-outbox deskside-agent}"
# The tray app embeds ui/dist (built by `npm run build` earlier in scripts/test.sh); a bare
# placeholder page when it is missing (ignored by git) is enough to type-check the shell.
export XCHECK_STUB_UI="${XCHECK_STUB_UI-1}"
# Its own build tree: nothing here is shared with the Linux builds.
export XCHECK_TARGET_DIR="${XCHECK_TARGET_DIR:-$PWD/target/xcheck}"

rc=0
bash "$tool" || rc=$?
if [[ "${DESKSIDE_PRUNE:-0}" == 1 ]]; then
  rm -rf "$XCHECK_TARGET_DIR"
fi
exit "$rc"
