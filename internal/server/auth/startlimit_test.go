package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"github.com/tandem-remote/tandem/internal/wire/login"
)

// starter posts login starts (never finished) from any address, for a
// known or an unknown ID, over one channel-bound connection.
type starter struct {
	t     *testing.T
	e     *env
	c     *http.Client
	first map[string]string // client-first by ID
}

func newStarter(t *testing.T, e *env) *starter {
	t.Helper()
	c, cb, closeConn, err := pinnedClient(context.Background(), e.srv.Client(), e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeConn)
	s := &starter{t: t, e: e, c: c, first: map[string]string{}}
	for _, id := range []string{"op1", "nobody"} {
		sc, _ := scram.SHA256.NewClient(id, "whatever", "")
		s.first[id], _ = sc.NewConversationWithChannelBinding(cb).Step("")
	}
	return s
}

func (s *starter) start(from, id string) rawResponse {
	s.t.Helper()
	s.e.remote.Store(netip.AddrPortFrom(netip.MustParseAddr(from), 4000).String())
	return rawPost(s.t, s.c, s.e.srv.URL+"/v1/login/start", login.StartRequest{ID: id, ClientFirst: s.first[id]})
}

// startsAllowed starts logins from addrs in turn, alternating a known and
// an unknown ID, until one is refused, and returns how many were allowed
// and the refusal. It gives up (status 0) after limit starts.
func (s *starter) startsAllowed(addrs []string, limit int) (int, rawResponse) {
	s.t.Helper()
	for n := range limit {
		r := s.start(addrs[n%len(addrs)], []string{"op1", "nobody"}[n%2])
		if r.status != http.StatusOK {
			return n, r
		}
	}
	return limit, rawResponse{}
}

// TestLoginStartRateLimit: a source (an IPv4 address, an IPv6 /64) starts
// 30 logins at once, then one a second; an aggregate (an IPv4 /24, an
// IPv6 /48) 120 at once, then four a second. Beyond that a start gets 429
// with Retry-After and its own message, which the client reports as
// login.ErrTooManyStarts, not the failed-login throttle's; known and unknown IDs
// count alike and are refused with the same bytes. Time is the injected
// clock.
func TestLoginStartRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	e.addOperator("op1", goodPassword)
	s := newStarter(t, e)

	for _, tc := range []struct {
		name         string
		source       []string // addresses of one source
		sameNet      string   // another source in the same aggregate
		otherNet     string
		wantAllowed  int
		refill       time.Duration
		refillStarts int
	}{
		{"IPv4 address", []string{"192.0.2.10"}, "192.0.2.11", "198.51.100.10", startSourceBurst, time.Second, 1},
		{"IPv6 /64", []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"}, "2001:db8:1:3::1", "2001:db8:2:2::1", startSourceBurst, time.Second, 1},
		{"IPv4 /24", addrRange("203.0.113.%d", 40), "203.0.113.200", "198.51.100.20", startAggregateBurst, time.Second, 4},
		{"IPv6 /48", addrRange("2001:db8:30:%x::1", 40), "2001:db8:30:ffff::1", "2001:db8:31::1", startAggregateBurst, time.Second, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			before := e.countEvents(EventStartsLimited)
			n, refused := s.startsAllowed(tc.source, 1000)
			if n != tc.wantAllowed {
				t.Fatalf("%d starts allowed at once, want %d (then %d %s)", n, tc.wantAllowed, refused.status, refused.body)
			}
			wantTooManyStarts(t, refused)
			if tc.wantAllowed == startSourceBurst {
				if r := s.start(tc.sameNet, "op1"); r.status != http.StatusOK {
					t.Fatalf("another source in the same network was refused: %d %s", r.status, r.body)
				}
			} else if r := s.start(tc.sameNet, "op1"); r.status != http.StatusTooManyRequests {
				t.Fatalf("a fresh source in the flooded network got %d, want 429", r.status)
			}
			if r := s.start(tc.otherNet, "nobody"); r.status != http.StatusOK {
				t.Fatalf("a source in another network was refused: %d %s", r.status, r.body)
			}
			// Known and unknown IDs are refused with the same bytes.
			if a, b := s.start(tc.source[0], "op1"), s.start(tc.source[0], "nobody"); a.status != b.status || !bytes.Equal(a.body, b.body) || a.header.Get("Retry-After") != b.header.Get("Retry-After") {
				t.Fatalf("refusals differ by ID: %d %s / %d %s", a.status, a.body, b.status, b.body)
			}
			if n := e.countEvents(EventStartsLimited) - before; n != 1 {
				t.Fatalf("%d starts-limited events for one run of refusals, want 1", n)
			}
			e.clock.Add(tc.refill)
			if n, _ := s.startsAllowed(tc.source, 1000); n != tc.refillStarts {
				t.Fatalf("%v later, %d starts allowed, want %d", tc.refill, n, tc.refillStarts)
			}
			if n := e.countEvents(EventStartsLimited) - before; n != 1 {
				t.Fatalf("%d starts-limited events for a flood that went on after a refill, want 1", n)
			}
			e.clock.Add(time.Minute) // full again, for the next case's other sources
		})
	}

	// The client says what happened.
	s.t = t
	s.startsAllowed([]string{"127.0.0.1"}, 1000)
	e.remote.Store("")
	_, err := e.login("op1", goodPassword)
	if !errors.Is(err, login.ErrTooManyStarts) || errors.Is(err, login.ErrThrottled) || !strings.Contains(err.Error(), "too many login attempts from this address (or its network); wait a minute") {
		t.Fatalf("a rate-limited login: %v, want login.ErrTooManyStarts", err)
	}
}

func wantTooManyStarts(t *testing.T, r rawResponse) {
	t.Helper()
	var m login.ErrorResponse
	if r.status != http.StatusTooManyRequests || json.Unmarshal(r.body, &m) != nil || m.Code != login.CodeTooManyStarts || m.Error != login.ErrTooManyStarts.Error() {
		t.Fatalf("refused start: %d %s, want 429 %s", r.status, r.body, login.CodeTooManyStarts)
	}
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("refused start has Retry-After %q", ra)
	}
}

func addrRange(format string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf(format, i+1))
	}
	return out
}

// TestStartBucketsBounded: a flood of fresh keys keeps each bucket set at
// maxBuckets; full buckets go first, and a limited key that stays keeps
// its limit.
func TestStartBucketsBounded(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	l := newStartLimit()
	limited := netip.MustParseAddr("192.0.2.1")
	for range startSourceBurst {
		l.allow(limited, now)
	}
	for i := range maxBuckets + 10 { // each from a /24 of its own
		if ok, _, _ := l.allow(netip.AddrFrom4([4]byte{byte(1 + i>>16), byte(i >> 8), byte(i), 1}), now); !ok {
			t.Fatalf("fresh source %d refused", i)
		}
	}
	if n, m := len(l.sources.m), len(l.networks.m); n > maxBuckets || m > maxBuckets {
		t.Fatalf("%d source and %d network buckets, want at most %d each", n, m, maxBuckets)
	}
	now = now.Add(time.Minute) // the flood's buckets are full again; the limited source's too
	for range startSourceBurst {
		l.allow(limited, now)
	}
	l.allow(netip.MustParseAddr("198.51.100.1"), now) // at the bound, if not before: prunes the full ones
	if n := len(l.sources.m); n != 2 {
		t.Fatalf("%d source buckets after pruning, want 2 (the limited source and the new one)", n)
	}
	if ok, _, _ := l.allow(limited, now); ok {
		t.Fatal("pruning forgot a limited source's limit")
	}
}
