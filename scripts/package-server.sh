#!/usr/bin/env bash
# Build the deskside-server Debian package: the release binary, the hardened systemd unit,
# an example config (a conffile), the maintainer scripts from packaging/server/, and
# docs/server.md as its README. Output: target/release/deskside-server_<version>_<arch>.deb.
# Checked by scripts/package-server-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --locked -p deskside-server
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
out="$target/release/deskside-server_${version}_${arch}.deb"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$target/release/deskside-server" "$root/usr/bin/deskside-server"
strip --strip-unneeded "$root/usr/bin/deskside-server" 2>/dev/null || true
install -D -m 0644 packaging/server/deskside-server.service "$root/lib/systemd/system/deskside-server.service"
install -D -m 0644 packaging/server/config.toml "$root/etc/deskside-server/config.toml"
install -D -m 0644 docs/server.md "$root/usr/share/doc/deskside-server/README"
install -d -m 0755 "$root/DEBIAN"
for f in postinst prerm postrm; do
  install -m 0755 "packaging/server/$f" "$root/DEBIAN/$f"
done
echo /etc/deskside-server/config.toml >"$root/DEBIAN/conffiles"
# The binary links only glibc (SQLite is built in, TLS is rustls).
libc=$(objdump -T "$root/usr/bin/deskside-server" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | cut -d_ -f2)
size_kib=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: deskside-server
Version: $version
Architecture: $arch
Maintainer: Deskside developers <dev@deskside.invalid>
Depends: libc6 (>= $libc), adduser
Section: net
Priority: optional
Installed-Size: $size_kib
Homepage: https://deskside.invalid
Description: Deskside server: device enrolment and helpdesk ticket relay
 The server Deskside devices enrol with. It keeps the helpdesk credentials,
 so no laptop holds one, and delivers the devices' tickets exactly once.
 Runs as the deskside-server system user under a hardened systemd unit;
 SQLite by default, PostgreSQL for several instances.
CONTROL
dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
echo "server package: $out ($(stat -c %s "$out") bytes)"
