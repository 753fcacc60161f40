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
apt-get install "${apt_opts[@]}" \
  build-essential pkg-config ca-certificates curl \
  iproute2 nftables dnsmasq-base wireguard-go wireguard-tools iputils-ping util-linux procps kmod

if ! command -v cargo >/dev/null 2>&1; then
  echo "bootstrap: cargo not found: install Rust (rustup) first" >&2
  exit 2
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
echo "bootstrap: done"
