#!/usr/bin/env bash
# vulncheck.sh — govulncheck against a local copy of the Go vulnerability
# database, so that `make test` needs no access to vuln.go.dev: fails when
# the code calls anything with a known vulnerability (in the standard
# library of the toolchain in force, or in a module in go.mod).
#
# The database is golang.org/x/vulndb as the Go module proxy serves it: its
# data/osv holds one OSV JSON file per advisory, and govulncheck reads such
# a folder directly (it builds the index in memory, a second or so). vulndb's
# own cmd/indexdb would write the indexed form, but building it compiles
# about 520 packages (cloud clients, go-git): minutes on a fresh machine for
# nothing govulncheck needs. Only govulncheck itself is built, once, and kept
# under ${XDG_CACHE_HOME:-$HOME/.cache}/tandem/vulndb/, outside the repository;
# the advisories sit in the module cache.
#
# Both are pinned so that a commit gives the same answer on every machine.
# The price: advisories published after VULNDB_VERSION are not seen until
# someone bumps it (README, "Known vulnerabilities"):
#   go list -m -json golang.org/x/vulndb@latest   # prints the newest version
# then set VULNDB_VERSION below to it, run `make vulncheck`, fix what it
# finds, commit. GOVULNCHECK_VERSION likewise (go list -m -versions
# golang.org/x/vuln).
#
# The toolchain is go.mod's (GOTOOLCHAIN=auto) unless GOTOOLCHAIN names one.
# Exit status: 0 clean, 1 reachable vulnerabilities or the check could not
# run. Usage: scripts/vulncheck.sh [packages]   (default ./...)
set -euo pipefail

GOVULNCHECK_VERSION=v1.10.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018

case ${GOTOOLCHAIN:-} in "" | local) export GOTOOLCHAIN=auto ;; esac
cd "$(dirname "$0")/.."
SECONDS=0
cache=${XDG_CACHE_HOME:-${HOME:?}/.cache}/tandem/vulndb
govulncheck=$cache/bin/govulncheck-$GOVULNCHECK_VERSION
mkdir -p "$cache/bin"

# install_tool PKG VERSION DEST: go install PKG@VERSION, renamed to DEST. The
# rename is atomic, so runs side by side never see half a file.
install_tool() {
	[ -x "$3" ] && return
	echo "vulncheck: installing $1@$2"
	local tmp
	tmp=$(mktemp -d "$cache/install.XXXXXX")
	GOBIN=$tmp go install "$1@$2"
	mv -f "$tmp/$(basename "$1")" "$3"
	rm -rf "$tmp"
}

# advisories: the vulndb module's data/osv folder (downloaded once into the
# module cache, checksummed by go.sum's database like any module).
advisories() {
	local src
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv" >&2; exit 1; }
	echo "$src/data/osv"
}

install_tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" "$govulncheck"
db=$(advisories)

what="govulncheck $GOVULNCHECK_VERSION, $(go env GOVERSION), vulndb $VULNDB_VERSION"
status=0
"$govulncheck" -db "file://$db" "${@:-./...}" || status=$?
case $status in
0) echo "vulncheck: no reachable vulnerability ($what) in ${SECONDS}s" ;;
3)
	echo "vulncheck: FAILED: the code calls the vulnerable symbols listed above ($what) in ${SECONDS}s." >&2
	echo "vulncheck: fix it: the standard library's by raising go.mod's go line to the fixed Go release" >&2
	echo "vulncheck: (GOTOOLCHAIN=auto fetches it), a module's with 'go get MODULE@FIXED && go mod tidy'." >&2
	exit 1
	;;
*)
	echo "vulncheck: govulncheck could not run (exit $status) after ${SECONDS}s: see above; packages using cgo" >&2
	echo "vulncheck: need the Debian packages of scripts/install-deps.sh (libvpx-dev, Gio's, ...)." >&2
	exit 1
	;;
esac
