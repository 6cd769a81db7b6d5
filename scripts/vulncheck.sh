#!/usr/bin/env bash
# vulncheck.sh — govulncheck against a local copy of the Go vulnerability
# database, so that `make test` needs no access to vuln.go.dev: fails when
# the code calls anything with a known vulnerability (in the standard
# library of the toolchain in force, or in a module in go.mod).
#
# The database is built from golang.org/x/vulndb as the Go module proxy
# serves it: its data/osv (one OSV JSON file per advisory) turned into
# govulncheck's format by its own cmd/indexdb. That happens once per vulndb
# version (about 15 s, 40 MB) and is kept, with both tools, under
# ${XDG_CACHE_HOME:-$HOME/.cache}/tandem/vulndb/, outside the repository.
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
indexdb=$cache/bin/indexdb-$VULNDB_VERSION
db=$cache/db-$VULNDB_VERSION
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

# build_db: the vulndb module's data/osv indexed into $db, once.
build_db() {
	[ -f "$db/index/db.json" ] && return
	echo "vulncheck: building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION"
	local src tmp
	src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$VULNDB_VERSION has no data/osv" >&2; exit 1; }
	tmp=$(mktemp -d "$cache/db.XXXXXX")
	"$indexdb" -vulns "$src/data/osv" -out "$tmp/db"
	mv -T "$tmp/db" "$db" 2>/dev/null || true # another run may have finished first
	rm -rf "$tmp"
}

install_tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" "$govulncheck"
install_tool golang.org/x/vulndb/cmd/indexdb "$VULNDB_VERSION" "$indexdb"
build_db

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
