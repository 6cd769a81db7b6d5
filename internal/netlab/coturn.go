package netlab

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// StartCoturn runs Debian's turnserver in ns on RelayAddr (UDP and TCP on
// RelayPort, no TLS) with TURN REST credentials (use-auth-secret), from a
// configuration file generated in dir so that the secret is not on its
// command line. It logs to stdout.
func StartCoturn(t testing.TB, ns *NS, dir, secret string) *Proc {
	t.Helper()
	conf := filepath.Join(dir, "turnserver.conf")
	lines := []string{
		"listening-ip=" + RelayAddr.String(),
		"relay-ip=" + RelayAddr.String(),
		"listening-port=3478",
		"min-port=49152",
		"max-port=65535",
		"realm=tandem",
		"use-auth-secret",
		"static-auth-secret=" + secret,
		// Relay only on the lab's wan, as a relay on the internet would: no
		// relaying into the private LANs (their addresses are unroutable
		// from the relay, and coturn's sends to them fail).
		"allowed-peer-ip=203.0.113.0-203.0.113.255",
		"denied-peer-ip=192.0.2.0-192.0.2.255",
		"denied-peer-ip=198.51.100.0-198.51.100.255",
		"fingerprint",
		"no-cli",
		"no-tls",
		"no-dtls",
		"no-multicast-peers",
		"pidfile=" + filepath.Join(dir, "turnserver.pid"),
		"userdb=" + filepath.Join(dir, "turndb"),
		"log-file=stdout",
		"simple-log",
		"verbose",
	}
	if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := ns.Start("coturn", "turnserver", "-c", conf)
	WaitTCP(t, ns, p, netip.AddrPortFrom(RelayAddr, RelayPort))
	return p
}
