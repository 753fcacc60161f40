#!/usr/bin/env bash
# Install the test stack on top of scripts/bootstrap.sh (run as root; scripts/test.sh calls it):
# the network lab's tools, the tray app's WebKitGTK and its WebDriver, a headless X server,
# the fixes' lab packages, the real helpdesks (RT, Redmine, SMTP sink, Prism), PostgreSQL for the
# Deskside server's tests, and directories
# (Samba AD DC, OpenLDAP, Kerberos), rustfmt/clippy, tauri-driver, and a Node.js check.
# Idempotent and fast when everything is present: apt runs only for packages that are missing,
# and the helpdesk installer checks each of its steps.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap-tests: run as root (it installs packages with apt-get)" >&2
  exit 2
fi
here="$(dirname "${BASH_SOURCE[0]}")"

# build: the CLI's own build dependencies (scripts/bootstrap.sh), in case it was not run.
build_packages=(build-essential pkg-config libdbus-1-dev ca-certificates)
# lab: namespaces, nftables, a real DNS server, userspace WireGuard, ping and unshare (time
# namespaces) for the uptime fault.
lab_packages=(curl file iproute2 nftables dnsmasq-base wireguard-go wireguard-tools iputils-ping
  util-linux procps kmod)
# Tauri (WebKitGTK; the WebDriver must match libwebkit2gtk exactly, so they install together),
# a headless X server and a session bus for the real-window tests.
app_packages=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth dbus-x11 webkit2gtk-driver)
# One-click fixes (lab tests: DHCP client in the lab, resolver caches, ...).
# cups-*: the lab's private scheduler for print.clear_queue (a host cupsd it may start is never used).
fix_packages=(udhcpc libglib2.0-bin gsettings-desktop-schemas cups-daemon cups-client)
# Tickets: real helpdesks and an SMTP sink on loopback (see tests/helpdesk).
ticket_packages=(ruby-bundler ruby-webrick sqlite3 python3-venv)
# The Deskside server: a private PostgreSQL cluster per test (initdb into a temp dir, run as the
# package's postgres account; crates/deskside-server-core/src/testing.rs).
server_packages=(postgresql)
# Passwords: real directories on loopback (see tests/directory), keyring backends.
# libsasl2-modules-gssapi-mit: `password status` with only a Kerberos ticket (ldapsearch -Y GSSAPI).
password_packages=(samba samba-ad-dc samba-ad-provision winbind krb5-user slapd ldap-utils
  libsasl2-modules-gssapi-mit libfaketime faketime gnome-keyring libsecret-tools dbus keyutils libdbus-1-dev openssl)
# Policy templates: xmllint validates the generated ADMX/ADML (scripts/check-policy-templates.sh).
policy_packages=(libxml2-utils python3-venv)
# the password reset page and the fleet status page (deskside-server tests) in a real headless browser
web_packages=(chromium chromium-driver)

wanted=("${build_packages[@]}" "${lab_packages[@]}" "${app_packages[@]}" "${fix_packages[@]}"
  "${ticket_packages[@]}" "${server_packages[@]}" "${password_packages[@]}" "${policy_packages[@]}"
  "${web_packages[@]}")
# One dpkg-query for all (a package dpkg does not know is not listed, so it counts as missing).
present=$(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null |
  awk '$NF == "installed" && $(NF-1) == "ok" { print $1 }' || true)
missing=()
for p in "${wanted[@]}"; do
  grep -qxF "$p" <<<"$present" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap-tests: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  bash "$here/../tests/directory/prepare.sh" preseed  # passwords: slapd/krb5 debconf
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
  bash "$here/../tests/directory/prepare.sh" stop-daemons  # passwords: free the directory ports
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap-tests: cargo not found: install Rust (rustup) first" >&2
  exit 2
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi

# WebDriver bridge for the end-to-end tests of the real window.
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --locked --quiet
fi

# The web UI builds with Node >= 20 (Vite 7).
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "bootstrap-tests: Node.js 20 or newer is required for the UI build (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 2
fi
bash "$here/../tests/helpdesk/install.sh"  # tickets: RT, Redmine, SMTP sink, Prism
bash "$here/../crates/deskside-server/tests/install-schemathesis.sh"  # server: API fuzzing
bash "$here/install-check-jsonschema.sh"  # policy templates: Jamf schema meta-validation
echo "bootstrap-tests: done"
