#!/usr/bin/env bash
# Tray-app benchmarks (root; Xvfb): cold start → tray ready; window open → page loaded;
# idle CPU over IDLE_S seconds and resident memory (RSS and PSS) of the whole process tree
# with the window closed, open, and closed again, each with a breakdown of the main process's
# RSS by mapping class (from /proc/PID/smaps). Prints figures; asserts nothing.
#   APP=target/release/deskside IDLE_S=60 ./scripts/bench-app.sh
# APP_ENV="NAME=VALUE ..." adds variables to the app's environment (to compare settings,
# e.g. APP_ENV="GLIBC_TUNABLES=glibc.malloc.arena_max=8").
# The app runs in a private network namespace with only loopback and a config pointing at
# loopback, so its health checks reach nothing outside this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
APP="${APP:-$PWD/target/release/deskside}"
IDLE_S="${IDLE_S:-60}"
APP_ENV="${APP_ENV:-}"
[[ -x $APP ]] || { echo "bench-app: $APP not found (build it: cd src-tauri && npx tauri build --bundles deb)" >&2; exit 2; }

if [[ ${1:-} != --inside ]]; then
  work=$(mktemp -d)
  display=:$((70 + RANDOM % 9))
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null; rm -rf "$work" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do [[ -S /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" DISPLAY="$display" NO_AT_BRIDGE=1 \
    APP="$APP" IDLE_S="$IDLE_S" APP_ENV="$APP_ENV" WORK="$work" CONFIG="$PWD/scripts/loopback-app.toml" unshare --net bash "$0" --inside
  exit
fi

# --- inside: private network namespace ---
ip link set lo up
export DESKSIDE_CONFIG="$CONFIG" DESKSIDE_SYSTEM_CONFIG= DESKSIDE_USER_CONFIG=
export DBUS_SESSION_BUS_ADDRESS="unix:path=$WORK/bus"
dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --fork --print-pid >"$WORK/dbus.pid"
trap 'kill "$(cat "$WORK/dbus.pid")" 2>/dev/null; [[ -n ${app:-} ]] && kill "$app" 2>/dev/null' EXIT
hz=$(getconf CLK_TCK)

tree() { # pid and all descendants
  local p=$1
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
ticks() { # utime+stime of the tree, in clock ticks
  local sum=0
  for p in $(tree "$app"); do
    [[ -r /proc/$p/stat ]] || continue
    read -r -a f < <(sed 's/^.*) //' /proc/"$p"/stat)
    sum=$((sum + f[11] + f[12]))
  done
  echo "$sum"
}
mem() { # "RSS MiB / PSS MiB (processes)"
  local rss=0 pss=0 names=()
  for p in $(tree "$app"); do
    [[ -r /proc/$p/smaps_rollup ]] || continue
    rss=$((rss + $(awk '/^Rss:/ {print $2}' /proc/"$p"/smaps_rollup)))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup)))
    names+=("$(cat /proc/"$p"/comm)")
  done
  echo "RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB  [${names[*]}]"
}
breakdown() { # RSS of the main process by mapping class, largest first
  local exe
  exe=$(readlink "/proc/$app/exe")
  echo "  main process ($(awk '/^Threads:/ {print $2}' "/proc/$app/status") threads), RSS by mapping:"
  awk -v exe="$exe" '
    /^[0-9a-f]+-[0-9a-f]+ / {
      path = (NF >= 6) ? $6 : ""
      if (path == exe)                                   class = "our binary"
      else if (path ~ /libLLVM|_dri\.so|libgallium|libglapi|libGLX|libEGL|libGL\.|libgbm/) class = "Mesa GL + LLVM (GDK opens GL)"
      else if (path ~ /libwebkit2gtk|libjavascriptcore/) class = "WebKitGTK + JavaScriptCore libs"
      else if (path ~ /lib(gtk|gdk|glib|gio|gobject|gmodule|cairo|pango|harfbuzz|fontconfig|freetype|pixman|atk|ayatana|dbusmenu|rsvg|xml2|icu)/) class = "GTK, GLib, Cairo, Pango, ICU… libs"
      else if (path ~ /\.so/)                            class = "other shared libraries"
      else if (path == "[heap]")                         class = "heap (brk: main malloc arena)"
      else if (path == "[stack]")                        class = "main thread stack"
      else if (path == "" )                              class = "anonymous (malloc arenas, thread stacks, GTK/WebKit buffers)"
      else if (path ~ /^\[/)                             class = "kernel ([vdso], [vvar], ...)"
      else                                               class = "other files (fonts, caches, locale, memfd)"
      next
    }
    /^Rss:/ { kb[class] += $2 }
    END { for (c in kb) printf "%8.1f MiB  %s\n", kb[c] / 1024, c }
  ' "/proc/$app/smaps" | sort -rn | sed 's/^/  /'
}
wait_log() { # pattern → waits up to 20 s
  for _ in $(seq 200); do grep -q "$1" "$WORK/app.log" && return 0; sleep 0.1; done
  echo "bench-app: timed out waiting for '$1'" >&2; cat "$WORK/app.log" >&2; exit 1
}
idle_cpu() {
  local t0 t1
  t0=$(ticks); sleep "$IDLE_S"; t1=$(ticks)
  awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE_S" 'BEGIN { printf "%.2f %% of one core (%d ticks in %d s)", 100 * d / hz / s, d, s }'
}

start=$(date +%s%N)
# shellcheck disable=SC2086 # APP_ENV is a list of NAME=VALUE words
env $APP_ENV "$APP" >"$WORK/app.log" 2>&1 &
app=$!
wait_log "tray ready"
wall=$(( ($(date +%s%N) - start) / 1000000 ))
echo "cold start → tray ready: $(grep -o 'tray ready in [0-9]* ms' "$WORK/app.log") (in process), ${wall} ms wall"
sleep 3 # let the first background check finish
echo "window closed: $(mem)"
breakdown
echo "window closed: idle CPU $(idle_cpu)"

start=$(date +%s%N)
"$APP" --open >/dev/null 2>&1
wait_log "window ready"
wall=$(( ($(date +%s%N) - start) / 1000000 ))
echo "window open → page loaded: $(grep -o 'window ready in [0-9]* ms' "$WORK/app.log" | tail -1) (in process), ${wall} ms wall from the second launch"
sleep 3
echo "window open: $(mem)"
breakdown
echo "window open: idle CPU $(idle_cpu)"

"$APP" --close >/dev/null 2>&1
sleep 3
echo "window closed again: $(mem)"
breakdown
"$APP" --quit >/dev/null 2>&1 || true
for _ in $(seq 50); do kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app" 2>/dev/null && echo "bench-app: app still running after --quit" >&2
app=
