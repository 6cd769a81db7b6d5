#!/usr/bin/env bash
# install-deps.sh — install the Debian packages Tandem needs, by purpose.
#
#   install-deps.sh build   what building the four binaries and `make run` need
#                           (cgo: gcc, libc headers, libvpx, libyuv, Gio's headers)
#   install-deps.sh test    the above plus the test stack (Xvfb, Chromium, coturn,
#                           the network lab's tools, node/npm); the default
#   install-deps.sh windows the mingw-w64 cross toolchain, nasm, wine64 and
#                           dpkg-dev (apt-get source) for the Windows agent:
#                           scripts/build-mingw-deps.sh, make windows-deps
#   install-deps.sh --list SET   print SET's packages, one a line, and exit
#
# Idempotent and fast: one dpkg-query call checks every package first, so a
# machine that already has them does no apt work at all. When something is
# missing it runs `apt-get update` once, then `apt-get install` for the
# missing packages only. Must run as root (or be a no-op) on Debian 12; where
# there is no dpkg-query (not Debian), it says so and installs nothing.
#
# Services shipped by these packages (coturn's turnserver) must not be left
# running or enabled: the tests start their own instances.
set -euo pipefail

# BUILD: what `go build` of agent, technician, signaling and turnrelay needs
# (make run, make build, make install). Nothing here is only for tests.
BUILD=(
	gcc             # cgo, the race detector
	libc6-dev       # libc headers for cgo (gcc only recommends it)
	make
	git             # go build stamps the commit (-buildvcs)
	ca-certificates # the Go module proxy and toolchain download over HTTPS
	pkg-config      # cgo's pkg-config lines (Gio)
	libvpx-dev      # VP8/VP9, linked statically into the agent (libvpx.a)
	libyuv-dev      # colour conversion, linked statically (libyuv.a)
	libx11-dev libx11-xcb-dev libxkbcommon-x11-dev libgles2-mesa-dev libegl1-mesa-dev
	libwayland-dev libxcursor-dev libxfixes-dev libvulkan-dev libffi-dev # Gio's build deps
)

# TEST: what the tests need beyond BUILD. Later issues append here.
TEST_ONLY=(
	iproute2        # ip netns, veth: the network lab
	iptables        # NAT in the network lab
	coturn          # turnserver (lab scenario c') and turnutils_uclient (relay bench)
	openssl
	procps          # ps, pgrep for the tests
	xvfb            # a real X server for capture, input and GUI tests
	xterm           # typing target in the input tests
	xdotool         # clicks and window queries in GUI tests
	x11-utils       # xwininfo, xprop
	x11-xserver-utils # xrandr, xsetroot
	libgl1-mesa-dri # Mesa rendering under Xvfb
	chromium        # the help page's browser tests (driven by playwright-core)
	fonts-dejavu-core # text in the page's screenshots
	systemd         # systemd-analyze checks deploy/'s units
	postgresql      # initdb, postgres: the store's throwaway test clusters (internal/server/store/pgtest)
)

# WINDOWS: cross-building the Windows agent (scripts/build-mingw-deps.sh
# builds libvpx and libyuv for mingw from Debian's source packages) and
# running its tests under Wine. Not part of build or test.
WINDOWS=(
	gcc-mingw-w64-x86-64      # x86_64-w64-mingw32-gcc: cgo for GOOS=windows
	g++-mingw-w64-x86-64-win32 # libyuv is C++
	binutils-mingw-w64-x86-64 # objdump -p: the .exe's imported DLLs
	nasm                      # libvpx's x86 assembly
	make
	dpkg-dev                  # apt-get source unpacks with dpkg-source
	xz-utils                  # the source packages' tarballs
	wine64                    # runs the cross-built programs in the tests
	xvfb                      # Wine's display in the tests
)

usage() {
	echo "usage: $0 [build|test|windows] | --list build|test|windows" >&2
	exit 2
}

# packages_of prints SET's packages, one a line.
packages_of() {
	case "$1" in
	build) printf '%s\n' "${BUILD[@]}" ;;
	test)
		printf '%s\n' "${BUILD[@]}" "${TEST_ONLY[@]}"
		# node and npm run playwright-core; a machine with its own node (say,
		# from NodeSource, whose nodejs ships npm) keeps it.
		command -v node >/dev/null 2>&1 || echo nodejs
		command -v npm >/dev/null 2>&1 || echo npm
		;;
	windows) printf '%s\n' "${WINDOWS[@]}" ;;
	*) usage ;;
	esac
}

set_name=test
case "${1:-}" in
--list) [ $# -eq 2 ] || usage; packages_of "$2"; exit 0 ;;
build | test | windows) set_name=$1 ;;
"") ;;
*) usage ;;
esac
mapfile -t PACKAGES < <(packages_of "$set_name")

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install-deps: no dpkg-query (not Debian): install the equivalents of these yourself: ${PACKAGES[*]}" >&2
	exit 0
fi

# missing_packages prints the packages of PACKAGES that are not installed,
# asking dpkg once for all of them (unknown names print nothing, so they
# count as missing).
missing_packages() {
	local installed
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$2 == "installed" { print $1 }' || true)
	for p in "${PACKAGES[@]}"; do
		grep -qxF "$p" <<<"$installed" || echo "$p"
	done
}

# keep_coturn_off makes sure the coturn package's service is neither running
# from this install nor enabled at boot (the package enables it). Cheap and
# idempotent, so it runs on every invocation where coturn is installed.
keep_coturn_off() {
	[ "$set_name" = test ] || return 0
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

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
	keep_coturn_off
	echo "install-deps: all ${#PACKAGES[@]} $set_name packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root (sudo $0 $set_name) to install them" >&2
	exit 1
fi

echo "install-deps: installing ($set_name) ${missing[*]}"

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
