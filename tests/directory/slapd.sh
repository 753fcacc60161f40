#!/usr/bin/env bash
# A private OpenLDAP slapd with the ppolicy overlay and TLS, for the password tests:
#   slapd.sh DIR IP LDAP_PORT LDAPS_PORT
# writes DIR/slapd.conf, a test CA (ca.sh), an empty database with the base entries and a
# default password policy, then execs slapd in the foreground on IP only (ldap:// with
# StartTLS, ldaps://). The caller (the Rust test harness) owns the process and kills it.
# Suffix dc=deskside,dc=test; manager cn=admin,dc=deskside,dc=test with password "admin-secret".
# The reset service account cn=deskside-reset,ou=services,dc=deskside,dc=test (password
# "reset-secret") may write only the password and lockout attributes of entries under
# ou=people: the least-privilege ACL docs/passwords.md gives for the server's resets.
set -euo pipefail
dir="$1"; ip="$2"; port="$3"; tls_port="$4"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir/db"
[ -f "$dir/tls/ca.pem" ] || bash "$here/ca.sh" "$dir" "$ip"

modules=/usr/lib/ldap
cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath $modules
moduleload back_mdb
moduleload ppolicy
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
TLSCACertificateFile $dir/tls/ca.pem
TLSCertificateFile $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key
# Simple binds only over an encrypted connection, like a production directory.
security simple_bind=64
sizelimit 500

database mdb
maxsize 104857600
suffix "dc=deskside,dc=test"
rootdn "cn=admin,dc=deskside,dc=test"
rootpw admin-secret
directory $dir/db
overlay ppolicy
ppolicy_default "cn=default,ou=policies,dc=deskside,dc=test"
ppolicy_use_lockout
ppolicy_hash_cleartext
access to dn.subtree="ou=people,dc=deskside,dc=test" attrs=userPassword
  by dn.exact="cn=deskside-reset,ou=services,dc=deskside,dc=test" write
  by self write
  by anonymous auth
  by * none
access to dn.subtree="ou=people,dc=deskside,dc=test" attrs=pwdAccountLockedTime,pwdReset
  by dn.exact="cn=deskside-reset,ou=services,dc=deskside,dc=test" write
  by users read
  by * none
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by self write
  by users read
  by * none
CONF

if [ ! -f "$dir/db/data.mdb" ]; then
  slapadd -f "$dir/slapd.conf" >/dev/null <<'LDIF'
dn: dc=deskside,dc=test
objectClass: dcObject
objectClass: organization
o: Deskside test
dc: deskside

dn: ou=people,dc=deskside,dc=test
objectClass: organizationalUnit
ou: people

dn: ou=services,dc=deskside,dc=test
objectClass: organizationalUnit
ou: services

dn: cn=deskside-reset,ou=services,dc=deskside,dc=test
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: deskside-reset
userPassword: reset-secret

dn: ou=policies,dc=deskside,dc=test
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,dc=deskside,dc=test
objectClass: device
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdMaxAge: 0
pwdMinLength: 8
pwdCheckQuality: 1
pwdInHistory: 3
pwdLockout: TRUE
pwdMaxFailure: 5
pwdAllowUserChange: TRUE
LDIF
fi

exec slapd -d 0 -f "$dir/slapd.conf" -h "ldap://$ip:$port/ ldaps://$ip:$tls_port/"
