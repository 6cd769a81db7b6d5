package peer

import (
	"crypto/tls"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// TestRelayUDPHeadStart relays relay-only links through one loopback relay
// that serves TURN over UDP and over TLS, both URLs given. With UDP open the
// links settle on UDP and never open a TLS connection to the relay; with
// the UDP port silent they connect over TLS after the head start.
func TestRelayUDPHeadStart(t *testing.T) {
	ca, cert := privateCA(t)
	for _, tc := range []struct {
		name      string
		udpSilent bool
		protocol  string
	}{
		{"udp open", false, "udp"},
		{"udp silent", true, "tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			ctx := testContext(t, 30*time.Second)
			r := startDualRelay(t, cert)
			udpAddr := r.udp
			if tc.udpSilent {
				// Bound and never read: TURN requests vanish, as
				// behind a firewall that drops UDP.
				silent := must(net.ListenPacket("udp4", "127.0.0.1:0"))(t)
				t.Cleanup(func() { _ = silent.Close() })
				udpAddr = silent.LocalAddr().String()
			}
			cred := must(issueCred())(t)
			cfg := Config{
				RelayOnly: true,
				RootCAs:   ca,
				ICEServers: []webrtc.ICEServer{{
					URLs:     []string{"turn:" + udpAddr + "?transport=udp", "turns:" + r.tls + "?transport=tcp"},
					Username: cred.Username, Credential: cred.Password,
				}},
			}
			p := newPair(t, cfg, cfg, nil)
			po, pa := p.connect(ctx, t)
			t.Logf("offerer %s; answerer %s; %d TLS connections to the relay", po, pa, r.tlsConns.Load())
			for _, path := range []Path{po, pa} {
				if path.Local != "relay" || path.Protocol != tc.protocol {
					t.Errorf("path %s, want relayed over %s", path, tc.protocol)
				}
			}
			if n := r.tlsConns.Load(); !tc.udpSilent && n != 0 {
				t.Errorf("%d TLS connections to the relay although it answered over UDP", n)
			}
			roundTrip(ctx, t, p.off, p.ans)
		})
	}
}

type dualRelay struct {
	udp, tls string
	tlsConns atomic.Int32
}

// startDualRelay runs pion/turn on 127.0.0.1 over UDP and over TLS, and
// counts the TLS connections it accepts.
func startDualRelay(t testing.TB, cert tls.Certificate) *dualRelay {
	t.Helper()
	r := &dualRelay{}
	pc := must(net.ListenPacket("udp4", "127.0.0.1:0"))(t)
	ln := must(tls.Listen("tcp4", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))(t)
	r.udp, r.tls = pc.LocalAddr().String(), ln.Addr().String()
	gen := &turn.RelayAddressGeneratorStatic{RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"}
	allow := func(net.Addr, net.IP) bool { return true } // test relay: peers are on loopback
	srv := must(turn.NewServer(turn.ServerConfig{
		Realm:             realm,
		LoggerFactory:     vnetLogs,
		AuthHandler:       restAuth,
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: pc, RelayAddressGenerator: gen, PermissionHandler: allow}},
		ListenerConfigs:   []turn.ListenerConfig{{Listener: countAccepts{ln, &r.tlsConns}, RelayAddressGenerator: gen, PermissionHandler: allow}},
	}))(t)
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

type countAccepts struct {
	net.Listener
	n *atomic.Int32
}

func (l countAccepts) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}
