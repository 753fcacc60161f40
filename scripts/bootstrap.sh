#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine (with Rust installed) for the main job: building and
# running `desksidectl`. Installs only what the CLI's crates need to build — a C compiler for
# ring and the bundled SQLite, pkg-config and the D-Bus headers for the keyring's Secret Service
# backend (libdbus-sys), and CA certificates for its HTTPS probes. The test stack (network lab,
# helpdesks, directories, the tray app's WebKitGTK, ...) is installed by the test command
# itself (scripts/test.sh → scripts/bootstrap-tests.sh).
# Idempotent: with everything present it needs no root and no network.
set -euo pipefail

packages=(build-essential pkg-config libdbus-1-dev ca-certificates)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing ${missing[*]}: run as root (it installs them with apt-get)" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: cargo not found: install Rust (rustup) first" >&2
  exit 2
fi
echo "bootstrap: done (the tests install their own stack: scripts/test.sh)"
