#!/usr/bin/env bash
# Check the server package scripts/package-server.sh built: contents, the systemd unit
# (`systemd-analyze verify`, and an exposure score of at most 2.0 from `systemd-analyze
# security`), and — with DESKSIDE_INSTALL_CHECK=1 (CI; root) — that it installs with dpkg,
# creates its system user, runs as that user on loopback and answers /healthz, and that a
# purge removes the user and its state.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
fail() { echo "package-server-check: $*" >&2; exit 1; }

deb=$(ls -t "$target"/release/deskside-server_*.deb 2>/dev/null | head -1 || true)
[[ -n $deb ]] || fail "no target/release/deskside-server_*.deb (run scripts/package-server.sh)"
contents=$(dpkg-deb --contents "$deb")
for path in usr/bin/deskside-server lib/systemd/system/deskside-server.service etc/deskside-server/config.toml; do
  grep -Eq "[ /]$path\$" <<<"$contents" || fail "no /$path in the package"
done
[[ $(dpkg-deb --field "$deb" Package) == deskside-server ]] || fail "wrong package name"
dpkg-deb --info "$deb" conffiles | grep -qx /etc/deskside-server/config.toml || fail "the config is not a conffile"

unit=packaging/server/deskside-server.service
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes User=deskside-server StateDirectory=deskside-server "CapabilityBoundingSet="; do
  grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
# Exposure 0.0 (locked down) .. 10.0 (unprotected); the threshold is in tenths.
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[[ -n $score ]] || fail "systemd-analyze security gave no score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "the unit's exposure level is $score, over 2.0"
echo "server package contents and unit: ok (exposure $score)"

if [[ ${DESKSIDE_INSTALL_CHECK:-} != 1 ]]; then
  echo "server install check skipped (set DESKSIDE_INSTALL_CHECK=1 to dpkg -i it; needs root)"
  exit 0
fi
[[ $(id -u) == 0 ]] || fail "the install check needs root"
dpkg -i "$deb" >/dev/null || { apt-get install -y -f -o DPkg::Lock::Timeout=600; dpkg -i "$deb"; }
getent passwd deskside-server >/dev/null || fail "no deskside-server user after install"
[[ $(stat -c %a /etc/deskside-server/env) == 600 ]] || fail "/etc/deskside-server/env is not 0600"
verify=$(systemd-analyze verify --man=no /lib/systemd/system/deskside-server.service 2>&1 || true)
if grep "deskside-server" <<<"$verify"; then
  fail "systemd-analyze verify found problems in the unit (above)"
fi

# No systemd here: start it as systemd would — its user, its state directory, its config,
# on a free loopback port.
work=$(mktemp -d)
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/^listen = .*/listen = \"127.0.0.1:$port\"/" /etc/deskside-server/config.toml >"$work/config.toml"
install -d -m 0700 -o deskside-server -g deskside-server "$work/state"
chmod 0755 "$work"
runuser -u deskside-server -- env STATE_DIRECTORY="$work/state" \
  /usr/bin/deskside-server serve --config "$work/config.toml" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/log" >&2; fail "the installed server did not answer /healthz"; }
[[ $(stat -c %U "$work/state/server.sqlite3") == deskside-server ]] || fail "the database is not the service user's"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
echo "installed server: runs as deskside-server, answers on loopback: ok"

dpkg --purge deskside-server >/dev/null
getent passwd deskside-server >/dev/null && fail "the purge left the deskside-server user"
[[ ! -e /etc/deskside-server/env ]] || fail "the purge left /etc/deskside-server/env"
echo "server package purge: ok"
