package auth

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestPendingFloodFromFewAggregates: a flood from many sources holding one
// pending login each - /64s in nine IPv6 /48s (free from tunnel brokers),
// or IPv4 addresses in eighty /24s - fills the real 10 000-entry table;
// an operator starts a login from elsewhere, and the flood goes on for
// 10 000 more starts, each from a fresh source. With every source holding
// one, the table evicts from the aggregate holding the most, so the
// operator's entry survives. (With the oldest entry overall evicted
// instead, the 10 000th further start removes it.)
func TestPendingFloodFromFewAggregates(t *testing.T) {
	for _, tc := range []struct {
		name     string
		flood    func(i int) string
		operator string
	}{
		{"nine IPv6 /48s", func(i int) string { return fmt.Sprintf("2001:db8:%x:%x::1", 0xa0+i%9, i/9) }, "2001:db8:ffff:1::7"},
		{"IPv4 /24s", func(i int) string { return fmt.Sprintf("198.18.%d.%d", i/250, i%250+1) }, "192.0.2.7"},
		{"IPv6 operator, IPv4 flood", func(i int) string { return fmt.Sprintf("198.18.%d.%d", i/250, i%250+1) }, "2001:db8:ffff:1::7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := newPendingTable(maxPending, maxPendingSource, pendingTTL)
			now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			start := func(src string) string {
				now = now.Add(time.Millisecond) // 20 001 starts: 20 s, inside the TTL
				return tab.add(&pendingLogin{src: netip.MustParseAddr(src)}, now)
			}
			next := 0
			for range maxPending {
				start(tc.flood(next))
				next++
			}
			if len(tab.byID) != maxPending || len(tab.sources.groups) != maxPending {
				t.Fatalf("the flood holds %d entries from %d sources, want the table full, one each", len(tab.byID), len(tab.sources.groups))
			}
			op := start(tc.operator)
			for range maxPending {
				start(tc.flood(next))
				next++
			}
			if tab.take(op, now) == nil {
				t.Fatalf("the operator's pending login was evicted by %d starts from sources holding one each", maxPending)
			}
		})
	}
}

// TestPendingEvictsLargestAggregate: with every source holding one, the
// oldest entry of the aggregate holding the most goes, even when it is not
// the oldest overall; with every aggregate holding one, the oldest overall.
func TestPendingEvictsLargestAggregate(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tab := newPendingTable(4, 4, 30*time.Second)
	add := func(src string, at int) string {
		return tab.add(&pendingLogin{src: netip.MustParseAddr(src)}, t0.Add(time.Duration(at)*time.Second))
	}
	quiet := add("192.0.2.1", 0)
	net1 := add("203.0.113.1", 1)
	add("203.0.113.2", 2)
	add("2001:db8:1:1::1", 3)
	add("2001:db8:2:1::1", 4) // full: 203.0.113.0/24 holds the most
	if tab.byID[net1] != nil || tab.byID[quiet] == nil {
		t.Fatal("with every source holding one, the largest aggregate's oldest did not go")
	}
	tab = newPendingTable(2, 4, 30*time.Second)
	oldest := add("192.0.2.1", 0)
	add("2001:db8:1:1::1", 1)
	add("203.0.113.1", 2)
	if tab.byID[oldest] != nil || len(tab.byID) != 2 {
		t.Fatal("with every aggregate holding one, the oldest entry overall did not go")
	}
}
