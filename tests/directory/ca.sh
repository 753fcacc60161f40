#!/usr/bin/env bash
# Make a throwaway test CA and a server certificate for one loopback address, in DIR/tls:
#   ca.sh DIR IP   →  DIR/tls/{ca.pem,ca.key,server.pem,server.key,other-ca.pem}
# other-ca.pem is an unrelated CA, for the "wrong CA is refused" tests. Keys are made at run
# time and live only in the test's temp dir; none is ever committed. They are valid for
# CA_DAYS days (default 2; a server whose clock runs ahead needs more).
set -euo pipefail
days="${CA_DAYS:-2}"
dir="$1/tls"
ip="$2"
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Deskside Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$ip" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:%s,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$ip" >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$days" \
  -extfile ext.cnf -out server.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=Some Other CA" \
  -keyout other-ca.key -out other-ca.pem 2>/dev/null
chmod 600 ./*.key
