#!/usr/bin/env bash
# Deskside server benchmarks (docs/benchmarks.md, "Server"): builds the release binary, then runs
# the ignored benchmarks of crates/deskside-server/tests/bench.rs against it, SQLite and a
# private PostgreSQL side by side, one after the other. Prints one line per database.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p deskside-server
# The client (signing, hashing) is built optimized too: a debug client measures its own
# Ed25519 signing, not the server.
DESKSIDE_SERVER_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/deskside-server" \
  cargo test --release --locked -p deskside-server --test bench -- --ignored --nocapture --test-threads=1 2>&1 |
  grep -E '^(bench|SKIPPED)' || { echo "bench-server: no figures (see cargo test output)" >&2; exit 1; }
