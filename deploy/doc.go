// Package deploy holds what installs Tandem's servers on a host: the
// systemd units of signaling and turnrelay (tandem-signaling.service,
// tandem-turnrelay.service), their environment files and the tandem
// system user's sysusers.d entry, which `make install` (scripts/install.sh)
// puts in place, and the drop-in that makes a signaling unit one node of
// several (tandem-signaling-cluster.conf, with cluster.env: its secrets as
// systemd credentials).
//
// It has no code of its own. Its tests check the units with
// systemd-analyze, the layout `make install DESTDIR=...` leaves, and the
// first hour on a fresh machine: that `make run` in a clean clone installs
// the Debian packages building needs (and no test-only one), builds and
// starts a server that answers /healthz.
package deploy
