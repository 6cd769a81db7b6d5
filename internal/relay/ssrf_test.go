package relay

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// ssrfPeers are the peers an attacker with a valid credential would try.
var ssrfPeers = []string{
	"127.0.0.1", "0.0.0.0", "::1", "::ffff:127.0.0.1",
	"169.254.169.254", "10.0.0.1", "64:ff9b::a00:1",
}

// TestSSRFRefused allocates over UDP and TCP and asks for a permission, a
// channel and (TCP allocations, RFC 6062, turned on) a connection to each
// internal address; every one must come back 403 Forbidden.
func TestSSRFRefused(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			r := newTestRelay(t, func(c *Config) { c.TCPAllocations = true })
			cred := issue(t, "ssrf")
			server := r.Addrs().UDP
			if transport == "tcp" {
				server = r.Addrs().TCP
			}
			// pion checks the peer's family against the allocation's
			// before asking the PermissionHandler, so IPv6 peers are
			// tried from an IPv6 allocation.
			clients := map[bool]*turn.Client{}
			for _, v6 := range []bool{false, true} {
				o := clientOpts{transport: transport, family: turn.RequestedAddressFamilyIPv4}
				if v6 {
					o.family = turn.RequestedAddressFamilyIPv6
				}
				c := dial(t, r, cred.Username, cred.Password, o)
				if _, err := c.Allocate(); err != nil {
					t.Fatalf("allocate (v6=%v): %v", v6, err)
				}
				clients[v6] = c
			}
			for i, p := range ssrfPeers {
				ip := net.ParseIP(p)
				c := clients[ip.To4() == nil]
				peer := &stun.XORMappedAddress{IP: ip, Port: 9}
				m := request(t, c, server, cred.Username, cred.Password, stun.MethodCreatePermission, peerAttr(peer))
				if code := errorCode(t, m); code != stun.CodeForbidden {
					t.Errorf("CreatePermission %s: code %d, want 403", p, code)
				}
				ch := stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{0x40, byte(i), 0, 0}}
				m = request(t, c, server, cred.Username, cred.Password, stun.MethodChannelBind, ch, peerAttr(peer))
				if code := errorCode(t, m); code != stun.CodeForbidden {
					t.Errorf("ChannelBind %s: code %d, want 403", p, code)
				}
			}
			if transport == "tcp" {
				testConnectRefused(t, r, cred.Username, cred.Password)
			}
			if got := metricSum(t, r, "tandem_turn_permission_refusals_total"); got < float64(2*len(ssrfPeers)) {
				t.Errorf("permission refusals metric = %v, want >= %d", got, 2*len(ssrfPeers))
			}
		})
	}
}

// testConnectRefused makes a TCP allocation and asks to Connect to each
// internal peer.
func testConnectRefused(t *testing.T, r *Relay, user, pass string) {
	t.Helper()
	c := dial(t, r, user, pass, clientOpts{transport: "tcp"})
	if _, err := c.AllocateTCP(); err != nil {
		t.Fatalf("allocate tcp: %v", err)
	}
	for _, p := range ssrfPeers {
		peer := &stun.XORMappedAddress{IP: net.ParseIP(p), Port: 80}
		m := request(t, c, r.Addrs().TCP, user, pass, stun.MethodConnect, peerAttr(peer))
		if code := errorCode(t, m); code != stun.CodeForbidden {
			t.Errorf("Connect %s: code %d, want 403", p, code)
		}
	}
}

// TestAllowPeersRelays is the positive control for TestSSRFRefused: with
// 127.0.0.1/32 allowed, a datagram goes through the relay to a loopback
// echo server and comes back, while 10.0.0.1 is still refused.
func TestAllowPeersRelays(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			r := newTestRelay(t, func(c *Config) {
				c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
			})
			cred := issue(t, "allow")
			c := dial(t, r, cred.Username, cred.Password, clientOpts{transport: transport})
			relayed, err := c.Allocate()
			if err != nil {
				t.Fatal(err)
			}
			echo := startEcho(t, r)
			roundTrip(t, relayed, echo)
			if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 9}); err == nil {
				t.Error("permission to 10.0.0.1 granted with only 127.0.0.1/32 allowed")
			}
		})
	}
}

// roundTrip sends through the relayed conn to echo until a reply comes
// back; the first datagrams can race the permission being installed.
func roundTrip(t *testing.T, relayed net.PacketConn, echo net.Addr) {
	t.Helper()
	want := []byte("through the relay")
	buf := make([]byte, 1500)
	for try := 0; try < 20; try++ {
		if _, err := relayed.WriteTo(want, echo); err != nil {
			t.Fatalf("write via relay: %v", err)
		}
		relayed.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		n, from, err := relayed.ReadFrom(buf)
		if err != nil {
			continue
		}
		if !bytes.Equal(buf[:n], want) || from.String() != echo.String() {
			t.Fatalf("got %q from %v, want %q from %v", buf[:n], from, want, echo)
		}
		return
	}
	t.Fatal("no reply through the relay")
}

// startEcho runs a UDP echo server on loopback until the test ends,
// reachable through r as ownPeerSock is.
func startEcho(t *testing.T, r *Relay) net.Addr {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.own.live.add(liveUDP, pc.LocalAddr()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr()
}

// peerAttr sets XOR-PEER-ADDRESS.
type peerAttrSetter struct{ a *stun.XORMappedAddress }

func peerAttr(a *stun.XORMappedAddress) stun.Setter { return peerAttrSetter{a} }

func (p peerAttrSetter) AddTo(m *stun.Message) error {
	return p.a.AddToAs(m, stun.AttrXORPeerAddress)
}
