//go:build linux

package relay

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/stun/v4"
)

// TestDataPlaneTracksPion checks the data plane's table against pion's
// allocation lifecycle: the allocation, its permission and channel appear
// as pion creates them, and all of it goes when the client releases the
// allocation (Refresh with lifetime 0).
func TestDataPlaneTracksPion(t *testing.T) {
	r := newTestRelay(t, allowLoopback)
	if r.dp == nil {
		t.Fatal("data plane off on the host network")
	}
	c := newRawClient(t, r, "track")
	peer := netip.MustParseAddrPort("127.0.0.1:40009") // in the tests' relay range
	t.Cleanup(r.own.live.add(liveUDP, net.UDPAddrFromAddrPort(peer)))
	if code := c.bind(0x4005, peer); code != 0 {
		t.Fatalf("ChannelBind: error %d", code)
	}
	client := addrOf(c.conn)
	a := lookup(r, client)
	if a == nil {
		t.Fatalf("no allocation for %v in the data plane", client)
	}
	r.dp.mu.Lock()
	num, bound := a.byPeer[peer]
	permitted := a.permits(peer.Addr())
	relayed := a.relay.relayAddr
	r.dp.mu.Unlock()
	if !bound || num != 0x4005 || !permitted || relayed != c.relayed {
		t.Fatalf("table: channel %#x bound=%v permitted=%v relayed %v; want 0x4005, true, true, %v",
			num, bound, permitted, relayed, c.relayed)
	}

	lifetime := stun.RawAttribute{Type: stun.AttrLifetime, Value: []byte{0, 0, 0, 0}}
	if code := errorCode(t, c.do(stun.MethodRefresh, lifetime)); code != 0 {
		t.Fatalf("Refresh 0: error %d", code)
	}
	if lookup(r, client) != nil {
		t.Error("released allocation still in the data plane")
	}
	r.dp.mu.Lock()
	defer r.dp.mu.Unlock()
	if _, ok := r.dp.byRelay[c.relayed]; ok {
		t.Error("released relayed socket still registered")
	}
}

func lookup(r *Relay, client netip.AddrPort) *alloc {
	r.dp.mu.Lock()
	defer r.dp.mu.Unlock()
	for _, l := range r.dp.listeners {
		if a := l.clients[client]; a != nil {
			return a
		}
	}
	return nil
}
