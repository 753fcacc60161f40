#!/usr/bin/env bash
# Run one WebDriver scenario against the Deskside app, INSIDE a network-lab client namespace.
#
# Starts a private D-Bus session, `tauri-driver` on loopback (which starts WebKitWebDriver, which
# starts the app with --open), waits for the driver's port, runs `deskside-e2e ARGS...`, then
# stops every process it started and exits with deskside-e2e's status (3 when the driver never
# came up). The tests in tests/window.rs call it through `Lab::exec`; by hand:
#
#   tests/lab/lab.sh exec ID env DISPLAY=:95 DESKSIDE_CONFIG=/tmp/deskside-lab/ID/config.toml \
#     bash tests/e2e/run-in-lab.sh --expect-root-cause none --screenshots /tmp/shots
#
# Environment:
#   DISPLAY            X server to show the window on (required; e.g. an Xvfb)
#   DESKSIDE_CONFIG    app config pointing only at the lab (required; `lab.sh config ID`); the app
#                      reads it as its system file (admin-only keys are honoured only there)
#   DESKSIDE_APP       app binary (default: target/release/deskside, else target/debug/deskside)
#   DESKSIDE_E2E_BIN   scenario binary (default: target/debug/deskside-e2e)
#   TAURI_DRIVER       tauri-driver binary (default: on PATH, else $CARGO_HOME/bin; the host test passes its own)
#   E2E_PORT           tauri-driver port on the namespace's loopback (default 4444; +1 native)
#   E2E_LOG_DIR        where tauri-driver.log goes (default: the --screenshots directory)
#   E2E_SMTP_PORT      when set, an SMTP sink (aiosmtpd) listens on the namespace's 127.0.0.1:PORT
#                      and stores what it receives as a Maildir in E2E_SMTP_MAILDIR (the Get help
#                      scenario's email helpdesk); E2E_SMTP_PYTHON is the Python that has aiosmtpd
#
# Safety: refuses to run outside a lab client namespace (dl<ID>-client), so the WebDriver ports
# only ever exist on the lab's private loopback and the app only reaches lab addresses.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
WORKSPACE=$(cd -- "$SCRIPT_DIR/../.." && pwd)

die() {
  echo "run-in-lab.sh: $*" >&2
  exit 3
}

# The process itself and, recursively, its children (deepest last).
descendants() {
  local pid=$1 child
  echo "$pid"
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
    descendants "$child"
  done
}

# Stop `tauri-driver` and everything under it: its process group (setsid gave it one) and every
# descendant found by walking parent links (in case one started its own group). TERM first so
# the app and WebKit shut down cleanly, KILL what is left after 3 s.
stop_tree() {
  local root=$1 pids pid i
  mapfile -t pids < <(descendants "$root")
  kill -TERM -- "-$root" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for i in $(seq 30); do
    local alive=0
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL -- "-$root" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# Inner stage: runs under `dbus-run-session`, with the hermetic environment already set.
inner() {
  local driver_pid rc=0 i
  mkdir -p "$E2E_LOG_DIR"
  local log=$E2E_LOG_DIR/tauri-driver.log
  # setsid: tauri-driver leads a new process group that WebKitWebDriver and the app join.
  setsid "$TAURI_DRIVER" --port "$E2E_PORT" --native-port "$((E2E_PORT + 1))" \
    --native-host 127.0.0.1 >"$log" 2>&1 </dev/null &
  driver_pid=$!
  local sink_pid=
  if [[ -n ${E2E_SMTP_PORT:-} ]]; then
    "$E2E_SMTP_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$E2E_SMTP_PORT" \
      -c aiosmtpd.handlers.Mailbox "$E2E_SMTP_MAILDIR" >"$E2E_LOG_DIR/smtp-sink.log" 2>&1 </dev/null &
    sink_pid=$!
  fi
  trap 'stop_tree "$driver_pid"; [[ -z $sink_pid ]] || kill "$sink_pid" 2>/dev/null || true' EXIT
  if [[ -n $sink_pid ]]; then
    for i in $(seq 200); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$E2E_SMTP_PORT") 2>/dev/null; then break; fi
      kill -0 "$sink_pid" 2>/dev/null || die "SMTP sink exited: $(tail -5 "$E2E_LOG_DIR/smtp-sink.log")"
      ((i < 200)) || die "SMTP sink did not listen on 127.0.0.1:$E2E_SMTP_PORT within 10 s"
      sleep 0.05
    done
  fi
  for i in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$E2E_PORT") 2>/dev/null; then break; fi
    kill -0 "$driver_pid" 2>/dev/null || die "tauri-driver exited: $(tail -5 "$log")"
    ((i < 200)) || die "tauri-driver did not listen on 127.0.0.1:$E2E_PORT within 10 s"
    sleep 0.05
  done
  "$DESKSIDE_E2E_BIN" --webdriver "http://127.0.0.1:$E2E_PORT" --app "$DESKSIDE_APP" "$@" || rc=$?
  stop_tree "$driver_pid"
  [[ -z $sink_pid ]] || kill "$sink_pid" 2>/dev/null || true
  trap - EXIT
  return "$rc"
}

if [[ ${1:-} == --inner ]]; then
  shift
  inner "$@"
  exit $?
fi

# --- Outer stage: checks, hermetic environment, private D-Bus session. ---

ns=$(ip netns identify "$$" 2>/dev/null || true)
[[ $ns =~ ^dl[0-9a-f]{4,5}-client$ ]] ||
  die "refusing to run outside a lab client namespace (this is '${ns:-the host namespace}'); use lab.sh exec"
: "${DISPLAY:?run-in-lab.sh: DISPLAY must name an X server (e.g. Xvfb :95)}"
: "${DESKSIDE_CONFIG:?run-in-lab.sh: DESKSIDE_CONFIG must be the lab config (lab.sh config ID)}"
[[ -f $DESKSIDE_CONFIG ]] || die "DESKSIDE_CONFIG $DESKSIDE_CONFIG does not exist"

if [[ -z ${DESKSIDE_APP:-} ]]; then
  DESKSIDE_APP=$WORKSPACE/target/release/deskside
  [[ -x $DESKSIDE_APP ]] || DESKSIDE_APP=$WORKSPACE/target/debug/deskside
fi
DESKSIDE_E2E_BIN=${DESKSIDE_E2E_BIN:-$WORKSPACE/target/debug/deskside-e2e}
if [[ -z ${TAURI_DRIVER:-} ]]; then
  TAURI_DRIVER=$(command -v tauri-driver || true)
  for c in "${CARGO_HOME:-/nonexistent}/bin/tauri-driver"; do
    if [[ -z $TAURI_DRIVER && -x $c ]]; then TAURI_DRIVER=$c; fi
  done
fi
for b in DESKSIDE_APP DESKSIDE_E2E_BIN TAURI_DRIVER; do
  [[ -n ${!b} && -x ${!b} ]] || die "$b not found or not executable: '${!b}'"
done
command -v WebKitWebDriver >/dev/null || die "WebKitWebDriver not on PATH (apt webkit2gtk-driver)"
command -v dbus-run-session >/dev/null || die "dbus-run-session not on PATH (apt dbus)"

E2E_PORT=${E2E_PORT:-4444}
if [[ -z ${E2E_LOG_DIR:-} ]]; then
  E2E_LOG_DIR=.
  args=("$@")
  for ((i = 0; i < ${#args[@]} - 1; i++)); do
    [[ ${args[i]} == --screenshots ]] && E2E_LOG_DIR=${args[i + 1]}
  done
fi

# Hermetic: the app sees an empty home and only the lab config (never the user's or the
# machine's), and no accessibility bus.
work=$(mktemp -d "${TMPDIR:-/tmp}/deskside-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{home,config,cache,data,state,run}
chmod 700 "$work/run"
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache \
  XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_RUNTIME_DIR=$work/run
# The lab config goes in as the system file: the helpdesk's SMTP host (admin-only) is honoured
# only from the root-owned system file or mandatory policy, never from DESKSIDE_CONFIG.
export DESKSIDE_SYSTEM_CONFIG="$DESKSIDE_CONFIG" DESKSIDE_CONFIG='' DESKSIDE_USER_CONFIG=''
export DESKSIDE_APP DESKSIDE_E2E_BIN TAURI_DRIVER E2E_PORT E2E_LOG_DIR
if [[ -n ${E2E_SMTP_PORT:-} ]]; then
  : "${E2E_SMTP_MAILDIR:?run-in-lab.sh: E2E_SMTP_MAILDIR must be set with E2E_SMTP_PORT}"
  E2E_SMTP_PYTHON=${E2E_SMTP_PYTHON:-python3}
  "$E2E_SMTP_PYTHON" -c 'import aiosmtpd' 2>/dev/null || die "E2E_SMTP_PYTHON=$E2E_SMTP_PYTHON has no aiosmtpd"
  export E2E_SMTP_PORT E2E_SMTP_MAILDIR E2E_SMTP_PYTHON
fi
export NO_AT_BRIDGE=1 GDK_BACKEND=x11
# No WEBKIT_DISABLE_COMPOSITING_MODE / WEBKIT_DISABLE_DMABUF_RENDERER: with WebKitGTK 2.50 under
# Xvfb either one makes WebDriver screenshots hang, and the defaults render fine.
# The WebDriver hops are loopback; never hand them to a proxy a scenario may set for the app.
export NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1

rc=0
dbus-run-session -- bash "${BASH_SOURCE[0]}" --inner "$@" || rc=$?
exit "$rc"
