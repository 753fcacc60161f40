#!/usr/bin/env bash
# Ticket benchmarks against a real Request Tracker 5 on loopback (root; tests/helpdesk/install.sh
# must have run): submit latency of a ~1 MB bundle (median of DESKSIDE_BENCH_N runs, default 15)
# and the drain of 200 queued tickets. Prints the figures; see tests/helpdesk/tests/bench.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p desksidectl
export DESKSIDECTL="${DESKSIDECTL:-$PWD/target/debug/desksidectl}"
cargo test --quiet -p deskside-helpdesk-tests --test bench -- --ignored --nocapture --test-threads=1 2>&1 \
  | grep -oE '(BENCH|SKIPPED|test result|panicked).*' || true
