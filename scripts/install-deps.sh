#!/usr/bin/env bash
# install-deps.sh — install the Debian packages Tandem's tests need.
#
# Idempotent: every package is checked with `dpkg -s` first, so a machine that
# already has everything does no apt work at all. When something is missing it
# runs `apt-get update` once, then `apt-get install` for the missing packages
# only. Must run as root (or be a no-op) on Debian 12.
#
# Services shipped by these packages (coturn's turnserver) must not be left
# running or enabled: the tests start their own instances.
set -euo pipefail

# The one list of packages. Later issues append here (xvfb, …).
PACKAGES=(
	gcc             # cgo, the race detector
	make
	git
	iproute2        # ip netns, veth: the network lab
	iptables        # NAT in the network lab
	coturn          # turnserver (lab scenario c') and turnutils_uclient (relay bench)
	openssl
	ca-certificates
	procps          # ps, pgrep for the tests
)

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo $0) to install them" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"

# Keep package maintainer scripts from starting services: invoke-rc.d and
# deb-systemd-invoke both honour /usr/sbin/policy-rc.d exiting 101. Only
# install our own policy when none exists, and only remove the one we wrote.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
before_pids=$(pgrep -x turnserver || true)
cleanup() {
	if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Belt and braces for coturn: disable the unit where systemd runs, and stop
# any turnserver process this install started (never one that ran before).
if [[ " ${missing[*]} " == *" coturn "* ]]; then
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now coturn >/dev/null 2>&1 || true
	fi
	for pid in $(pgrep -x turnserver || true); do
		if ! grep -qx "$pid" <<<"$before_pids"; then
			kill "$pid" 2>/dev/null || true
		fi
	done
fi
echo "install-deps: done"
