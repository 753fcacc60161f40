#!/usr/bin/env bash
# Check the Linux package that `tauri build --bundles deb` produced: its metadata and files,
# and — with DESKSIDE_INSTALL_CHECK=1 (CI; root) — that it installs with dpkg and the
# installed app starts and reaches "tray ready". The started app runs in a private network
# namespace with only loopback, so its first health check cannot reach any network.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -1 || true)
[[ -n $deb ]] || { echo "package-check: no .deb under target/release/bundle/deb (run tauri build first)" >&2; exit 1; }
fail() { echo "package-check: $*" >&2; exit 1; }
# Size budget: 10 MB (decimal) for the whole .deb. See docs/benchmarks.md "Package size" for
# what the release profile and the one-binary CLI each take off.
max_bytes=10000000
bytes=$(stat -c %s "$deb")
echo "package: $deb ($bytes bytes, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }'); budget $max_bytes)"
((bytes <= max_bytes)) || fail "the .deb is $bytes bytes, over the $max_bytes-byte budget"
info=$(dpkg-deb --info "$deb")
contents=$(dpkg-deb --contents "$deb")
pkg=$(dpkg-deb --field "$deb" Package)
grep -q "Depends:.*libwebkit2gtk-4.1-0" <<<"$info" || fail "Depends lacks libwebkit2gtk-4.1-0"
grep -Eq "[ /]usr/bin/deskside$" <<<"$contents" || fail "no /usr/bin/deskside in the package"
# desksidectl is `deskside` under another name: a symlink made by the package's postinst.
postinst=$(dpkg-deb --info "$deb" postinst 2>/dev/null || true)
grep -q "ln -sfn deskside /usr/bin/desksidectl" <<<"$postinst" || fail "postinst does not link /usr/bin/desksidectl to deskside"
grep -Eq "[ /]usr/libexec/deskside/deskside-elevate$" <<<"$contents" || fail "no fix helper /usr/libexec/deskside/deskside-elevate"
grep -Eq "[ /]usr/share/polkit-1/actions/dev.deskside.fix.policy$" <<<"$contents" || fail "no polkit policy for the fix helper"
grep -q "\.desktop$" <<<"$contents" || fail "no desktop entry in the package"
grep -q "/icons/hicolor/" <<<"$contents" || fail "no icons in the package"
echo "package metadata and contents: ok ($pkg)"

if [[ ${DESKSIDE_INSTALL_CHECK:-} != 1 ]]; then
  echo "install check skipped (set DESKSIDE_INSTALL_CHECK=1 to dpkg -i and start it; needs root)"
  exit 0
fi
[[ $(id -u) == 0 ]] || fail "the install check needs root"

dpkg -i "$deb" || { apt-get install -y -f -o DPkg::Lock::Timeout=600; dpkg -i "$deb"; }
[[ -x /usr/bin/deskside ]] || fail "/usr/bin/deskside missing after install"
[[ $(readlink -f /usr/bin/desksidectl) == /usr/bin/deskside ]] || fail "/usr/bin/desksidectl is not a link to deskside after install"
# The privileged helper refuses anything outside the catalogue (exit 2), as installed.
set +e
/usr/libexec/deskside/deskside-elevate apply not.a.fix >/dev/null 2>&1
rc=$?
set -e
[[ $rc == 2 ]] || fail "deskside-elevate accepted an unknown fix id (exit $rc, expected 2)"
/usr/bin/desksidectl fix list --json >/dev/null || fail "desksidectl fix list failed after install"
/usr/bin/desksidectl --version | grep -q "^desksidectl " || fail "the installed desksidectl did not run as the CLI"
echo "installed CLI and fix helper: ok"

work=$(mktemp -d)
display=:$((80 + RANDOM % 10))
cleanup() {
  [[ -n ${app_pid:-} ]] && kill -- -"$app_pid" 2>/dev/null || true
  [[ -n ${xvfb_pid:-} ]] && kill "$xvfb_pid" 2>/dev/null || true
  sleep 0.5
  # D-Bus may have activated the document portal, which mounts a FUSE file system in the
  # throwaway home; unmount it before removing the home.
  if mountpoint -q "$work/home/.cache/doc" 2>/dev/null; then umount -l "$work/home/.cache/doc" || true; fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [[ -S /tmp/.X11-unix/X${display#:} ]] && break; sleep 0.1; done

mkdir -p "$work/home"
setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work/home" DISPLAY="$display" \
  DESKSIDE_CONFIG="$PWD/scripts/loopback-app.toml" DESKSIDE_SYSTEM_CONFIG= DESKSIDE_USER_CONFIG= NO_AT_BRIDGE=1 \
  unshare --net sh -c 'ip link set lo up; exec dbus-run-session -- /usr/bin/deskside' >"$work/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 150); do
  grep -q "tray ready" "$work/app.log" && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "the installed app exited early"; }
  sleep 0.1
done
grep -q "tray ready" "$work/app.log" || { cat "$work/app.log" >&2; fail "the installed app did not reach 'tray ready' in 15 s"; }
echo "installed app started: $(grep -o 'tray ready in [0-9]* ms' "$work/app.log")"
