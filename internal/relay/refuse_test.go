package relay

import (
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRefuse checks the allocation hook the signaling server's customer
// blocks use: a refused client address gets no allocation, over UDP and
// TCP, and lifting the block lets the same client allocate again.
func TestRefuse(t *testing.T) {
	var blocked atomic.Bool
	var asked atomic.Value
	r := newTestRelay(t, func(c *Config) {
		c.Refuse = func(a netip.Addr) bool { asked.Store(a); return blocked.Load() }
	})
	cred := issue(t, "s")
	for _, transport := range []string{"udp", "tcp"} {
		blocked.Store(true)
		_, err := dial(t, r, cred.Username, cred.Password, clientOpts{transport: transport}).Allocate()
		if err == nil || !strings.Contains(err.Error(), "486") {
			t.Fatalf("%s: allocation from a blocked client: err = %v, want 486", transport, err)
		}
		if got, _ := asked.Load().(netip.Addr); got != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("%s: Refuse asked about %v, want 127.0.0.1", transport, got)
		}
		blocked.Store(false)
		if _, err := dial(t, r, cred.Username, cred.Password, clientOpts{transport: transport}).Allocate(); err != nil {
			t.Fatalf("%s: allocation after unblocking: %v", transport, err)
		}
	}
	if got := metricSum(t, r, "tandem_turn_quota_refusals_total"); got != 2 {
		t.Errorf("refusals = %v, want 2", got)
	}
}
