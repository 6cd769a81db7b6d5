#!/usr/bin/env bash
# install.sh — `make install`: put the built binaries, the systemd units of
# deploy/, their environment files and the tandem user's sysusers.d entry in
# place.
#
#   PREFIX      binaries in PREFIX/bin, the agent customers download in
#               PREFIX/lib/tandem/agent (default /usr/local)
#   SYSCONFDIR  environment files in SYSCONFDIR/tandem (default /etc)
#   UNITDIR     the units (default SYSCONFDIR/systemd/system)
#   SYSUSERSDIR the sysusers.d entry (default SYSCONFDIR/sysusers.d)
#   DESTDIR     stage everything under this folder; paths inside the units
#               and environment files stay those without it
#
# The units and environment files name /usr/local and /etc; those are
# rewritten to PREFIX and SYSCONFDIR. Environment files an administrator
# already has are kept (the new one lands beside it as FILE.new). Without
# DESTDIR, as root, it then creates the tandem user (systemd-sysusers) and
# reloads systemd where systemd runs.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-$SYSCONFDIR/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$SYSCONFDIR/sysusers.d}
DESTDIR=${DESTDIR:-}

# rewrite prints deploy file $1 with its paths moved to PREFIX and SYSCONFDIR.
rewrite() {
	sed -e "s|/usr/local/|$PREFIX/|g" -e "s|/etc/tandem/|$SYSCONFDIR/tandem/|g" "deploy/$1"
}

# put installs deploy file $1 (rewritten) as $2 with mode $3.
put() {
	local tmp
	tmp=$(mktemp)
	rewrite "$1" >"$tmp"
	install -D -m "$3" "$tmp" "$2"
	rm -f "$tmp"
}

for b in signaling turnrelay technician; do
	if [ -x "bin/$b" ]; then
		install -D -m 0755 "bin/$b" "$DESTDIR$PREFIX/bin/$b"
	fi
done
# Not on PATH: run without -keep, the agent deletes its own file at the end.
if [ -x bin/agent ]; then
	install -D -m 0755 bin/agent "$DESTDIR$PREFIX/lib/tandem/agent"
fi

for u in tandem-signaling.service tandem-turnrelay.service; do
	put "$u" "$DESTDIR$UNITDIR/$u" 0644
done
put tandem.sysusers "$DESTDIR$SYSUSERSDIR/tandem.conf" 0644
# Several nodes (README.md): the drop-in an administrator copies into
# UNITDIR/tandem-signaling.service.d/cluster.conf on each node; not active here.
put tandem-signaling-cluster.conf "$DESTDIR$PREFIX/share/tandem/tandem-signaling-cluster.conf" 0644

install -d -m 0755 "$DESTDIR$SYSCONFDIR/tandem"
for e in signaling.env turnrelay.env cluster.env; do
	dst=$DESTDIR$SYSCONFDIR/tandem/$e
	if [ -e "$dst" ]; then
		put "$e" "$dst.new" 0644
		echo "install: kept $dst (the shipped one is $dst.new)"
	else
		put "$e" "$dst" 0644
	fi
done

echo "install: binaries in $DESTDIR$PREFIX/bin, units in $DESTDIR$UNITDIR, flags in $DESTDIR$SYSCONFDIR/tandem"
[ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ] || exit 0
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$SYSUSERSDIR/tandem.conf"
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
fi
echo "install: next: systemctl enable --now tandem-signaling (see README.md, Installing as a service)"
