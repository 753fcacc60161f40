#!/usr/bin/env bash
# Screenshot the built UI (served by scripts/serve-dist.py) in headless Chromium.
# Usage: scripts/screenshot.sh URL OUT.png [light|dark] [WIDTHxHEIGHT]
# Console messages (CSP violations included) go to OUT.log.
set -euo pipefail
url=$1 out=$2 theme=${3:-light} size=${4:-900,680}
size=${size/x/,}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$profile" --window-size="$size"
  --virtual-time-budget=6000 --enable-logging=stderr --v=0 --screenshot="$out")
[[ $theme == dark ]] && flags+=(--force-dark-mode --blink-settings=preferredColorScheme=0)
chromium "${flags[@]}" "$url" 2>"${out%.png}.log" >/dev/null || true
grep -iE "console|content security|refused" "${out%.png}.log" || true
