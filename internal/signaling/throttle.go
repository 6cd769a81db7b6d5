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
//
// Its table is bounded (maxSources): a new source beyond it evicts, of a
// few entries sampled at random, the one with the most attempts left. All
// an entry holds is how much of its burst a source has used, so eviction
// never locks anyone out; and a flood of fresh sources, whose buckets are
// nearly full, evicts its own kind before a source that is throttled.
type throttle struct {
	every time.Duration
	burst int
	max   int // entries kept; maxSources unless a test sets it

	mu       sync.Mutex
	limiters map[netip.Prefix]*entry
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxSources bounds a throttle's table: some 200 bytes an entry.
const maxSources = 1 << 16

// evictSample is how many entries a full table compares to pick the one
// it forgets.
const evictSample = 8

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, max: maxSources, limiters: map[netip.Prefix]*entry{}}
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

// wait is allow that also says, when it refuses, how long until addr has
// an attempt again.
func (t *throttle) wait(addr netip.Addr, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.entryLocked(addr, now).lim
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, time.Duration((1 - lim.TokensAt(now)) * float64(t.every))
}

func (t *throttle) entryLocked(addr netip.Addr, now time.Time) *entry {
	key := sourceKey(addr)
	e := t.limiters[key]
	if e == nil {
		if len(t.limiters) >= t.max {
			t.evictLocked(now)
		}
		e = &entry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		t.limiters[key] = e
	}
	e.seen = now
	return e
}

// evictLocked forgets, of evictSample entries in map order (which Go
// randomizes), the one with the most attempts left.
func (t *throttle) evictLocked(now time.Time) {
	var victim netip.Prefix
	most, n := -1.0, 0
	for k, e := range t.limiters {
		if tokens := e.lim.TokensAt(now); tokens > most {
			victim, most = k, tokens
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(t.limiters, victim)
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
