package signaling

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits attempts per source address. IPv6 addresses are grouped by
// /64, the smallest block one subscriber usually holds, so rotating through
// one's own addresses does not buy more guesses.
type throttle struct {
	every time.Duration
	burst int

	mu       sync.Mutex
	limiters map[netip.Prefix]*entry
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, limiters: map[netip.Prefix]*entry{}}
}

func sourceKey(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// allow reports whether addr may make one more attempt at now, and counts
// the attempt.
func (t *throttle) allow(addr netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entryLocked(addr, now).lim.AllowN(now, 1)
}

// blocked reports whether addr has no attempt left at now, without counting
// one; pair it with allow on failure to throttle failures only.
func (t *throttle) blocked(addr netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entryLocked(addr, now).lim.TokensAt(now) < 1
}

func (t *throttle) entryLocked(addr netip.Addr, now time.Time) *entry {
	key := sourceKey(addr)
	e := t.limiters[key]
	if e == nil {
		e = &entry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.limiters[key] = e
	}
	e.seen = now
	return e
}

// sweep forgets addresses idle long enough for their bucket to be full
// again, which bounds memory under a spray of source addresses.
func (t *throttle) sweep(now time.Time) {
	idle := t.every * time.Duration(t.burst)
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, e := range t.limiters {
		if now.Sub(e.seen) > idle {
			delete(t.limiters, k)
		}
	}
}
