#!/usr/bin/env bash
# Deskside network lab: real Linux network namespaces with real faults.
#
# Owns the whole life of one lab (namespaces, veths, WireGuard and its wg-quick config, dnsmasq
# for DNS and DHCP, the client's udhcpc, deskside-labd servers, nftables rules inside the lab,
# tmpfs disks) so tests, benchmarks and people at a shell all get the same topology. See README.md beside this file for the diagram and the fault table.
#
#   lab.sh up ID              build lab ID (4–5 lowercase hex chars); prints nothing but errors
#   lab.sh down ID            tear it down; idempotent, never fails
#   lab.sh fault ID NAME      inject one fault (several may be combined)
#   lab.sh exec ID CMD...     run CMD in the client namespace
#   lab.sh exec-aged ID CMD.. same, in a time namespace whose uptime is ~34 days
#   lab.sh config ID          print a desksidectl TOML config that points only at the lab
#   lab.sh list               list the labs in the state root
#   lab.sh faults             list the fault names
#   lab.sh cleanup-stale      tear down labs whose owner process is gone
#
# Environment: LAB_STATE (state root, default /tmp/deskside-lab), LABD (path of the
# deskside-labd binary, default <workspace>/target/debug/deskside-labd), LAB_OWNER_PID (the
# process whose death makes the lab stale, default the caller of this script).
#
# Safety: every address is in 198.51.100.0/24, 203.0.113.0/24 or 198.18.0.0/15, every link and
# nftables rule lives inside a dl<ID>-* namespace; the host's interfaces, routes, firewall and
# resolv.conf are never touched (the client's resolv.conf is /etc/netns/dl<ID>-client/resolv.conf,
# the `ip netns exec` convention).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
WORKSPACE_DIR=$(cd -- "$SCRIPT_DIR/../.." && pwd)
readonly SCRIPT_DIR WORKSPACE_DIR
readonly LAB_ROOT=${LAB_STATE:-/tmp/deskside-lab}
# WireGuard's UAPI socket directory is global (not per network namespace), so every lab process
# that runs wireguard-go or `wg` gets its own private copy bind-mounted over it (see with_wg_dir):
# the client sees only its own tunnel, like a real machine, and no socket lands in the host's.
readonly WG_RUN=/run/wireguard
# The client's eth0 MAC (locally administered), so the router's DHCP server can give it a
# static lease on 198.51.100.10. Labs are separate L2 segments: every lab may use it.
readonly CLIENT_MAC=02:00:c6:33:64:0a

readonly FAULTS=(
  link-down no-carrier no-address apipa gateway-dead wrong-gateway
  dns-down dns-blackhole dns-nxdomain dns-servfail captive-portal internet-blocked
  loss latency mtu-blackhole clock-skew
  vpn-down vpn-peer-dead vpn-route-missing split-dns-off intranet-down proxy-dead
  disk-full inodes-exhausted temp-large dns-stale no-default-route
  print-stuck
)

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# Names for lab $1. Namespace and interface names stay within 15 characters.
names() {
  ID=$1
  [[ $ID =~ ^[0-9a-f]{4,5}$ ]] || die "lab ID must be 4-5 lowercase hex characters, got '$ID'"
  ST=$LAB_ROOT/$ID
  C=dl$ID-client
  R=dl$ID-router
  I=dl$ID-inet
  K=dl$ID-corp
  WGC=wg$ID
  WGS=wc$ID
}

labd_path() {
  local p=${LABD:-${CARGO_TARGET_DIR:-$WORKSPACE_DIR/target}/debug/deskside-labd}
  [[ -x $p ]] || die "deskside-labd not found at '$p' (build it: cargo build -p deskside-lab, or set LABD)"
  realpath -- "$p"
}

# with_wg_dir DIR CMD... : CMD with DIR mounted over /run/wireguard. Only valid right after
# `ip netns exec`, whose private mount namespace keeps the bind mount away from the host.
# shellcheck disable=SC2016 # expanded by the inner sh, not here
WITH_WG_DIR=(sh -c 'mount --bind "$0" /run/wireguard && exec "$@"')

in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# start_bg NAME NS CMD... : start a long-running lab process in NS, detached from the caller
# (own session, stdio on a log file so a caller capturing our output never waits on it),
# tagged with DESKSIDE_LAB_ID so teardown can recognise it.
start_bg() {
  local name=$1 ns=$2
  shift 2
  DESKSIDE_LAB_ID=$ID setsid ip netns exec "$ns" "$@" </dev/null >>"$ST/log/$name.log" 2>&1 &
  echo $! >"$ST/pids/$name"
  # No "Killed" job notice on stderr when a fault stops a service this shell started.
  disown "$!"
}

# True when PID is a live process started by lab $ID (guards against pid reuse).
is_lab_pid() {
  local pid=$1
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/environ ]] &&
    { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qx "DESKSIDE_LAB_ID=$ID"
}

# stop_svc NAME : SIGKILL a recorded service and wait until it is gone (its port closes).
stop_svc() {
  local name=$1 pid
  pid=$(cat "$ST/pids/$name" 2>/dev/null) || return 0
  rm -f "$ST/pids/$name"
  is_lab_pid "$pid" || return 0
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    [[ -d /proc/$pid ]] || return 0
    # A zombie of ours counts as gone once reaped; a zombie of someone else's is gone for us.
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && return 0
    sleep 0.02
  done
}

# wait_listen NS PROTO(t|u) ADDR:PORT SVC : poll until something listens, or fail with SVC's log.
wait_listen() {
  local ns=$1 proto=$2 addr=$3 svc=$4 pid
  for _ in $(seq 200); do
    if ss -N "$ns" -Hln"$proto" 2>/dev/null | awk '{print $4}' | grep -qxF "$addr"; then
      return 0
    fi
    pid=$(cat "$ST/pids/$svc" 2>/dev/null || true)
    if [[ -n $pid ]] && ! [[ -d /proc/$pid ]]; then
      die "$svc exited before listening on $addr: $(tail -n 5 "$ST/log/$svc.log" 2>/dev/null)"
    fi
    sleep 0.02
  done
  die "$svc did not listen on $addr within 4 s: $(tail -n 5 "$ST/log/$svc.log" 2>/dev/null)"
}

wait_path() {
  local path=$1 what=$2
  for _ in $(seq 200); do
    [[ -e $path ]] && return 0
    sleep 0.02
  done
  die "$what did not appear within 4 s"
}

wait_link() {
  local ns=$1 dev=$2 svc=$3
  for _ in $(seq 200); do
    ip -n "$ns" link show dev "$dev" >/dev/null 2>&1 && return 0
    sleep 0.02
  done
  die "$dev did not appear in $ns within 4 s: $(tail -n 5 "$ST/log/$svc.log" 2>/dev/null)"
}

# --- services ----------------------------------------------------------------------------------

DNSMASQ_COMMON=(--keep-in-foreground --conf-file=/dev/null --log-facility=- --no-resolv
  --no-hosts --bind-interfaces --user=root --group=root)

start_router_dns() {
  start_bg router-dns "$R" dnsmasq "${DNSMASQ_COMMON[@]}" --log-queries \
    --pid-file="$ST/run/router-dns.pid" --listen-address=198.51.100.1 \
    --address=/probe.lab.test/203.0.113.10 --address=/www.lab.test/203.0.113.10 \
    --address=/portal.lab.test/198.51.100.1 --local=/lab.test/ --local=/#/
}

# start_client_stub : NetworkManager-style local stub. Split DNS (corp.example to the corporate
# DNS server through the tunnel) unless the split-dns-off fault left STATE/run/stub-nosplit;
# no cache unless the dns-stale fault left STATE/run/stub-cache (then negative answers are
# cached for an hour even without an SOA record, which is what makes a stale entry stick).
start_client_stub() {
  local opts=()
  [[ -e $ST/run/stub-nosplit ]] || opts+=(--server=/corp.example/198.18.10.1)
  if [[ -e $ST/run/stub-cache ]]; then
    opts+=(--cache-size=150 --neg-ttl=3600)
  else
    opts+=(--cache-size=0)
  fi
  start_bg client-stub "$C" dnsmasq "${DNSMASQ_COMMON[@]}" --log-queries \
    --pid-file="$ST/run/client-stub.pid" --listen-address=127.0.0.1 \
    "${opts[@]}" --server=198.51.100.1
}

# The router's DHCP server: a dnsmasq of its own (DNS off, --port=0) so that the DNS faults,
# which stop or replace the router's DNS server, leave DHCP alone. The client's MAC has a
# static lease on 198.51.100.10; the dynamic range is there for anything else.
start_router_dhcp() {
  start_bg router-dhcp "$R" dnsmasq "${DNSMASQ_COMMON[@]}" --port=0 --log-dhcp \
    --pid-file="$ST/run/router-dhcp.pid" --interface=lan0 \
    --dhcp-leasefile="$ST/run/dhcp.leases" --dhcp-authoritative --no-ping \
    --dhcp-range=198.51.100.100,198.51.100.199,255.255.255.0,12h \
    --dhcp-host="$CLIENT_MAC,198.51.100.10" \
    --dhcp-option=option:router,198.51.100.1 --dhcp-option=option:dns-server,198.51.100.1
}

# The client's DHCP client, as a desktop runs one: a long-running udhcpc on eth0 (SIGUSR1 =
# renew) whose hook script only applies the lease with ip(8) — never Debian's default script,
# which would rewrite /etc/resolv.conf.
start_client_dhcp() {
  start_bg client-dhcp "$C" udhcpc -f -i eth0 -s "$ST/run/udhcpc.script" -T 1 -t 5 -A 1
}

write_udhcpc_script() {
  cat >"$ST/run/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# Lab udhcpc hook: $1 = deconfig|bound|renew|leasefail|nak; udhcpc sets $interface, $ip,
# $mask (prefix length), $router. Applies the lease to the interface and the default route
# only: no resolv.conf, no hostname, nothing outside this network namespace.
case $1 in
  deconfig)
    ip -4 addr flush dev "$interface"
    ;;
  bound | renew)
    # Drop any other IPv4 address (a link-local fallback, an old lease) first.
    for a in $(ip -4 -o addr show dev "$interface" | awk '{print $4}'); do
      [ "$a" = "$ip/$mask" ] || ip -4 addr del "$a" dev "$interface"
    done
    ip -4 addr replace "$ip/$mask" broadcast + dev "$interface"
    for r in $router; do
      ip -4 route replace default via "$r" dev "$interface"
      break
    done
    ;;
esac
exit 0
SCRIPT
  chmod 0755 "$ST/run/udhcpc.script"
}

# wg-quick config for the client tunnel, named after the interface (wg-quick takes the
# interface name from the file name), so `wg-quick up STATE/wg/wgID.conf` rebuilds the tunnel
# after vpn-down. wg-quick falls back to wireguard-go: the kernel has no WireGuard module.
write_wg_quick_conf() {
  (
    umask 077
    cat >"$ST/wg/$WGC.conf" <<CONF
# wg-quick config for the client tunnel of Deskside lab $ID
[Interface]
PrivateKey = $(cat "$ST/keys/client.key")
Address = 198.18.9.2/32

[Peer]
PublicKey = $(cat "$ST/keys/corp.pub")
Endpoint = 198.18.0.2:51820
AllowedIPs = 198.18.9.0/24, 198.18.10.0/24
CONF
  )
}

# pin_client_arp : the router binds the client's static lease to its MAC in ARP too (what
# home routers call an "ARP binding"). A client that lost its address renews with a broadcast
# REQUEST carrying its old address, and the ACK goes back unicast to that address: without
# this entry the router's ARP for it fails while the client has no address, and the renew
# takes seconds instead of milliseconds. dnsmasq's own ARP injection on a DISCOVER replaces
# the entry, so it is pinned after the lease and again by the faults that remove the address.
pin_client_arp() {
  ip -n "$R" neigh replace 198.51.100.10 lladdr "$CLIENT_MAC" dev lan0 nud permanent
}

# wait_lease : until the client has its leased address and default route.
wait_lease() {
  for _ in $(seq 300); do
    if ip -n "$C" -4 -o addr show dev eth0 2>/dev/null | grep -q ' 198\.51\.100\.10/24 ' &&
      ip -n "$C" -4 route show default 2>/dev/null | grep -q 'via 198\.51\.100\.1 '; then
      return 0
    fi
    sleep 0.01
  done
  die "the client got no DHCP lease within 3 s: $(tail -n 5 "$ST/log/client-dhcp.log" 2>/dev/null)"
}

# A private CUPS scheduler in the client namespace, for print.clear_queue: everything it
# reads and writes is under STATE/cups (ServerRoot, spool, cache, state, printcap) or
# STATE/log, it listens only on the unix socket STATE/cups/cups.sock (no TCP, no browsing, no
# web interface), and it runs in the foreground as a lab service, so `down` kills it with the
# namespace. The host's own cupsd, /etc/cups and /run/cups are never used: clients reach this
# one only by naming the socket (`lpstat -h SOCK`, CUPS_SERVER=SOCK).
CUPS_TOOLS=(cupsd lpadmin lp lpstat cancel)

cups_socket() { echo "$ST/cups/cups.sock"; }

write_cups_conf() {
  local d=$ST/cups
  mkdir -p "$d/etc" "$d/spool/tmp" "$d/cache" "$d/state" "$d/ssl"
  cat >"$d/etc/cupsd.conf" <<CONF
# cupsd.conf of Deskside lab $ID: a unix socket only, no network, anyone local may manage it.
Listen $d/cups.sock
LogLevel info
MaxLogSize 0
WebInterface No
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
  cat >"$d/etc/cups-files.conf" <<CONF
# cups-files.conf of Deskside lab $ID: every path inside the lab's state directory.
ServerRoot $d/etc
RequestRoot $d/spool
TempDir $d/spool/tmp
CacheDir $d/cache
StateDir $d/state
ServerKeychain $d/ssl
Printcap $d/printcap
AccessLog $ST/log/cups-access.log
ErrorLog $ST/log/cups-error.log
PageLog $ST/log/cups-page.log
FileDevice Yes
SystemGroup root
CONF
}

# start_client_cups : start the private scheduler (once) and wait until it answers.
start_client_cups() {
  local tool pid sock
  for tool in "${CUPS_TOOLS[@]}"; do
    command -v "$tool" >/dev/null || die "print-stuck needs '$tool' (apt: cups-daemon cups-client)"
  done
  sock=$(cups_socket)
  ((${#sock} <= 107)) || die "the CUPS socket path '$sock' is too long (set a shorter LAB_STATE)"
  pid=$(cat "$ST/pids/client-cups" 2>/dev/null || true)
  if [[ -n $pid ]] && is_lab_pid "$pid"; then
    return 0
  fi
  write_cups_conf
  start_bg client-cups "$C" cupsd -f -c "$ST/cups/etc/cupsd.conf" -s "$ST/cups/etc/cups-files.conf"
  for _ in $(seq 250); do
    # `lpstat -r` exits 0 either way: only its words tell whether the scheduler answers.
    if [[ $(in_ns "$C" lpstat -h "$sock" -r 2>/dev/null) == "scheduler is running" ]]; then
      return 0
    fi
    pid=$(cat "$ST/pids/client-cups")
    [[ -d /proc/$pid ]] || die "cupsd exited: $(tail -n 5 "$ST/log/client-cups.log" "$ST/log/cups-error.log" 2>/dev/null)"
    sleep 0.02
  done
  die "cupsd did not answer on $sock within 5 s: $(tail -n 5 "$ST/log/cups-error.log" 2>/dev/null)"
}

start_inet_http() {
  start_bg inet-http "$I" "$LABD_BIN" http --listen 203.0.113.10:80 --mode probe "$@"
}

# --- up ------------------------------------------------------------------------------------------

on_up_exit() {
  local rc=$?
  trap - EXIT
  if [[ $rc != 0 ]]; then
    cmd_down "$ID" >/dev/null 2>&1
  fi
  exit "$rc"
}

cmd_up() {
  names "$1"
  LABD_BIN=$(labd_path)
  for tool in ip nft dnsmasq wireguard-go wg ss setsid udhcpc; do
    command -v "$tool" >/dev/null || die "required tool '$tool' is not installed"
  done
  [[ $(id -u) == 0 ]] || die "the lab needs root (network namespaces)"
  mkdir -p "$LAB_ROOT"
  if ! mkdir "$ST" 2>/dev/null; then
    echo "lab.sh: lab $ID already exists ($ST)" >&2
    exit 3
  fi
  echo "${LAB_OWNER_PID:-$PPID}" >"$ST/owner"
  # From here on, any failure tears the half-built lab down again.
  trap on_up_exit EXIT
  mkdir -p "$ST/pids" "$ST/log" "$ST/run" "$ST/keys" "$ST/disk"
  echo "$LABD_BIN" >"$ST/labd"

  local ns
  for ns in "$C" "$R" "$I" "$K"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done

  # Links are created inside the router namespace and the peer moved straight into its own:
  # no lab interface name ever exists in the host namespace.
  ip -n "$R" link add lan0 type veth peer name eth0 netns "$C"
  ip -n "$R" link add wan0 type veth peer name eth0 netns "$I"
  ip -n "$R" link add corp0 type veth peer name eth0 netns "$K"

  # The client's address and default route come from DHCP (start_client_dhcp below).
  ip -n "$C" link set eth0 address "$CLIENT_MAC"
  ip -n "$R" addr add 198.51.100.1/24 dev lan0
  ip -n "$R" addr add 203.0.113.1/24 dev wan0
  ip -n "$R" addr add 198.18.0.1/30 dev corp0
  ip -n "$I" addr add 203.0.113.10/24 dev eth0
  ip -n "$K" addr add 198.18.0.2/30 dev eth0
  ip -n "$K" addr add 198.18.10.1/32 dev lo
  ip -n "$C" link set eth0 up
  ip -n "$I" link set eth0 up
  ip -n "$K" link set eth0 up
  for dev in lan0 wan0 corp0; do ip -n "$R" link set "$dev" up; done

  ip -n "$I" route add 198.51.100.0/24 via 203.0.113.1
  ip -n "$I" route add 198.18.0.0/30 via 203.0.113.1
  ip -n "$K" route add default via 198.18.0.1

  in_ns "$C" sysctl -q -w net.ipv4.ping_group_range="0 2147483647" \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  in_ns "$R" sysctl -q -w net.ipv4.ip_forward=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  in_ns "$K" sysctl -q -w net.ipv4.ping_group_range="0 2147483647" \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  in_ns "$I" sysctl -q -w net.ipv4.ping_group_range="0 2147483647"

  mkdir -p "/etc/netns/$C"
  echo "nameserver 127.0.0.1" >"/etc/netns/$C/resolv.conf"

  (umask 077 && wg genkey >"$ST/keys/client.key" && wg genkey >"$ST/keys/corp.key")
  wg pubkey <"$ST/keys/client.key" >"$ST/keys/client.pub"
  wg pubkey <"$ST/keys/corp.key" >"$ST/keys/corp.pub"

  write_udhcpc_script
  # Services, all started before any is waited for (DHCP first: the client waits on it).
  start_router_dhcp
  mkdir -p "$WG_RUN" "$ST/wg/client" "$ST/wg/corp"
  write_wg_quick_conf
  start_bg corp-wg "$K" "${WITH_WG_DIR[@]}" "$ST/wg/corp" \
    env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$WGS"
  start_bg client-wg "$C" "${WITH_WG_DIR[@]}" "$ST/wg/client" \
    env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$WGC"
  start_router_dns
  start_inet_http
  start_bg corp-dns "$K" dnsmasq "${DNSMASQ_COMMON[@]}" --log-queries \
    --pid-file="$ST/run/corp-dns.pid" --listen-address=198.18.10.1 \
    --address=/intranet.corp.example/198.18.10.1 --local=/corp.example/ --local=/#/
  start_bg corp-http "$K" "$LABD_BIN" http --listen 198.18.10.1:80 --mode intranet
  start_client_stub
  wait_listen "$R" u "0.0.0.0%lan0:67" router-dhcp
  start_client_dhcp

  mount -t tmpfs -o size=64m,mode=0755 deskside-lab-disk "$ST/disk"
  mkdir -p "$ST/disk/tmp"
  chmod 1777 "$ST/disk/tmp"

  # WireGuard: server in corp, client in client. No keepalive and no traffic here: the first
  # handshake is left to whoever sends the first packet (the engine's VPN check).
  wait_path "$ST/wg/corp/$WGS.sock" "corp WireGuard ($WGS)"
  wait_path "$ST/wg/client/$WGC.sock" "client WireGuard ($WGC)"
  in_ns "$K" "${WITH_WG_DIR[@]}" "$ST/wg/corp" \
    wg set "$WGS" listen-port 51820 private-key "$ST/keys/corp.key" \
    peer "$(cat "$ST/keys/client.pub")" allowed-ips 198.18.9.2/32
  ip -n "$K" addr add 198.18.9.1/24 dev "$WGS"
  ip -n "$K" link set "$WGS" up
  in_ns "$C" "${WITH_WG_DIR[@]}" "$ST/wg/client" \
    wg set "$WGC" private-key "$ST/keys/client.key" \
    peer "$(cat "$ST/keys/corp.pub")" endpoint 198.18.0.2:51820 \
    allowed-ips 198.18.9.0/24,198.18.10.0/24
  ip -n "$C" addr add 198.18.9.2/32 dev "$WGC"
  ip -n "$C" link set "$WGC" up
  ip -n "$C" route add 198.18.9.0/24 dev "$WGC"
  ip -n "$C" route add 198.18.10.0/24 dev "$WGC"

  wait_listen "$R" u 198.51.100.1:53 router-dns
  wait_listen "$I" t 203.0.113.10:80 inet-http
  wait_listen "$K" u 198.18.10.1:53 corp-dns
  wait_listen "$K" t 198.18.10.1:80 corp-http
  wait_listen "$C" u 127.0.0.1:53 client-stub
  wait_listen "$K" u 0.0.0.0:51820 corp-wg
  wait_lease
  pin_client_arp

  config_text >"$ST/config.toml"
  trap - EXIT
}

# --- down ----------------------------------------------------------------------------------------

cmd_down() {
  names "$1"
  set +e
  local pids=() pid ns f
  for ns in "$C" "$R" "$I" "$K"; do
    if [[ -e /run/netns/$ns ]]; then
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
    fi
  done
  for f in "$ST"/pids/*; do
    [[ -f $f ]] || continue
    pid=$(cat "$f" 2>/dev/null)
    is_lab_pid "$pid" && pids+=("$pid")
  done
  # Every lab service runs in a lab namespace (the private cupsd of print-stuck too), so this
  # list holds them all. SIGKILL straight away: wireguard-go takes ~1.5 s to exit on SIGTERM, and the lab removes
  # the sockets and namespaces such a process would otherwise have cleaned up itself.
  ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
  for _ in $(seq 150); do
    local alive=0
    for pid in "${pids[@]}"; do
      if [[ -d /proc/$pid ]] && [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]; then
        alive=1
        break
      fi
    done
    ((alive)) || break
    sleep 0.02
  done
  if [[ -d $ST/disk ]]; then
    while mountpoint -q "$ST/disk" 2>/dev/null; do
      umount -l "$ST/disk" 2>/dev/null || break
    done
  fi
  for ns in "$C" "$R" "$I" "$K"; do
    [[ -e /run/netns/$ns ]] && ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  # Sockets live in the state dir; global ones are removed only in case something left them.
  rm -f "$WG_RUN/$WGC.sock" "$WG_RUN/$WGS.sock"
  # Never recurse through a mount point: only remove the state dir once the tmpfs is gone.
  if ! mountpoint -q "$ST/disk" 2>/dev/null; then
    rm -rf "$ST"
  fi
  # The empty directories the lab may have created go with the last lab (other labs still
  # use them: /run/wireguard as a bind-mount point, /etc/netns for their resolv.conf).
  if rmdir "$LAB_ROOT" 2>/dev/null; then
    rmdir "$WG_RUN" /etc/netns 2>/dev/null
  fi
  return 0
}

# --- faults --------------------------------------------------------------------------------------

# Base nftables table in the router namespace; idempotent.
router_nft_base() {
  in_ns "$R" nft -f - <<'EOF'
table inet lab {
  chain input { type filter hook input priority 0; policy accept; }
  chain forward { type filter hook forward priority 0; policy accept; }
  chain output { type filter hook output priority 0; policy accept; }
}
EOF
}

router_nft_rule() {
  local chain=$1
  shift
  router_nft_base
  in_ns "$R" nft add rule inet lab "$chain" "$@"
}

cmd_fault() {
  names "$1"
  local fault=$2
  [[ -d $ST && -e /run/netns/$C ]] || die "lab $ID is not up"
  LABD_BIN=$(cat "$ST/labd")
  case $fault in
    link-down)
      ip -n "$C" link set eth0 down
      ;;
    no-carrier)
      ip -n "$R" link set lan0 down
      ;;
    no-address)
      pin_client_arp
      ip -n "$C" addr flush dev eth0
      ;;
    apipa)
      pin_client_arp
      ip -n "$C" addr flush dev eth0
      ip -n "$C" addr add 169.254.23.45/16 dev eth0
      ;;
    gateway-dead)
      # A dead router: nothing it receives on lan0 gets an answer, ARP included.
      in_ns "$R" nft -f - <<'EOF'
table netdev labgw {
  chain lan0_in { type filter hook ingress device "lan0" priority 0; policy drop; }
}
EOF
      router_nft_rule forward drop
      ;;
    wrong-gateway)
      ip -n "$C" route replace default via 198.51.100.99 dev eth0
      ;;
    dns-down)
      stop_svc router-dns
      ;;
    dns-blackhole)
      router_nft_rule input udp dport 53 drop
      router_nft_rule input tcp dport 53 drop
      ;;
    dns-nxdomain | dns-servfail)
      stop_svc router-dns
      stop_svc router-dns-fixed
      start_bg router-dns-fixed "$R" "$LABD_BIN" dns --listen 198.51.100.1:53 --rcode "${fault#dns-}"
      wait_listen "$R" u 198.51.100.1:53 router-dns-fixed
      ;;
    captive-portal)
      start_bg router-portal "$R" "$LABD_BIN" http --listen 198.51.100.1:8080 --mode portal
      wait_listen "$R" t 198.51.100.1:8080 router-portal
      in_ns "$R" nft -f - <<'EOF'
table ip labnat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "lan0" tcp dport 80 dnat to 198.51.100.1:8080
  }
}
EOF
      ;;
    internet-blocked)
      router_nft_rule forward oifname wan0 drop
      ;;
    loss)
      # ICMP only: TCP would retransmit, turning loss into a slow but passing web probe.
      router_nft_rule forward oifname wan0 meta l4proto icmp numgen random mod 100 '<' 50 drop
      ;;
    latency)
      start_bg router-delay "$R" "$LABD_BIN" delay --tun dly0 --ms 300
      wait_link "$R" dly0 router-delay
      ip -n "$R" link set dly0 up
      in_ns "$R" sysctl -q -w net.ipv4.conf.dly0.rp_filter=0 net.ipv4.conf.all.rp_filter=0
      ip -n "$R" rule add iif lan0 to 203.0.113.0/24 lookup 100
      ip -n "$R" route add default dev dly0 table 100
      ;;
    mtu-blackhole)
      ip -n "$R" link set wan0 mtu 1400
      ip -n "$I" link set eth0 mtu 1400
      router_nft_rule output icmp type destination-unreachable icmp code frag-needed drop
      ip -n "$C" route flush cache
      ;;
    clock-skew)
      stop_svc inet-http
      start_inet_http --date-skew-s 900
      wait_listen "$I" t 203.0.113.10:80 inet-http
      ;;
    vpn-down)
      ip -n "$C" link del "$WGC" 2>/dev/null || true
      stop_svc client-wg
      rm -f "$ST/wg/client/$WGC.sock"
      ;;
    vpn-peer-dead)
      router_nft_rule forward udp dport 51820 drop
      router_nft_rule forward udp sport 51820 drop
      ;;
    vpn-route-missing)
      ip -n "$C" route del 198.18.10.0/24 dev "$WGC"
      ;;
    split-dns-off)
      : >"$ST/run/stub-nosplit"
      stop_svc client-stub
      start_client_stub
      wait_listen "$C" u 127.0.0.1:53 client-stub
      ;;
    intranet-down)
      stop_svc corp-http
      ;;
    proxy-dead)
      # Nothing changes in the network: the test points http_proxy at
      # http://198.51.100.1:3128, where nothing listens (connection refused).
      ;;
    disk-full)
      local avail_kb
      avail_kb=$(df -Pk "$ST/disk" | awk 'NR==2 {print $4}')
      # Leave ~256 KiB of 64 MiB free: > 99 % used.
      fill_file "$ST/disk/ballast" $(((avail_kb - 256) * 1024))
      ;;
    inodes-exhausted)
      # Replace the disk with a tmpfs of few inodes and use them all up.
      while mountpoint -q "$ST/disk"; do umount -l "$ST/disk"; done
      mount -t tmpfs -o size=64m,nr_inodes=128,mode=0755 deskside-lab-disk "$ST/disk"
      mkdir -p "$ST/disk/tmp" "$ST/disk/inodes"
      chmod 1777 "$ST/disk/tmp"
      local n=0
      while { : >"$ST/disk/inodes/f$n"; } 2>/dev/null; do n=$((n + 1)); done
      ;;
    temp-large)
      # Files last modified 30 days ago: what a temp cleaner with an age limit may remove.
      local i
      for i in 1 2 3 4; do
        fill_file "$ST/disk/tmp/ballast-$i.bin" $((4 * 1024 * 1024))
        touch -d '30 days ago' "$ST/disk/tmp/ballast-$i.bin"
      done
      ;;
    dns-stale)
      # The client stub (now with a cache) asks the router while the router answers NXDOMAIN
      # for everything, and caches that for an hour; then the router's real DNS is back. Only
      # flushing the stub's cache (SIGHUP) makes the names resolve again.
      : >"$ST/run/stub-cache"
      stop_svc client-stub
      start_client_stub
      stop_svc router-dns
      stop_svc router-dns-fixed
      start_bg router-dns-fixed "$R" "$LABD_BIN" dns --listen 198.51.100.1:53 --rcode nxdomain
      wait_listen "$C" u 127.0.0.1:53 client-stub
      wait_listen "$R" u 198.51.100.1:53 router-dns-fixed
      local name answer
      for name in www.lab.test probe.lab.test; do
        answer=$(in_ns "$C" "$LABD_BIN" query "$name" --server 127.0.0.1 --timeout-ms 2000)
        [[ $answer == NXDOMAIN* ]] || die "dns-stale: the stub answered '$answer' for $name, not NXDOMAIN"
      done
      stop_svc router-dns-fixed
      start_router_dns
      wait_listen "$R" u 198.51.100.1:53 router-dns
      ;;
    no-default-route)
      ip -n "$C" route del default
      ;;
    print-stuck)
      # The private scheduler with a printer `lab` (to /dev/null) and three jobs on hold: they
      # wait forever, as stuck jobs do, until someone cancels them.
      start_client_cups
      local sock i
      sock=$(cups_socket)
      in_ns "$C" lpadmin -h "$sock" -p lab -E -v file:///dev/null
      for i in 1 2 3; do
        echo "Deskside lab print job $i" |
          in_ns "$C" lp -h "$sock" -d lab -H hold -t "lab job $i" >/dev/null
      done
      [[ $(in_ns "$C" lpstat -h "$sock" -o | grep -c '^lab-') -ge 3 ]] ||
        die "print-stuck: the jobs are not queued: $(in_ns "$C" lpstat -h "$sock" -o 2>&1)"
      ;;
    *)
      die "unknown fault '$fault' (known: ${FAULTS[*]})"
      ;;
  esac
}

# fill_file PATH BYTES : allocate real space (tmpfs supports fallocate; dd as a fallback).
fill_file() {
  local path=$1 bytes=$2
  ((bytes > 0)) || return 0
  fallocate -l "$bytes" "$path" 2>/dev/null ||
    head -c "$bytes" /dev/zero >"$path"
}

# --- config, exec, housekeeping ------------------------------------------------------------------

config_text() {
  cat <<EOF
# desksidectl config for Deskside network lab $ID: every endpoint is inside the lab.
[network]
probe_urls = ["http://probe.lab.test/generate_204"]
dns_names = ["www.lab.test"]

[vpn]
required = true
corporate_subnets = ["198.18.10.0/24"]
internal_names = ["intranet.corp.example"]
internal_urls = ["http://intranet.corp.example/"]
client = "wireguard"
connection = "$ST/wg/$WGC.conf"

[disk]
paths = ["$ST/disk"]
temp_paths = ["$ST/disk/tmp"]

[system]
uptime_warn_days = 14
EOF
}

cmd_config() {
  names "$1"
  [[ -d $ST ]] || die "lab $ID is not up"
  config_text
}

cmd_exec() {
  names "$1"
  shift
  [[ -e /run/netns/$C ]] || die "lab $ID is not up"
  (($#)) || die "exec needs a command"
  mkdir -p "$WG_RUN"
  exec ip netns exec "$C" "${WITH_WG_DIR[@]}" "$ST/wg/client" "$@"
}

cmd_exec_aged() {
  names "$1"
  shift
  [[ -e /run/netns/$C ]] || die "lab $ID is not up"
  (($#)) || die "exec-aged needs a command"
  mkdir -p "$WG_RUN"
  # A time namespace shifts CLOCK_BOOTTIME, which is what /proc/uptime reports.
  exec ip netns exec "$C" "${WITH_WG_DIR[@]}" "$ST/wg/client" \
    unshare --time --boottime "${LAB_BOOTTIME_OFFSET:-3000000}" "$@"
}

cmd_list() {
  local d
  for d in "$LAB_ROOT"/*/; do
    [[ -d $d ]] || continue
    echo "$(basename "$d") owner=$(cat "$d/owner" 2>/dev/null || echo '?')"
  done
}

cmd_cleanup_stale() {
  set +e
  local d id owner ns
  for d in "$LAB_ROOT"/*/; do
    [[ -d $d ]] || continue
    id=$(basename "$d")
    [[ $id =~ ^[0-9a-f]{4,5}$ ]] || continue
    owner=$(cat "$d/owner" 2>/dev/null)
    if [[ -z $owner ]]; then
      # Being created right now, or a crash before the owner was written: wait a minute.
      [[ -n $(find "$d" -maxdepth 0 -mmin +1) ]] || continue
    elif kill -0 "$owner" 2>/dev/null; then
      continue
    fi
    (cmd_down "$id")
  done
  # Namespaces of labs whose state dir is gone (older than a minute, so never one being built).
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns =~ ^dl([0-9a-f]{4,5})-(client|router|inet|corp)$ ]] || continue
    id=${BASH_REMATCH[1]}
    [[ -d $LAB_ROOT/$id ]] && continue
    [[ -n $(find "/run/netns/$ns" -maxdepth 0 -mmin +1 2>/dev/null) ]] || continue
    (cmd_down "$id")
  done
  return 0
}

main() {
  (($#)) || usage
  local cmd=$1
  shift
  case $cmd in
    up) (($# == 1)) || usage; cmd_up "$1" ;;
    down) (($# == 1)) || usage; cmd_down "$1" ;;
    fault) (($# == 2)) || usage; cmd_fault "$1" "$2" ;;
    exec) (($# >= 2)) || usage; cmd_exec "$@" ;;
    exec-aged) (($# >= 2)) || usage; cmd_exec_aged "$@" ;;
    config) (($# == 1)) || usage; cmd_config "$1" ;;
    list) cmd_list ;;
    faults) printf '%s\n' "${FAULTS[@]}" ;;
    cleanup-stale) cmd_cleanup_stale ;;
    -h | --help | help) usage ;;
    *) echo "lab.sh: unknown command '$cmd'" >&2; usage ;;
  esac
}

main "$@"
