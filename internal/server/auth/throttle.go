package auth

import (
	"context"
	"net/netip"
	"time"
)

// The failure throttle (Service.throttle: SourceBurst failures per source,
// an IPv4 address or an IPv6 /64, one back every SourceEvery) is checked
// before anything else about a login, so a client spraying guesses across
// many IDs runs out of tries long before it can lock many operators out.
//
// It lives in memory: a restart refills it, which costs an attacker a
// restart to exploit, while the per-ID lockout it protects is durable.

// throttled returns a throttledError, and records the event, when src has
// no failure left at now.
func (s *Service) throttled(ctx context.Context, src netip.Addr, now time.Time) error {
	if !s.throttle.Blocked(src, now) {
		return nil
	}
	s.event(ctx, EventThrottled, "", src)
	return throttledError{s.cfg.SourceEvery}
}

// fail counts one failed login from src at now.
func (s *Service) fail(src netip.Addr, now time.Time) { s.throttle.Allow(src, now) }
