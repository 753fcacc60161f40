#!/usr/bin/env bash
# Installs check-jsonschema (PyPI, pinned) into its own venv, for the meta-validation of the
# generated Jamf Pro schema (scripts/check-policy-templates.sh). Idempotent;
# scripts/bootstrap-tests.sh runs it. DESKSIDE_POLICY_TOOLS names the folder
# (default /opt/deskside-policy-tools).
set -euo pipefail
version=0.39.0
tools="${DESKSIDE_POLICY_TOOLS:-/opt/deskside-policy-tools}"
if "$tools/venv/bin/check-jsonschema" --version 2>/dev/null | grep -qF "$version"; then
  exit 0
fi
mkdir -p "$tools"
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$version"
echo "install-check-jsonschema: check-jsonschema $version in $tools/venv"
