package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// ParseIPRule reads an allow rule: a single address ("192.0.2.7",
// "2001:db8::1") or a CIDR range ("192.0.2.0/24", "2001:db8::/48"), IPv4
// or IPv6. IPv4-mapped IPv6 is stored as IPv4.
func ParseIPRule(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("ip rule %q: write an address or a range such as 192.0.2.0/24 or 2001:db8::/48", s)
		}
		return store.NormalizePrefix(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("ip rule %q: write an address or a range such as 192.0.2.0/24 or 2001:db8::/48", s)
	}
	return store.NormalizePrefix(netip.PrefixFrom(a, a.BitLen())), nil
}

// allowedFrom reports whether addr may log in under rules: any address
// when there are none, otherwise one inside a rule.
func allowedFrom(rules []netip.Prefix, addr netip.Addr) bool {
	if len(rules) == 0 {
		return true
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range rules {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientAddr returns the request's source address. X-Forwarded-For is
// read only when the connection comes from a trusted proxy, walking the
// list from the right (the entries our own proxies appended) and taking
// the first address that is not itself a trusted proxy. Anything
// malformed falls back to the last address we can vouch for.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	peer = peer.Unmap().WithZone("")
	if !inAny(trusted, peer) {
		return peer
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer
		}
		peer = a.Unmap().WithZone("")
		if !inAny(trusted, peer) {
			return peer
		}
	}
	return peer
}

// forwardedFor splits X-Forwarded-For header lines into addresses.
func forwardedFor(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, f := range strings.Split(l, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
