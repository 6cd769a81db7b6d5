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
	libvpx-dev      # VP8/VP9, linked statically into the agent (libvpx.a)
	libyuv-dev      # colour conversion, linked statically (libyuv.a)
	pkg-config
	xvfb            # a real X server for capture, input and GUI tests
	xterm           # typing target in the input tests
	xdotool         # clicks and window queries in GUI tests
	x11-utils       # xwininfo, xprop
	x11-xserver-utils # xrandr, xsetroot
	libx11-dev libx11-xcb-dev libxkbcommon-x11-dev libgles2-mesa-dev libegl1-mesa-dev
	libwayland-dev libxcursor-dev libxfixes-dev libvulkan-dev libffi-dev # Gio's build deps
	libgl1-mesa-dri # Mesa rendering under Xvfb
	chromium        # the help page's browser tests (driven by playwright-core)
	fonts-dejavu-core # text in the page's screenshots
)

# node and npm run playwright-core; a machine with its own node (say, from
# NodeSource, whose nodejs ships npm) keeps it.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing+=("$p")
	fi
done

# keep_coturn_off makes sure the coturn package's service is neither running
# from this install nor enabled at boot (the package enables it). Cheap and
# idempotent, so it runs on every invocation where coturn is installed.
keep_coturn_off() {
	dpkg -s coturn >/dev/null 2>&1 || return 0
	if [ -e /etc/systemd/system/multi-user.target.wants/coturn.service ] && [ "$(id -u)" -eq 0 ]; then
		if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
			systemctl disable --now coturn >/dev/null 2>&1 || true
		elif command -v deb-systemd-helper >/dev/null 2>&1; then
			deb-systemd-helper disable coturn.service >/dev/null 2>&1 || true
		fi
		if command -v update-rc.d >/dev/null 2>&1; then
			update-rc.d coturn disable >/dev/null 2>&1 || true
		fi
		echo "install-deps: coturn service disabled (tests start their own turnserver)"
	fi
}

if [ ${#missing[@]} -eq 0 ]; then
	keep_coturn_off
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
before_pids=$(pgrep -x -u turnserver turnserver 2>/dev/null || true)
cleanup() {
	if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Belt and braces for coturn: stop any turnserver process this install
# started (never one that ran before), and disable the service.
if [[ " ${missing[*]} " == *" coturn "* ]]; then
	# The package runs its daemon as user turnserver; the lab runs its own as root.
	for pid in $(pgrep -x -u turnserver turnserver 2>/dev/null || true); do
		if ! grep -qx "$pid" <<<"$before_pids"; then
			kill "$pid" 2>/dev/null || true
		fi
	done
fi
keep_coturn_off
echo "install-deps: done"
