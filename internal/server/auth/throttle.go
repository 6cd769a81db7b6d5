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
//
// With several server processes (signaling nodes on one database) each
// keeps its own, and they are made one: every failure here is told to the
// others through the function given to ShareFailures, and theirs are
// counted here with CountFailure. A source spraying guesses over the
// nodes then spends one budget, not one on each node. (The start limit,
// startlimit.go, stays per process: it guards this process's table of
// pending logins, which no other process shares.)

// throttled returns a throttledError, and records the event, when src has
// no failure left at now.
func (s *Service) throttled(ctx context.Context, src netip.Addr, now time.Time) error {
	if !s.throttle.Blocked(src, now) {
		return nil
	}
	s.event(ctx, EventThrottled, "", src)
	return throttledError{s.cfg.SourceEvery}
}

// fail counts one failed login from src at now, here and, when shared, on
// the other processes.
func (s *Service) fail(src netip.Addr, now time.Time) {
	s.throttle.Allow(src, now)
	if tell := s.tell.Load(); tell != nil {
		(*tell)(src)
	}
}

// ShareFailures has every failed login from now on told to tell (with its
// source), which passes it to the other processes sharing this one's
// accounts; nil stops. tell must not block: it runs on the login's path.
func (s *Service) ShareFailures(tell func(src netip.Addr)) {
	if tell == nil {
		s.tell.Store(nil)
		return
	}
	s.tell.Store(&tell)
}

// CountFailure counts a failed login another process saw from src, as if
// it had failed here: src's next logins here meet the same throttle.
func (s *Service) CountFailure(src netip.Addr) {
	if src.IsValid() {
		s.throttle.Allow(src, s.cfg.Now())
	}
}
