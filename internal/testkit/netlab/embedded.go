package netlab

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// DeployEmbedded starts the signaling server with its embedded relay in one
// namespace on SignalingAddr, as a single-machine install runs it: TURN over
// UDP and TCP on RelayPort, no TLS relay, the relay's URLs derived from
// -public-url, the lab's documentation ranges allowed as peers. The
// Deployment's RelayNS is the signaling server's, and Relay is nil: the
// signaling process is the relay.
func DeployEmbedded(t testing.TB, lab *Lab, bins Binaries) *Deployment {
	t.Helper()
	d := &Deployment{Dir: t.TempDir(), ServerURL: "https://" + SignalingAddr.String()}
	d.SigNS = lab.Server("sig", SignalingAddr)
	d.RelayNS = d.SigNS
	data := filepath.Join(d.Dir, "data")
	relayAddr := netip.AddrPortFrom(SignalingAddr, RelayPort).String()
	d.Sig = d.SigNS.Start("signaling", bins["signaling"],
		"-addr", netip.AddrPortFrom(SignalingAddr, SignalingPort).String(),
		"-public-url", d.ServerURL,
		"-relay-udp", relayAddr, "-relay-tcp", relayAddr,
		"-relay-allow-peers", "203.0.113.0/24,192.0.2.0/24,198.51.100.0/24",
		"-data", data)
	WaitTCP(t, d.SigNS, d.Sig, netip.AddrPortFrom(SignalingAddr, SignalingPort))
	if _, err := os.Stat(filepath.Join(data, "cert.pem")); err != nil {
		t.Fatalf("netlab: signaling is listening but did not write cert.pem: %v\n%s", err, d.Sig.Output())
	}
	d.User, d.PasswordFile = AddOperator(t, bins["signaling"], data, d.Dir)
	d.CA = Bundle(t, filepath.Join(d.Dir, "ca.pem"), filepath.Join(data, "cert.pem"))
	return d
}
