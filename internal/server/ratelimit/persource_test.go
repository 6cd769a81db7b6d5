package ratelimit

import (
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// spend takes every attempt addr has at now and says how many it got.
func spend(l *PerSource, addr string, now time.Time) int {
	n := 0
	for l.Allow(netip.MustParseAddr(addr), now) {
		n++
	}
	return n
}

// TestSources: a source is an IPv4 address (mapped or not) or an IPv6
// /64; each has its own burst, and a second address of one source finds
// it spent.
func TestSources(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"IPv4 address", "192.0.2.7", "192.0.2.7", true},
		{"IPv4 neighbours", "192.0.2.7", "192.0.2.8", false},
		{"IPv4-mapped IPv6", "::ffff:192.0.2.7", "192.0.2.7", true},
		{"one /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true},
		{"two /64s", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"zone dropped", "fe80::1%eth0", "fe80::2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewPerSource(time.Minute, 3)
			if n := spend(l, tc.a, t0); n != 3 {
				t.Fatalf("%s got %d attempts, want its burst of 3", tc.a, n)
			}
			want := 3
			if tc.same {
				want = 0
			}
			if n := spend(l, tc.b, t0); n != want {
				t.Errorf("after %s spent its burst, %s got %d attempts, want %d", tc.a, tc.b, n, want)
			}
		})
	}
}

// TestBlockedCountsNothing: Blocked only looks; Allow on failure counts.
func TestBlockedCountsNothing(t *testing.T) {
	l := NewPerSource(time.Minute, 2)
	a := netip.MustParseAddr("198.51.100.4")
	for range 10 {
		if l.Blocked(a, t0) {
			t.Fatal("a source that failed nothing is blocked")
		}
	}
	l.Allow(a, t0)
	l.Allow(a, t0)
	if !l.Blocked(a, t0) {
		t.Error("a source with its burst of failures spent is not blocked")
	}
}

// TestRefill: on an injected clock, a spent source gets one attempt back
// per every, Wait says how long until the next, and Sweep forgets only
// what is full again.
func TestRefill(t *testing.T) {
	l := NewPerSource(10*time.Second, 2)
	a := netip.MustParseAddr("2001:db8::1")
	spend(l, a.String(), t0)
	ok, wait := l.Wait(a, t0.Add(4*time.Second))
	if ok || wait != 6*time.Second {
		t.Fatalf("Wait 4 s after spending = %v, %v; want refused, 6s", ok, wait)
	}
	if ok, _ := l.Wait(a, t0.Add(10*time.Second)); !ok {
		t.Fatal("no attempt back after one refill time")
	}
	if l.Allow(a, t0.Add(10*time.Second)) {
		t.Fatal("more than one attempt back after one refill time")
	}
	l.Sweep(t0.Add(20 * time.Second)) // last seen at 10 s: not yet full
	if !l.Blocked(a, t0.Add(10*time.Second)) {
		t.Fatal("Sweep forgot a source that is still throttled")
	}
	l.Sweep(t0.Add(time.Minute))
	if n := len(l.limiters); n != 0 {
		t.Errorf("Sweep left %d idle sources", n)
	}
	if n := spend(l, a.String(), t0.Add(time.Minute)); n != 2 {
		t.Errorf("after its bucket refilled, the source got %d attempts, want 2", n)
	}
}

// TestThrottleCyclingSources replays the review's simulation: 2000 sources (IPv6
// /64s spread over 16 /48s) take turns guessing against a table of 1000
// entries, each until refused, for 50 rounds on a clock that moves a
// millisecond a round. Each source may guess its burst of 5, so all
// together at most 10 000 guesses get through, however the table is
// churned; before the fix, forgetting a throttled entry gave its source a
// fresh burst (156 900 in the review's run). A newcomer from a quiet
// network is still served.
func TestThrottleCyclingSources(t *testing.T) {
	now := t0
	th := NewPerSource(12*time.Second, 5)
	th.max = 1000
	const sources, rounds = 2000, 50
	src := func(i int) netip.Addr {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, byte(i % 16), byte(i >> 8), byte(i), 15: 1})
	}
	got := 0
	for range rounds {
		for i := range sources {
			for th.Allow(src(i), now) {
				got++
			}
		}
		now = now.Add(time.Millisecond)
	}
	// 50 ms of refill at one guess per 12 s is not one more guess.
	if limit := sources * 5; got > limit {
		t.Errorf("%d sources cycling through a table of %d got %d guesses through, want at most %d", sources, th.max, got, limit)
	}
	t.Logf("%d guesses in %d rounds", got, rounds)
	for _, quiet := range []string{"2001:db8:ffff:1::1", "192.0.2.1"} {
		if th.Blocked(netip.MustParseAddr(quiet), now) {
			t.Errorf("a newcomer from a quiet network (%s) is refused after the flood", quiet)
		}
	}
}

// TestThrottleBounded: a flood of fresh sources keeps the table at its
// bound, and evicts its own kind (nearly full buckets) before a source
// that has spent its burst, which stays throttled.
func TestThrottleBounded(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	th := NewPerSource(time.Minute, 5)
	th.max = evictSample // every eviction sees the whole table
	guesser := netip.MustParseAddr("192.0.2.66")
	for range 5 {
		th.Allow(guesser, now)
	}
	for i := range 5000 {
		fresh := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
		th.Allow(fresh, now)
		if n := len(th.limiters); n > th.max {
			t.Fatalf("after %d fresh sources the table holds %d, bound %d", i+1, n, th.max)
		}
	}
	if !th.Blocked(guesser, now) {
		t.Fatal("a flood of fresh sources evicted a throttled source's state")
	}
}
