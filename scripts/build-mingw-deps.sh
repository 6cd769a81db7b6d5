#!/usr/bin/env bash
# build-mingw-deps.sh — build libvpx and libyuv for Windows x86-64
# (x86_64-w64-mingw32) from Debian's own source packages, as static libraries
# for the Windows agent's cgo (internal/media/vpx).
#
#   build-mingw-deps.sh               build what is missing, print progress
#   build-mingw-deps.sh --print-env   the same, quietly, then print the cgo
#                                     environment to cross-build with:
#       eval "$(scripts/build-mingw-deps.sh --print-env)"
#       GOOS=windows GOARCH=amd64 go build ./...
#
# The sources are the versions of the installed libvpx-dev and libyuv-dev
# (so the Linux and Windows agents run the same codec code), fetched with
# `apt-get source` through an apt directory of this script's own: its own
# sources list (deb-src entries derived from the machine's Debian deb
# entries, or TANDEM_DEB_SRC="deb-src URI SUITE main" when given), lists and
# cache. The system's /etc/apt is read, never written.
#
# Everything lives under ${XDG_CACHE_HOME:-$HOME/.cache}/tandem/mingw/,
# outside the repository: <pkg>-<version>/ holds include/ and lib/ (6 MB
# for both), and a .stamp written last, so a second run does nothing (0.4 s
# here); apt/ holds the script's own apt lists; sources are deleted once built.
# A lock keeps two runs (make and a test) from building at once.
#
# Needs the `windows` package set: sudo scripts/install-deps.sh windows
# Measured on this shared 2-core machine: libvpx 220 s at -j2 (about 80 s
# when the machine is idle), libyuv 27 s, plus the download (5.5 MB).
set -euo pipefail

HOST=x86_64-w64-mingw32
cache=${XDG_CACHE_HOME:-${HOME:?}/.cache}/tandem/mingw
jobs=$(nproc 2>/dev/null || echo 2)
quiet=0

case "${1:-}" in
--print-env) quiet=1 ;;
"") ;;
*)
	echo "usage: $0 [--print-env]" >&2
	exit 2
	;;
esac

say() { [ "$quiet" -eq 1 ] || echo "build-mingw-deps: $*"; }
# say_err goes to stderr even in --print-env mode, where stdout is the env.
say_err() { echo "build-mingw-deps: $*" >&2; }
die() {
	say_err "$*"
	exit 1
}

# run CMD...: run a build step; in quiet mode its output goes to a log that
# is shown when the step fails.
run() {
	if [ "$quiet" -eq 0 ]; then
		"$@"
		return
	fi
	local log=$cache/last-step.log
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

check_tools() {
	local missing=()
	for t in "$HOST-gcc" "$HOST-g++" "$HOST-ar" nasm make dpkg-source apt-get dpkg-query; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		die "missing ${missing[*]}: run 'sudo scripts/install-deps.sh windows' (or 'make windows-deps' as root)"
	fi
}

# source_version PKG: the source package version of the installed binary
# package PKG (libvpx-dev -> libvpx's version).
source_version() {
	local v
	v=$(dpkg-query -W -f='${source:Version}' "$1" 2>/dev/null || true)
	[ -n "$v" ] || die "$1 is not installed, so there is no version to match: run 'sudo scripts/install-deps.sh build'"
	echo "$v"
}

# deb_src_entries prints deb822 stanzas of Types: deb-src for the machine's
# enabled Debian archives (those signed by Debian's archive keyring, or
# unsigned with "debian" in the URI): its .sources files and one-line lists.
deb_src_entries() {
	if [ -n "${TANDEM_DEB_SRC:-}" ]; then
		echo "$TANDEM_DEB_SRC"
		return
	fi
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
			/(^|\n)Enabled:[ \t]*no/ { next }
			/(^|\n)Types:[^\n]*deb/ && (/debian-archive-keyring/ || (!/Signed-By:/ && /URIs:[^\n]*debian/)) {
				gsub(/(^|\n)#[^\n]*/, "")
				sub(/Types:[^\n]*/, "Types: deb-src")
				print
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian.*\)/deb-src \1/p' "$f"
	done
}

# apt_own runs apt-get on this script's own apt directory.
apt_own() {
	local opts=(
		-o "Dir::Etc::SourceList=$cache/apt/sources.list"
		-o "Dir::Etc::SourceParts=$cache/apt/sources.list.d"
		-o "Dir::State::Lists=$cache/apt/lists"
		-o "Dir::Cache=$cache/apt/cache"
	)
	# As root apt downloads as _apt, which cannot enter a private $HOME.
	[ "$(id -u)" -ne 0 ] || opts+=(-o "APT::Sandbox::User=root")
	apt-get -q "${opts[@]}" "$@"
}

setup_apt() {
	mkdir -p "$cache/apt/sources.list.d" "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial"
	local entries
	entries=$(deb_src_entries)
	[ -n "$entries" ] || die "found no Debian deb entry in /etc/apt to derive a deb-src entry from: set TANDEM_DEB_SRC='deb-src URI SUITE main'"
	if grep -q '^Types:' <<<"$entries"; then
		: >"$cache/apt/sources.list"
		printf '%s\n' "$entries" >"$cache/apt/sources.list.d/debian-src.sources"
	else
		printf '%s\n' "$entries" >"$cache/apt/sources.list"
		rm -f "$cache/apt/sources.list.d/debian-src.sources"
	fi
	if [ -z "$(ls -A "$cache/apt/lists" | grep -v -e '^partial$' -e '^lock$')" ] || [ -n "${TANDEM_APT_UPDATE:-}" ]; then
		say "apt-get update (own lists under $cache/apt)"
		run apt_own update
	fi
}

# fetch_source PKG VERSION DIR: unpack Debian's source of PKG=VERSION (with
# Debian's patches applied) into DIR.
fetch_source() {
	local pkg=$1 ver=$2 dir=$3 work
	work=$(mktemp -d "$cache/src.XXXXXX")
	say "apt-get source $pkg=$ver"
	if ! (cd "$work" && run apt_own source "$pkg=$ver"); then
		# The lists may predate a security update: refresh once and retry.
		run apt_own update
		(cd "$work" && run apt_own source "$pkg=$ver") ||
			die "apt-get source $pkg=$ver failed: is a Debian mirror reachable (TANDEM_DEB_SRC sets the entry), and is $ver still in it (if not, upgrade the installed -dev package)?"
	fi
	local unpacked
	unpacked=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$unpacked" ] || die "apt-get source $pkg=$ver unpacked nothing in $work"
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	mv "$unpacked" "$dir"
	rm -rf "$work"
}

# build_libvpx VERSION PREFIX: static libvpx installed into PREFIX, with
# the features of Debian's own build (debian/rules: postproc, denoisers,
# VP9 high bit depth), so the Windows agent encodes like the Linux one; nasm
# for the x86 assembly, the CPU's SIMD picked at run time.
build_libvpx() {
	local ver=$1 prefix=$2 src=$cache/build/libvpx-$1
	fetch_source libvpx "$ver" "$src"
	local obj=$src/mingw-build
	mkdir -p "$obj"
	say "configuring libvpx $ver for $HOST"
	(cd "$obj" && CROSS=$HOST- run ../configure \
		--target=x86_64-win64-gcc \
		--prefix="$prefix" \
		--as=nasm \
		--enable-static --disable-shared --enable-pic \
		--enable-vp8 --enable-vp9 \
		--enable-runtime-cpu-detect \
		--enable-postproc --enable-vp9-postproc \
		--enable-multi-res-encoding \
		--enable-temporal-denoising --enable-vp9-temporal-denoising \
		--enable-vp9-highbitdepth \
		--disable-examples --disable-tools --disable-docs \
		--disable-unit-tests --disable-install-bins --disable-install-srcs)
	say "building libvpx (make -j$jobs; a minute or two)"
	(cd "$obj" && run make -j"$jobs")
	(cd "$obj" && run make install)
}

# build_libyuv VERSION PREFIX: static libyuv from its linux.mk (no CMake,
# no JPEG), compiled with the mingw C++ compiler, installed into PREFIX.
build_libyuv() {
	local ver=$1 prefix=$2 src=$cache/build/libyuv-$1
	fetch_source libyuv "$ver" "$src"
	[ -f "$src/linux.mk" ] || die "libyuv $ver has no linux.mk: the build recipe needs updating"
	say "building libyuv $ver for $HOST"
	(cd "$src" && run make -f linux.mk -j"$jobs" \
		CC="$HOST-gcc" CXX="$HOST-g++" \
		CFLAGS="-O2 -fomit-frame-pointer -Iinclude" \
		CXXFLAGS="-O2 -fomit-frame-pointer -Iinclude" \
		libyuv.a)
	mkdir -p "$prefix/lib" "$prefix/include"
	cp "$src/libyuv.a" "$prefix/lib/"
	cp -r "$src/include/libyuv.h" "$src/include/libyuv" "$prefix/include/"
	"$HOST-ranlib" "$prefix/lib/libyuv.a"
}

# ensure PKG DEVPKG BUILDER: build PKG at DEVPKG's version unless its stamp
# says it is already there; sets prefix to where it is.
ensure() {
	local pkg=$1 ver
	ver=$(source_version "$2")
	prefix=$cache/$pkg-$ver
	if [ -f "$prefix/.stamp" ]; then
		say "$pkg $ver: cached in $prefix"
		return
	fi
	check_tools
	[ -n "${apt_ready:-}" ] || { setup_apt; apt_ready=1; }
	local start=$SECONDS
	rm -rf "$prefix"
	"$3" "$ver" "$prefix"
	echo "$pkg $ver built for $HOST in $((SECONDS - start)) s" >"$prefix/.stamp"
	rm -rf "$cache/build/$pkg-$ver" # the sources and objects (~50 MB)
	say "$pkg $ver: built in $((SECONDS - start)) s into $prefix"
}

# main is one function, so bash has read the whole file before it runs
# anything (an edit to the script during a long build cannot derail it).
main() {
	mkdir -p "$cache"
	exec 9>"$cache/lock"
	if command -v flock >/dev/null 2>&1; then
		flock 9
	fi
	rm -rf "$cache"/src.* # a run that was interrupted

	ensure libvpx libvpx-dev build_libvpx
	vpx_prefix=$prefix
	ensure libyuv libyuv-dev build_libyuv
	yuv_prefix=$prefix

	if [ "$quiet" -eq 1 ]; then
		echo "CC=$HOST-gcc"
		echo "CXX=$HOST-g++"
		echo "CGO_CFLAGS='-O2 -I$vpx_prefix/include -I$yuv_prefix/include'"
		echo "CGO_LDFLAGS='-L$vpx_prefix/lib -L$yuv_prefix/lib'"
		echo "export CC CXX CGO_CFLAGS CGO_LDFLAGS"
	else
		say "ready: libvpx in $vpx_prefix, libyuv in $yuv_prefix"
		say "cross-build with: eval \"\$(scripts/build-mingw-deps.sh --print-env)\"; GOOS=windows GOARCH=amd64 CGO_ENABLED=1 go build ..."
	fi
}

main
