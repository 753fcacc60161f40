#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into its own venv for the server's API fuzz test
# (crates/deskside-server/tests/schemathesis.rs). Idempotent; scripts/bootstrap-tests.sh runs it.
# DESKSIDE_SERVER_TOOLS names the folder (default /opt/deskside-server-tools).
set -euo pipefail
version=4.32.5
tools="${DESKSIDE_SERVER_TOOLS:-/opt/deskside-server-tools}"
if "$tools/venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  exit 0
fi
mkdir -p "$tools"
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
echo "install-schemathesis: schemathesis $version in $tools/venv"
