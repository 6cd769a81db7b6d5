package netlab

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// StartCoturn runs Debian's turnserver in ns on RelayAddr, as IT would run
// it for Tandem: UDP and TCP on RelayPort, TLS on RelayTLSPort with a
// certificate generated in dir (returned, for clients' CA bundles), TURN
// REST credentials (use-auth-secret), from a configuration file generated
// in dir so that the secret is not on its command line. It logs verbosely
// to stdout.
func StartCoturn(t testing.TB, ns *NS, dir, secret string) (p *Proc, certFile string) {
	t.Helper()
	cert, key := SelfSignedCert(t, dir, "coturn", RelayAddr)
	conf := filepath.Join(dir, "turnserver.conf")
	lines := []string{
		"listening-ip=" + RelayAddr.String(),
		"relay-ip=" + RelayAddr.String(),
		"listening-port=3478",
		"tls-listening-port=443",
		"min-port=49152",
		"max-port=65535",
		"realm=tandem",
		"use-auth-secret",
		"static-auth-secret=" + secret,
		"cert=" + cert,
		"pkey=" + key,
		// Deny every range the relay host cannot send to (here the LANs:
		// the relay's namespace has no route to them). ICE pairs each relay
		// candidate with the other side's LAN addresses too; coturn grants
		// those permissions and channels, and its first failed sendto marks
		// the allocation's relay socket closed ("wrote to peer -1 bytes" for
		// every later packet, the relay-to-relay pair's included), so no
		// session would connect, over UDP, TCP or TLS. Denied, they get 403
		// and coturn never tries. README's coturn section says the same for
		// IT. The lab's "internet" is a documentation range: allowed.
		"allowed-peer-ip=203.0.113.0-203.0.113.255",
		"denied-peer-ip=192.0.2.0-192.0.2.255",
		"denied-peer-ip=198.51.100.0-198.51.100.255",
		// A hardening guide's list (Mozilla's "intermediate"): AES-128
		// first, so the suite coturn picks depends on what clients offer.
		"cipher-list=" + mozillaIntermediate,
		"fingerprint",
		"no-cli",
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
	p = ns.Start("coturn", "turnserver", "-c", conf)
	WaitTCP(t, ns, p, netip.AddrPortFrom(RelayAddr, RelayPort))
	WaitTCP(t, ns, p, netip.AddrPortFrom(RelayAddr, RelayTLSPort))
	return p, cert
}

// mozillaIntermediate is the TLS 1.2 cipher list of Mozilla's
// "intermediate" server configuration (version 5.7), in its order.
const mozillaIntermediate = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" +
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" +
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

// coturnCiphers returns the cipher and protocol version of every TLS
// allocation coturn logged ("session ...: new, ..., cipher=C, method=M",
// printed with verbose logging).
func coturnCiphers(p *Proc) [][2]string {
	var out [][2]string
	for _, m := range coturnCipherLine.FindAllStringSubmatch(p.Output(), -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

var coturnCipherLine = regexp.MustCompile(`: new, realm=.*, cipher=([^,\s]+), method=(\S+)`)
