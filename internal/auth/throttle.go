package auth

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// throttle limits failed logins per source address. It is checked before
// anything else about a login, so a client spraying guesses across many
// IDs runs out of tries long before it can lock many operators out. IPv6
// sources are grouped by /64, the block one subscriber usually holds.
//
// It lives in memory: a restart refills it, which costs an attacker a
// restart to exploit, while the per-ID lockout it protects is durable.
type throttle struct {
	every time.Duration
	burst int

	mu      sync.Mutex
	sources map[netip.Prefix]*rate.Limiter
}

// maxSources bounds the map; beyond it, full (idle) buckets are dropped.
const maxSources = 100_000

func newThrottle(every time.Duration, burst int) *throttle {
	return &throttle{every: every, burst: burst, sources: map[netip.Prefix]*rate.Limiter{}}
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

// blocked reports whether addr has no failure left at now.
func (t *throttle) blocked(addr netip.Addr, now time.Time) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.sources[sourceKey(addr)]
	if lim == nil || lim.TokensAt(now) >= 1 {
		return false, 0
	}
	return true, lim.ReserveN(now, 0).DelayFrom(now) + t.every
}

// fail counts one failure from addr at now.
func (t *throttle) fail(addr netip.Addr, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := sourceKey(addr)
	lim := t.sources[key]
	if lim == nil {
		if len(t.sources) >= maxSources {
			t.pruneLocked(now)
		}
		lim = rate.NewLimiter(rate.Every(t.every), t.burst)
		t.sources[key] = lim
	}
	lim.AllowN(now, 1)
}

func (t *throttle) pruneLocked(now time.Time) {
	for k, lim := range t.sources {
		if lim.TokensAt(now) >= float64(t.burst) {
			delete(t.sources, k)
		}
	}
}
