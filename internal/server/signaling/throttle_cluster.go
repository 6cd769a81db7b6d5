package signaling

import (
	"fmt"
	"net/netip"

	"github.com/tandem-remote/tandem/internal/server/cluster"
)

// What holds across nodes, and how (Config.Cluster):
//
//   - failed joins and code look-ups: told to every node (cluster.go,
//     joinFailed), so a guess sprayed over the nodes is throttled as one
//     source;
//   - failed logins: the same, here: each node's login throttle (package
//     auth, throttle.go) tells the others of every failure and counts
//     theirs;
//   - the lockout of an ID after wrong passwords, customer blocks and
//     tickets: in the shared database, read on every login, join and
//     allocation, never cached, so a block added through one node is
//     refused by every node at its next join;
//   - connection limits per source and network (limits_source.go): per
//     node, on purpose; see there.

// subjectLoginFailures carries every node's failed logins: the source
// address, as text.
const subjectLoginFailures = "tandem.login-failures"

// shareThrottles makes this node's login throttle one with the other
// nodes': the failures it counts are published, and theirs counted here.
// Without Config.Cluster, or Config.Auth, it does nothing.
func (s *Server) shareThrottles() error {
	cl, a := s.cfg.Cluster, s.cfg.Auth
	if cl == nil || a == nil {
		return nil
	}
	_, err := cl.Bus.Subscribe(subjectLoginFailures, func(_ cluster.Kind, data []byte) {
		if addr, ok := parseSource(data); ok {
			a.CountFailure(addr)
		}
	})
	if err != nil {
		return fmt.Errorf("share the login throttle: %w", err)
	}
	a.ShareFailures(func(src netip.Addr) {
		b, _ := src.MarshalText() // a valid address: cannot fail
		if err := cl.Bus.Publish(subjectLoginFailures, cluster.KindFrame, b); err != nil {
			s.cfg.Logger.Warn("cluster: tell the other nodes of a failed login", "err", err)
		}
	})
	return nil
}

// parseSource reads an address another node published; anything else is
// ignored.
func parseSource(data []byte) (netip.Addr, bool) {
	var addr netip.Addr
	if addr.UnmarshalText(data) != nil || !addr.IsValid() {
		return netip.Addr{}, false
	}
	return addr, true
}
