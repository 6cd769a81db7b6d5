package netlab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The standard lab's addresses (documentation ranges only).
var (
	SignalingAddr = netip.MustParseAddr("203.0.113.2")
	RelayAddr     = netip.MustParseAddr("203.0.113.3")
	ProxyAddr     = netip.MustParseAddr("203.0.113.4")
	PublicA       = netip.MustParseAddr("203.0.113.10")
	PublicB       = netip.MustParseAddr("203.0.113.20")
	LANA          = netip.MustParsePrefix("192.0.2.0/26")
	LANB          = netip.MustParsePrefix("198.51.100.0/26")

	// SignalingPort and RelayTLSPort are the standard ports a locked-down
	// network still lets through.
	SignalingPort = uint16(443)
	RelayTLSPort  = uint16(443)
	RelayPort     = uint16(3478)
	ProxyPort     = uint16(3128)
)

// RelayKind picks the TURN server a Deployment runs.
type RelayKind int

const (
	// OurRelay is Tandem's turnrelay: UDP and TCP on 3478, TLS on 443.
	OurRelay RelayKind = iota
	// Coturn is Debian's turnserver with use-auth-secret: UDP and TCP on
	// 3478, TLS on 443.
	Coturn
)

// Deployment is a signaling server and a relay running in their own
// namespaces on a Lab's wan, sharing one TURN REST secret.
type Deployment struct {
	Dir       string // scratch directory: secret, certificates, data
	SigNS     *NS
	RelayNS   *NS
	Sig       *Proc
	Relay     *Proc
	ServerURL string
	CA        string // bundle of the signaling and relay certificates
	// User and PasswordFile log the technician in (-user, -password-file)
	// as an operator with every function (see AddOperator).
	User, PasswordFile string
}

// Deploy starts the relay and the signaling server, waits until both
// accept connections, and returns what clients need.
func Deploy(t testing.TB, lab *Lab, bins Binaries, kind RelayKind) *Deployment {
	t.Helper()
	d := &Deployment{Dir: t.TempDir(), ServerURL: "https://" + SignalingAddr.String()}
	secretFile := filepath.Join(d.Dir, "turn-secret")
	secret := randomHex(t)
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	d.SigNS = lab.Server("sig", SignalingAddr)
	d.RelayNS = lab.Server("relay", RelayAddr)

	var cert string
	relayUDP := "turn:" + netip.AddrPortFrom(RelayAddr, RelayPort).String() + "?transport=udp"
	relayTLS := "turns:" + netip.AddrPortFrom(RelayAddr, RelayTLSPort).String() + "?transport=tcp"
	turnURLs := []string{relayUDP, relayTLS}
	switch kind {
	case OurRelay:
		d.Relay, cert = StartTURNRelay(t, d.RelayNS, bins["turnrelay"], d.Dir, secretFile)
	case Coturn:
		d.Relay, cert = StartCoturn(t, d.RelayNS, d.Dir, secret)
		// coturn's TCP port is the same as its UDP one; IT's firewall may
		// let TCP 3478 out where it blocks UDP.
		turnURLs = append(turnURLs, "turn:"+netip.AddrPortFrom(RelayAddr, RelayPort).String()+"?transport=tcp")
	}

	data := filepath.Join(d.Dir, "data")
	args := []string{"-relay=false",
		"-addr", netip.AddrPortFrom(SignalingAddr, SignalingPort).String(),
		"-public-url", d.ServerURL,
		"-turn-secret-file", secretFile,
		"-data", data}
	for _, u := range turnURLs {
		args = append(args, "-turn-url", u)
	}
	d.Sig = d.SigNS.Start("signaling", bins["signaling"], args...)
	WaitTCP(t, d.SigNS, d.Sig, netip.AddrPortFrom(SignalingAddr, SignalingPort))

	if _, err := os.Stat(filepath.Join(data, "cert.pem")); err != nil {
		t.Fatalf("netlab: signaling is listening but did not write cert.pem: %v\n%s", err, d.Sig.Output())
	}
	d.User, d.PasswordFile = AddOperator(t, bins["signaling"], data, d.Dir)
	d.CA = Bundle(t, filepath.Join(d.Dir, "ca.pem"), filepath.Join(data, "cert.pem"), cert)
	return d
}

// StartTURNRelay runs Tandem's turnrelay (bin) in ns on RelayAddr: UDP and
// TCP on RelayPort, TLS on RelayTLSPort with a certificate generated in dir
// (returned, for clients' CA bundles), allowing the lab's documentation
// ranges as peers.
func StartTURNRelay(t testing.TB, ns *NS, bin, dir, secretFile string) (p *Proc, certFile string) {
	t.Helper()
	cert, key := SelfSignedCert(t, dir, "relay", RelayAddr)
	p = ns.Start("turnrelay", bin,
		"-udp", netip.AddrPortFrom(RelayAddr, RelayPort).String(),
		"-tcp", netip.AddrPortFrom(RelayAddr, RelayPort).String(),
		"-tls", netip.AddrPortFrom(RelayAddr, RelayTLSPort).String(),
		"-cert", cert, "-key", key,
		"-realm", "tandem",
		"-public-ip", RelayAddr.String(),
		"-relay-ports", "49152-65535",
		"-secret-file", secretFile,
		"-allow-peers", "203.0.113.0/24,192.0.2.0/24,198.51.100.0/24",
		"-metrics", "127.0.0.1:9100")
	WaitTCP(t, ns, p, netip.AddrPortFrom(RelayAddr, RelayTLSPort))
	return p, cert
}

// WaitTCP waits until addr accepts TCP connections from inside ns, failing
// with p's output if it does not or p exits first.
func WaitTCP(t testing.TB, ns *NS, p *Proc, addr netip.AddrPort) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := ns.Try(ctx, "bash", "-c", fmt.Sprintf("exec 3<>/dev/tcp/%s/%d", addr.Addr(), addr.Port()))
		cancel()
		if err == nil {
			return
		}
		if p.Exited() || time.Now().After(deadline) {
			t.Fatalf("netlab: %s not accepting on %s (exit %d)\n%s", p.Name, addr, p.ExitCode(), p.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
