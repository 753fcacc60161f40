#!/usr/bin/env bash
# watchdog.sh OWNER_PID DIR -- CMD ARGS...
# Runs CMD (a private directory server) for as long as the test process OWNER_PID lives, then
# stops it and removes DIR, so a test binary never leaves a server or its temp dir behind,
# however it ends.
set -u
owner="$1"; dir="$2"; shift 3
"$@" &
child=$!
stop() {
  kill "$child" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  case "$dir" in /tmp/*|"${TMPDIR:-/tmp}"/*) rm -rf "$dir" ;; esac
  exit 0
}
trap stop TERM INT
while kill -0 "$owner" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
stop
