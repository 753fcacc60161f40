#!/usr/bin/env bash
# Install every system package Deskside's build, tests and network lab need on a fresh
# Debian/Ubuntu machine (run as root). Idempotent; safe to run again.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: run as root (it installs packages with apt-get)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends)
apt-get update -qq
# build: C toolchain for -sys crates; lab: namespaces, nftables, a real DNS server,
# userspace WireGuard, ping and unshare (time namespaces) for the uptime fault.
# Tauri (WebKitGTK; the WebDriver must match libwebkit2gtk exactly, so they install together),
# a headless X server and a session bus for the real-window tests.
apt-get install "${apt_opts[@]}" \
  build-essential pkg-config ca-certificates curl file \
  iproute2 nftables dnsmasq-base wireguard-go wireguard-tools iputils-ping util-linux procps kmod \
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev \
  xvfb xauth dbus-x11 webkit2gtk-driver

# One-click fixes (lab tests: DHCP client in the lab, resolver caches, ...).
# cups-*: the lab's private scheduler for print.clear_queue (a host cupsd it may start is never used).
fix_packages=(udhcpc libglib2.0-bin gsettings-desktop-schemas cups-daemon cups-client)
# Tickets: real helpdesks and an SMTP sink on loopback (see tests/helpdesk).
ticket_packages=(ruby-bundler ruby-webrick sqlite3 python3-venv)
# Passwords: real directories on loopback (see tests/directory), keyring backends.
password_packages=(samba samba-ad-dc samba-ad-provision winbind krb5-user slapd ldap-utils
  libfaketime faketime gnome-keyring libsecret-tools dbus keyutils libdbus-1-dev openssl)
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/directory/prepare.sh" preseed  # passwords: slapd/krb5 debconf
if [ "${#fix_packages[@]}" -gt 0 ] || [ "${#ticket_packages[@]}" -gt 0 ] || [ "${#password_packages[@]}" -gt 0 ]; then
  apt-get install "${apt_opts[@]}" "${fix_packages[@]}" "${ticket_packages[@]}" "${password_packages[@]}"
fi
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/directory/prepare.sh" stop-daemons  # passwords: free the directory ports

if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: cargo not found: install Rust (rustup) first" >&2
  exit 2
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# WebDriver bridge for the end-to-end tests of the real window.
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --locked --quiet
fi

# The web UI builds with Node >= 20 (Vite 7).
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "bootstrap: Node.js 20 or newer is required for the UI build (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
bash "$(dirname "${BASH_SOURCE[0]}")/../tests/helpdesk/install.sh"  # tickets: RT, Redmine, SMTP sink, Prism
echo "bootstrap: done"
