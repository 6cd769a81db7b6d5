package peer

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
)

// TestDirectAfterRelayedStart: two peers behind cone NATs whose direct
// packets are dropped until both are connected through the relay; then the
// direct path opens. The offerer finds it by itself and both sides move
// onto it, the same link and channels carrying messages before and after.
func TestDirectAfterRelayedStart(t *testing.T) {
	checkLeaks(t)
	fastDirectRetry(t, 300*time.Millisecond)
	w := newWorld(t, worldSpec{nat0: portRestrict, nat1: portRestrict})
	blockDirect(w)
	ctx := testContext(t, 60*time.Second)
	a := Config{Net: w.net0, ICEServers: iceServers(t)}
	b := Config{Net: w.net1, ICEServers: iceServers(t)}
	p := newPair(t, a, b, nil)
	po, pa := p.connect(ctx, t)
	if po.Direct || pa.Direct {
		t.Fatalf("connected %s / %s with direct packets dropped", po, pa)
	}
	roundTrip(ctx, t, p.off, p.ans)
	control := p.ans.Channel(ChannelControl)

	w.drop.Store(nil)
	opened := time.Now()
	waitFor(ctx, t, "a direct path on both sides", func() bool {
		x, err1 := p.off.Path()
		y, err2 := p.ans.Path()
		return err1 == nil && err2 == nil && x.Direct && y.Direct
	})
	t.Logf("direct %v after the path opened, %d restarts", time.Since(opened).Round(time.Millisecond), p.off.restarts.Load())
	roundTrip(ctx, t, p.off, p.ans)
	if p.ans.Channel(ChannelControl) != control || p.off.Err() != nil || p.ans.Err() != nil {
		t.Fatalf("link replaced or ended: %v / %v", p.off.Err(), p.ans.Err())
	}
}

// TestRemoteOffersDirect: a link whose other side is relay-only sees no
// candidate a direct path could use, so it never looks for one; a link
// across cone NATs does.
func TestRemoteOffersDirect(t *testing.T) {
	for _, relayOnly := range []bool{true, false} {
		// A subtest each, so that the first link is closed before the
		// second's leak check runs (goleak counts any goroutine a live
		// link starts after the check's snapshot).
		t.Run(fmt.Sprintf("relay-only=%v", relayOnly), func(t *testing.T) {
			checkLeaks(t)
			w := newWorld(t, worldSpec{nat0: fullCone, nat1: fullCone})
			ctx := testContext(t, 30*time.Second)
			a := Config{Net: w.net0, ICEServers: iceServers(t)}
			b := Config{Net: w.net1, ICEServers: iceServers(t), RelayOnly: relayOnly}
			p := newPair(t, a, b, nil)
			p.connect(ctx, t)
			if got := p.off.remoteOffersDirect(); got == relayOnly {
				t.Errorf("other side relay-only %v: remoteOffersDirect = %v", relayOnly, got)
			}
		})
	}
}

func TestNextDirectWait(t *testing.T) {
	first, max := 5*time.Second, 5*time.Minute
	var got []time.Duration
	w := time.Duration(0)
	for range 7 {
		w = nextDirectWait(w, first, max)
		got = append(got, w)
	}
	want := []time.Duration{5 * time.Second, 15 * time.Second, 45 * time.Second, 135 * time.Second, max, max, max}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("waits %v, want %v", got, want)
		}
	}
}

// fastDirectRetry shortens the first wait before a relayed link looks for a
// direct path, for links created after it.
func fastDirectRetry(t *testing.T, d time.Duration) {
	old := directRetryFirst
	directRetryFirst = d
	t.Cleanup(func() { directRetryFirst = old })
}

// blockDirect drops every packet between the two NATs' public addresses,
// letting through what goes to or from the relay.
func blockDirect(w *world) {
	drop := func(c vnet.Chunk) bool {
		src, dst := chunkIP(c.SourceAddr()), chunkIP(c.DestinationAddr())
		return src != relayIP && dst != relayIP
	}
	w.drop.Store(&drop)
}

func chunkIP(a net.Addr) string {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.IP.String()
	}
	host, _, _ := net.SplitHostPort(a.String())
	return host
}
