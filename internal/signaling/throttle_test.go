package signaling

import (
	"net/netip"
	"testing"
	"time"
)

// TestThrottleCyclingSources replays the review's simulation: 2000
// sources (IPv6 /64s spread over 16 /48s) take turns guessing against a
// table of 1000 entries, each until refused, for 50 rounds on a clock
// that moves a millisecond a round. Each source may guess its burst of 5,
// so all together at most 10 000 guesses get through, however the table
// is churned; before the fix, forgetting a throttled entry gave its
// source a fresh burst (156 900 in the review's run). A newcomer from a
// quiet network is still served.
func TestThrottleCyclingSources(t *testing.T) {
	clk := &clock{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(12*time.Second, 5)
	th.max = 1000
	const sources, rounds = 2000, 50
	src := func(i int) netip.Addr {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i % 16), byte(i >> 8), byte(i), 15: 1})
	}
	got := 0
	for range rounds {
		for i := range sources {
			for th.allow(src(i), clk.Now()) {
				got++
			}
		}
		clk.add(time.Millisecond)
	}
	// 50 ms of refill at one guess per 12 s is not one more guess.
	if limit := sources * 5; got > limit {
		t.Errorf("%d sources cycling through a table of %d got %d guesses through, want at most %d", sources, th.max, got, limit)
	}
	t.Logf("%d guesses in %d rounds", got, rounds)
	for _, quiet := range []string{"2001:db8:ffff:1::1", "192.0.2.1"} {
		if th.blocked(netip.MustParseAddr(quiet), clk.Now()) {
			t.Errorf("a newcomer from a quiet network (%s) is refused after the flood", quiet)
		}
	}
}
