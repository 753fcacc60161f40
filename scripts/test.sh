#!/usr/bin/env bash
# The test command: formatting, lints, unit and integration tests, and the network-lab tests
# (root needed for the lab; without root the lab tests skip with a message unless
# DESKSIDE_LAB_REQUIRED=1, which CI sets so a skipped lab fails the run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== build (desksidectl and lab tools)"
cargo build --workspace --locked --bins

# Lab tests run the CLI inside namespaces; point them at the binary just built.
export DESKSIDECTL="${DESKSIDECTL:-$PWD/target/debug/desksidectl}"
export LABD="${LABD:-$PWD/target/debug/deskside-labd}"

echo "== cargo test"
cargo test --workspace --locked --no-fail-fast -- --test-threads="${DESKSIDE_TEST_THREADS:-2}"
