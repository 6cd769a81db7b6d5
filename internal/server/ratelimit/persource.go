// Package ratelimit is the server's one per-source rate limit: a token
// bucket per source (netprefix.Source: an IPv4 address, an IPv6 /64),
// bounded in memory however many sources there are. Signaling uses it for
// join attempts, failed opens and new connections; auth for failed
// logins; the help desk for failed desk logins.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
)

// PerSource limits attempts per source address. IPv6 addresses are
// grouped by /64, the smallest block one subscriber usually holds, so
// rotating through one's own addresses does not buy more attempts.
//
// Its tables are bounded (maxSources each), and an entry that is
// throttling something (fewer tokens than its burst) is never forgotten:
// forgetting it would hand its source a fresh burst, so that sources
// taking turns against a full table guessed without bound. A new source
// takes the place of an entry that is full again (nothing lost: a new
// entry starts full); when the few entries sampled are all throttling,
// it shares a bucket with its network (netprefix.Network: an IPv4 /24,
// an IPv6 /48), and when that table is full of throttling networks too,
// one last bucket with everyone else in that position. So attempts stay
// bounded by (2*maxSources+1) buckets' rate, whatever the churn, and a
// newcomer from a quiet network still finds a full bucket of its own.
//
// It lives in memory: a restart refills it.
type PerSource struct {
	every time.Duration
	burst int
	max   int // entries a table keeps; maxSources unless a test sets it

	mu       sync.Mutex
	limiters map[netip.Prefix]*entry // per source
	networks map[netip.Prefix]*entry // per network, for sources limiters has no room for
	last     *rate.Limiter           // for sources neither table has room for
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxSources bounds a table: some 200 bytes an entry.
const maxSources = 1 << 16

// evictSample is how many entries a full table looks at for one it may
// forget.
const evictSample = 8

// NewPerSource returns a limit of burst attempts per source, refilled one
// every every.
func NewPerSource(every time.Duration, burst int) *PerSource {
	return &PerSource{every: every, burst: burst, max: maxSources, limiters: map[netip.Prefix]*entry{},
		networks: map[netip.Prefix]*entry{}, last: rate.NewLimiter(rate.Every(every), burst)}
}

// Allow reports whether addr may make one more attempt at now, and counts
// the attempt.
func (t *PerSource) Allow(addr netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limiterLocked(addr, now).AllowN(now, 1)
}

// Blocked reports whether addr has no attempt left at now, without
// counting one; pair it with Allow on failure to throttle failures only.
func (t *PerSource) Blocked(addr netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.limiterLocked(addr, now).TokensAt(now) < 1
}

// Wait is Allow that also says, when it refuses, how long until addr has
// an attempt again.
func (t *PerSource) Wait(addr netip.Addr, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.limiterLocked(addr, now)
	if lim.AllowN(now, 1) {
		return true, 0
	}
	return false, time.Duration((1 - lim.TokensAt(now)) * float64(t.every))
}

// Sweep forgets sources idle long enough for their bucket to be full
// again, which bounds memory under a spray of source addresses.
func (t *PerSource) Sweep(now time.Time) {
	idle := t.every * time.Duration(t.burst)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, table := range []map[netip.Prefix]*entry{t.limiters, t.networks} {
		for k, e := range table {
			if now.Sub(e.seen) > idle {
				delete(table, k)
			}
		}
	}
}

// limiterLocked is addr's bucket: its source's, else its network's, else
// the last one.
func (t *PerSource) limiterLocked(addr netip.Addr, now time.Time) *rate.Limiter {
	if e := t.lookupLocked(t.limiters, netprefix.Source(addr), now); e != nil {
		return e.lim
	}
	if e := t.lookupLocked(t.networks, netprefix.Network(addr), now); e != nil {
		return e.lim
	}
	return t.last
}

// lookupLocked returns table's entry for key, adding one if the table has
// room or can make some; nil if not.
func (t *PerSource) lookupLocked(table map[netip.Prefix]*entry, key netip.Prefix, now time.Time) *entry {
	e := table[key]
	if e == nil {
		if len(table) >= t.max && !t.evictLocked(table, now) {
			return nil
		}
		e = &entry{lim: rate.NewLimiter(rate.Every(t.every), t.burst)}
		table[key] = e
	}
	e.seen = now
	return e
}

// evictLocked forgets, of evictSample entries in map order (which Go
// randomizes), one whose bucket is full again, and reports whether it
// found one: an entry with fewer tokens is throttling its source.
func (t *PerSource) evictLocked(table map[netip.Prefix]*entry, now time.Time) bool {
	n := 0
	for k, e := range table {
		if e.lim.TokensAt(now) >= float64(t.burst) {
			delete(table, k)
			return true
		}
		if n++; n == evictSample {
			break
		}
	}
	return false
}
