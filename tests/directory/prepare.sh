#!/usr/bin/env bash
# Machine setup for the password tests' real directories (called by scripts/bootstrap.sh, as root).
#   prepare.sh preseed       answer the debconf questions of slapd, krb5 and samba before apt
#                            installs them, so the install is non-interactive and slapd creates
#                            no database of its own
#   prepare.sh stop-daemons  stop and disable the system daemons those packages start: the tests
#                            run private instances on loopback and must find the ports free
set -euo pipefail

case "${1:-}" in
  preseed)
    debconf-set-selections <<'SEL'
slapd slapd/no_configuration boolean true
krb5-config krb5-config/default_realm string DESKSIDE.INVALID
krb5-config krb5-config/add_servers_realm string DESKSIDE.INVALID
krb5-config krb5-config/read_conf boolean true
krb5-config krb5-config/kerberos_servers string
krb5-config krb5-config/admin_server string
samba-common samba-common/dhcp boolean false
samba-common samba-common/workgroup string WORKGROUP
SEL
    ;;
  stop-daemons)
    for svc in slapd smbd nmbd winbind samba-ad-dc samba; do
      if [ -x "/etc/init.d/$svc" ]; then
        service "$svc" stop >/dev/null 2>&1 || true
        update-rc.d "$svc" disable >/dev/null 2>&1 || true
      fi
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
      fi
    done
    # Without an init system the daemons may still run: end them by their pid files only.
    for pidfile in /run/slapd/slapd.pid /run/samba/smbd.pid /run/samba/nmbd.pid \
      /run/samba/winbindd.pid /run/samba/samba.pid; do
      if [ -s "$pidfile" ]; then
        kill "$(cat "$pidfile")" >/dev/null 2>&1 || true
      fi
    done
    ;;
  *)
    echo "usage: prepare.sh preseed|stop-daemons" >&2
    exit 2
    ;;
esac
