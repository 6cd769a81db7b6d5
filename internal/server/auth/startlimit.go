package auth

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandem-remote/tandem/internal/server/netprefix"
)

// startLimit bounds how often logins are started, per source (an IPv4
// address, an IPv6 /64) and per aggregate (an IPv4 /24, an IPv6 /48), with
// a token bucket each. A start is refused when either bucket is empty, and
// takes a token from both only when both have one. It runs before the ID
// is looked up, so it answers alike whatever the ID.
//
// A person logs in with one start, and one more per retry; guessing is
// stopped long before this by the failure throttle and the lockout. So
// this only has to stop starts that are never finished, and can be
// generous:
//
//   - a source: 30 at once, then one a second (1 800 an hour): thirty
//     technicians behind one office NAT can all log in at the same moment,
//     and a person retrying never meets it;
//   - an aggregate: 120 at once, then four a second: four such offices in
//     one /24 or one site's /48.
//
// Against a flood: in the 30 s a pending login lives, one aggregate can
// put at most 120 + 4×30 = 240 entries in the 10 000-entry table, so
// filling it takes 42 aggregates flooding flat out; and even a full table
// evicts the flood's own entries before a quiet operator's (pending.go).
// The cost: a neighbour in the same /24 (or /48) who floods makes an
// operator there wait as well.
type startLimit struct {
	mu                sync.Mutex
	sources, networks buckets
}

// Start limits (see startLimit).
const (
	startSourceBurst    = 30
	startSourceEvery    = time.Second
	startAggregateBurst = 120
	startAggregateEvery = 250 * time.Millisecond
)

func newStartLimit() *startLimit {
	return &startLimit{
		sources:  newBuckets(startSourceEvery, startSourceBurst),
		networks: newBuckets(startAggregateEvery, startAggregateBurst),
	}
}

// allow takes one start from src at now. When it refuses, it says how long
// until the start would be allowed and whether this is the first refusal
// since that bucket was last full (worth one event per flood, not one per
// start nor one per refill).
func (l *startLimit) allow(src netip.Addr, now time.Time) (ok bool, retry time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	net := l.networks.get(netprefix.Network(src), now)
	if retry, first := net.refuse(now); retry > 0 {
		return false, retry, first
	}
	source := l.sources.get(netprefix.Source(src), now)
	if retry, first := source.refuse(now); retry > 0 {
		return false, retry, first
	}
	net.take(now)
	source.take(now)
	return true, 0, false
}

// bucket is one key's token bucket.
type bucket struct {
	lim      *rate.Limiter
	every    time.Duration
	refusing bool // refused since it was last full
}

// refuse reports how long until bucket has a token (0: it has one now),
// and whether this refusal is the first in a row.
func (b *bucket) refuse(now time.Time) (time.Duration, bool) {
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		return 0, false
	}
	first := !b.refusing
	b.refusing = true
	return max(time.Duration((1-tokens)*float64(b.every)), time.Nanosecond), first
}

func (b *bucket) take(now time.Time) {
	if b.lim.TokensAt(now) >= float64(b.lim.Burst()) {
		b.refusing = false
	}
	b.lim.AllowN(now, 1)
}

// buckets is a bounded set of buckets by key. A full bucket behaves as a
// missing one, so dropping it changes nothing.
type buckets struct {
	every  time.Duration
	burst  int
	m      map[netip.Prefix]*bucket
	pruned time.Time // when full buckets were last dropped
}

// maxBuckets bounds each set; see buckets.get.
const maxBuckets = 100_000

func newBuckets(every time.Duration, burst int) buckets {
	return buckets{every: every, burst: burst, m: map[netip.Prefix]*bucket{}}
}

// get returns key's bucket, making a full one when there is none. At
// maxBuckets it first drops the full ones (at most once per refill time,
// so this stays O(1) amortized) and, should that leave no room, one bucket
// at random: a set flooded with fresh keys forgets a limit rather than
// refusing everyone new.
func (s *buckets) get(key netip.Prefix, now time.Time) *bucket {
	if b := s.m[key]; b != nil {
		return b
	}
	if len(s.m) >= maxBuckets {
		s.prune(now)
	}
	b := &bucket{lim: rate.NewLimiter(rate.Every(s.every), s.burst), every: s.every} // full
	s.m[key] = b
	return b
}

func (s *buckets) prune(now time.Time) {
	if refill := time.Duration(s.burst) * s.every; now.Sub(s.pruned) >= refill {
		s.pruned = now
		for k, b := range s.m {
			if b.lim.TokensAt(now) >= float64(s.burst) {
				delete(s.m, k)
			}
		}
	}
	for k := range s.m {
		if len(s.m) < maxBuckets {
			return
		}
		delete(s.m, k)
	}
}
