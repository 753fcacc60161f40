#!/usr/bin/env bash
# A private Samba AD DC for the password tests, on one loopback address:
#   samba.sh DIR IP
# makes a test CA (ca.sh), provisions realm DESKSIDE.TEST (NetBIOS DESKSIDE, base
# DC=deskside,DC=test, Administrator password "Admin-Pass-1", which never expires) into
# DIR/samba with only the LDAP and KDC services, sets the domain policy the tests expect
# (min age 0, max age 42 days, history 3, length 8, complexity on, lockout after 3), then execs
# samba in the foreground. The caller owns the process. Ports: 389, 636, 88, 464, 3268, 3269
# on IP only; the script refuses to start when one is taken. Writes its pid to DIR/samba.pid
# (the same process becomes samba), so a caller can enter its network namespace.
# Environment, for a domain whose passwords have aged (run it in a network namespace of its own,
# as its clock differs):
#   SAMBA_USERS="name:password ..."  users created at provisioning, on the real clock;
#   SAMBA_CLOCK=+43d                 samba runs under libfaketime that far ahead.
set -euo pipefail
dir="$1"; ip="$2"
here="$(cd "$(dirname "$0")" && pwd)"
s="$dir/samba"
for port in 389 636 88 464 3268 3269; do
  if ss -Hltn "sport = :$port" | grep -Eq "(0\.0\.0\.0|\*|\[::\]|$ip):$port"; then
    echo "samba.sh: port $port on $ip is taken (a system directory server running?); stop it first" >&2
    exit 3
  fi
done
# Certificates valid long enough for a clock moved ahead (SAMBA_CLOCK is at most 90 days).
[ -f "$dir/tls/ca.pem" ] || CA_DAYS=$([ -n "${SAMBA_CLOCK:-}" ] && echo 90 || echo 2) bash "$here/ca.sh" "$dir" "$ip"
if [ ! -f "$s/etc/smb.conf" ]; then
  mkdir -p "$s/cache" "$s/run"
  : >"$dir/empty.conf"
  samba-tool domain provision -s "$dir/empty.conf" --server-role=dc --dns-backend=SAMBA_INTERNAL \
    --targetdir="$s" --realm=DESKSIDE.TEST --domain=DESKSIDE --host-name=dc1 \
    --adminpass='Admin-Pass-1' \
    --option="interfaces=$ip" --option="bind interfaces only=yes" \
    --option="tls enabled=yes" --option="tls keyfile=$dir/tls/server.key" \
    --option="tls certfile=$dir/tls/server.pem" --option="tls cafile=$dir/tls/ca.pem" \
    --option="pid directory=$s/run" --option="cache directory=$s/cache" \
    --option="log file=$s/log" --option="dns forwarder=$ip" >"$dir/provision.log" 2>&1
  # Only what the tests use: LDAP(S) and the KDC (with kpasswd).
  sed -i 's/^\(\s*server services\s*=\).*/\1 ldap, kdc/' "$s/etc/smb.conf"
  grep -q 'server services' "$s/etc/smb.conf" || sed -i 's/^\[global\]$/[global]\n\tserver services = ldap, kdc/' "$s/etc/smb.conf"
  # The previous password stops working at once after a change (the default accepts it for
  # an hour on some logons), so "the old password fails" is testable.
  sed -i 's/^\[global\]$/[global]\n\told password allowed period = 0/' "$s/etc/smb.conf"
  conf=(-s "$s/etc/smb.conf" -H "$s/private/sam.ldb")
  samba-tool domain passwordsettings set "${conf[@]}" --min-pwd-age=0 --max-pwd-age=42 \
    --history-length=3 --min-pwd-length=8 --complexity=on --account-lockout-threshold=3 \
    >>"$dir/provision.log" 2>&1
  samba-tool user setexpiry "${conf[@]}" Administrator --noexpiry >>"$dir/provision.log" 2>&1
  for pair in ${SAMBA_USERS:-}; do
    samba-tool user create "${conf[@]}" "${pair%%:*}" "${pair#*:}" >>"$dir/provision.log" 2>&1
  done
fi
echo $$ >"$dir/samba.pid"
if [ -n "${SAMBA_CLOCK:-}" ]; then
  preload=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1)
  [ -n "$preload" ] || { echo "samba.sh: SAMBA_CLOCK needs libfaketime (apt install libfaketime)" >&2; exit 3; }
  export LD_PRELOAD="$preload" FAKETIME="$SAMBA_CLOCK"
fi
exec samba -i -M single -s "$s/etc/smb.conf"
