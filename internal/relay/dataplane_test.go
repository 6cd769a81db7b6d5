package relay

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"
)

// These tests drive the relay at the byte level (rawClient) through the
// paths the data plane takes over from pion (dataplane_linux.go), and
// check that it relays exactly what pion's permissions and channels
// allow: both framings in both directions, nothing without a permission,
// nothing on an unbound or refused channel, nothing after expiry.

// peerSock is a UDP peer on a loopback address.
func peerSock(t *testing.T, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ownPeerSock is peerSock on the relay's own host (loopback, the only
// address a test without root has) made reachable through r as a live
// relayed socket is: these tests are about relaying, not the own-host
// rule (ownlive.go, TestOwnHostLivePorts).
func ownPeerSock(t *testing.T, r *Relay, ip string) *net.UDPConn {
	t.Helper()
	c := peerSock(t, ip)
	t.Cleanup(r.own.live.add(liveUDP, c.LocalAddr()))
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// peerReceives returns what the peer gets within wait, or nil.
func peerReceives(c *net.UDPConn, wait time.Duration) ([]byte, netip.AddrPort) {
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(wait))
	n, from, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return nil, from
	}
	return buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
}

// allowLoopback lets tests use loopback peers; 127.0.0.3 stays refused.
func allowLoopback(c *Config) {
	c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("127.0.0.2/32")}
}

const quiet = 300 * time.Millisecond // how long "nothing arrives" is watched

func TestDataPlaneChannels(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	c := newRawClient(t, r, "chan")
	peer := ownPeerSock(t, r, "127.0.0.1")
	if code := c.bind(0x4001, addrOf(peer)); code != 0 {
		t.Fatalf("ChannelBind: error %d", code)
	}
	c.sendChannel(0x4001, []byte("to peer"))
	got, from := peerReceives(peer, 2*time.Second)
	if string(got) != "to peer" || from != c.relayed {
		t.Fatalf("peer got %q from %v, want %q from the relayed address %v", got, from, "to peer", c.relayed)
	}
	if _, err := peer.WriteToUDPAddrPort([]byte("to client"), c.relayed); err != nil {
		t.Fatal(err)
	}
	num, _, payload, err := c.receive(2 * time.Second)
	if err != nil || num != 0x4001 || string(payload) != "to client" {
		t.Fatalf("client got channel %#x %q (%v), want 0x4001 %q", num, payload, err, "to client")
	}
	// An unbound channel relays nothing.
	c.sendChannel(0x4002, []byte("unbound"))
	if got, _ := peerReceives(peer, quiet); got != nil {
		t.Errorf("unbound channel relayed %q", got)
	}
	if got := metricSum(t, r, "tandem_turn_relayed_packets_total"); got < 2 {
		t.Errorf("relayed packets metric = %v, want >= 2", got)
	}
}

func TestDataPlaneIndications(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	c := newRawClient(t, r, "ind")
	peer := ownPeerSock(t, r, "127.0.0.1")
	stranger := ownPeerSock(t, r, "127.0.0.2") // allowed by policy, never permitted
	if code := c.permit(addrOf(peer)); code != 0 {
		t.Fatalf("CreatePermission: error %d", code)
	}
	c.sendIndication(addrOf(peer), []byte("send"))
	if got, from := peerReceives(peer, 2*time.Second); string(got) != "send" || from != c.relayed {
		t.Fatalf("peer got %q from %v, want %q from %v", got, from, "send", c.relayed)
	}
	peer.WriteToUDPAddrPort([]byte("data!"), c.relayed) // odd length: padded
	num, from, payload, err := c.receive(2 * time.Second)
	if err != nil || num != 0 || from != addrOf(peer) || string(payload) != "data!" {
		t.Fatalf("client got channel %#x from %v %q (%v), want a Data indication from %v", num, from, payload, err, addrOf(peer))
	}
	// No permission for 127.0.0.2: nothing either way.
	c.sendIndication(addrOf(stranger), []byte("no permission"))
	if got, _ := peerReceives(stranger, quiet); got != nil {
		t.Errorf("Send indication without permission relayed %q", got)
	}
	stranger.WriteToUDPAddrPort([]byte("unsolicited"), c.relayed)
	if _, _, got, err := c.receive(quiet); err == nil {
		t.Errorf("datagram from a peer without permission relayed: %q", got)
	}
}

// TestDataPlanePolicy: a channel the policy refused never relays, even
// when the client sends ChannelData on it anyway.
func TestDataPlanePolicy(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	c := newRawClient(t, r, "policy")
	refused := peerSock(t, "127.0.0.3")
	if code := c.bind(0x4003, addrOf(refused)); code != 403 {
		t.Fatalf("ChannelBind to 127.0.0.3: code %d, want 403", code)
	}
	if code := c.permit(addrOf(refused)); code != 403 {
		t.Fatalf("CreatePermission to 127.0.0.3: code %d, want 403", code)
	}
	c.sendChannel(0x4003, []byte("refused"))
	c.sendIndication(addrOf(refused), []byte("refused"))
	if got, _ := peerReceives(refused, quiet); got != nil {
		t.Errorf("refused peer got %q", got)
	}
}

// TestDataPlaneExpiry: when pion expires a permission and a channel, the
// data plane stops relaying on them.
func TestDataPlaneExpiry(t *testing.T) {
	const lifetime = 400 * time.Millisecond
	r := newTestRelay(t, func(c *Config) {
		allowLoopback(c)
		c.permissionTimeout, c.channelTimeout = lifetime, lifetime
	})
	c := newRawClient(t, r, "expiry")
	peer := ownPeerSock(t, r, "127.0.0.1")
	if code := c.bind(0x4004, addrOf(peer)); code != 0 {
		t.Fatalf("ChannelBind: error %d", code)
	}
	c.sendChannel(0x4004, []byte("before"))
	if got, _ := peerReceives(peer, 2*time.Second); !bytes.Equal(got, []byte("before")) {
		t.Fatalf("before expiry: peer got %q", got)
	}
	// Poll until relaying stops; it must within a few lifetimes.
	deadline := time.Now().Add(10 * lifetime)
	for {
		c.sendChannel(0x4004, []byte("after"))
		peer.WriteToUDPAddrPort([]byte("after"), c.relayed)
		got, _ := peerReceives(peer, 100*time.Millisecond)
		_, _, back, err := c.receive(100 * time.Millisecond)
		if got == nil && err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still relaying %v after the channel and permission expired (got %q, %q)", 10*lifetime, got, back)
		}
	}
}
