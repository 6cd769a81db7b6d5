package relay

import (
	"net"
	"net/netip"
)

// The peer-address policy keeps the relay from being a proxy into the
// network it runs in (SSRF): a client holding a valid credential could
// otherwise ask for a permission to 127.0.0.1, to the cloud metadata
// service on 169.254.169.254, or to the operator's private subnets, and
// send datagrams there from the relay's own address.
//
// pion/turn asks the PermissionHandler on CreatePermission, ChannelBind and
// (RFC 6062) Connect; Send indications, ChannelData and traffic from peers
// only flow through permissions created that way, so refusing here refuses
// all relaying. Addresses are canonicalized first: an IPv4-mapped IPv6
// address is the IPv4 address, and NAT64 (RFC 6052) and 6to4 addresses
// embed an IPv4 address that gets the IPv4 policy too, so that no spelling
// of 127.0.0.1 gets through.

// Refused IPv4 ranges (IANA special-purpose registry, RFC 6890 and later).
var refusedV4 = []namedPrefix{
	{"0.0.0.0/8", "unspecified"},
	{"10.0.0.0/8", "private"},
	{"100.64.0.0/10", "shared"},
	{"127.0.0.0/8", "loopback"},
	{"169.254.0.0/16", "link-local"},
	{"172.16.0.0/12", "private"},
	{"192.0.0.0/24", "reserved"}, // IETF protocol assignments
	{"192.0.2.0/24", "documentation"},
	{"192.88.99.0/24", "reserved"}, // deprecated 6to4 relay anycast
	{"192.168.0.0/16", "private"},
	{"198.18.0.0/15", "benchmarking"},
	{"198.51.100.0/24", "documentation"},
	{"203.0.113.0/24", "documentation"},
	{"224.0.0.0/4", "multicast"},
	{"240.0.0.0/4", "reserved"}, // includes 255.255.255.255
}

// Refused IPv6 ranges inside global unicast 2000::/3; everything outside
// 2000::/3 (::/8, fc00::/7, fe80::/10, ff00::/8, 64:ff9b::/96, 100::/64…)
// is refused wholesale by classify.
var refusedV6 = []namedPrefix{
	{"2001::/23", "reserved"}, // IETF protocol assignments (Teredo, ORCHID, benchmarking 2001:2::/48)
	{"2001:db8::/32", "documentation"},
	{"3fff::/20", "documentation"},
	{"5f00::/16", "reserved"}, // SRv6 SIDs
}

var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local     = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	globalUnicast  = netip.MustParsePrefix("2000::/3")
)

type namedPrefix struct {
	prefix string
	reason string
}

// compiled holds the parsed prefixes; parsing once keeps the check cheap.
type compiledPrefix struct {
	p      netip.Prefix
	reason string
}

var compiledV4, compiledV6 = compile(refusedV4), compile(refusedV6)

func compile(in []namedPrefix) []compiledPrefix {
	out := make([]compiledPrefix, len(in))
	for i, np := range in {
		out[i] = compiledPrefix{netip.MustParsePrefix(np.prefix), np.reason}
	}
	return out
}

// peerPolicy decides whether the relay may talk to a peer address.
type peerPolicy struct {
	allow []netip.Prefix
}

// permit reports whether ip may be a peer, and if not, why.
func (p peerPolicy) permit(ip net.IP) (ok bool, reason string) {
	a, valid := netip.AddrFromSlice(ip)
	if !valid {
		return false, "invalid"
	}
	return p.permitAddr(a)
}

func (p peerPolicy) permitAddr(a netip.Addr) (ok bool, reason string) {
	a = a.Unmap().WithZone("")
	if p.allowed(a) {
		// An allow-list entry cannot launder an embedded IPv4 address:
		// allowing a NAT64 prefix still refuses the NAT64 form of 10.0.0.1.
		if v4, ok := embeddedV4(a); ok {
			return p.permitAddr(v4)
		}
		return true, ""
	}
	if reason := classify(a); reason != "" {
		return false, reason
	}
	return true, ""
}

func (p peerPolicy) allowed(a netip.Addr) bool {
	for _, pfx := range p.allow {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// classify names the special-purpose range a canonical address falls in,
// or returns "" for an ordinary public unicast address.
func classify(a netip.Addr) string {
	if a.Is4() {
		for _, c := range compiledV4 {
			if c.p.Contains(a) {
				return c.reason
			}
		}
		return ""
	}
	switch {
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsMulticast():
		return "multicast"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsPrivate():
		return "private"
	case nat64WellKnown.Contains(a) || nat64Local.Contains(a):
		return "nat64"
	case !globalUnicast.Contains(a):
		return "reserved"
	}
	if v4, ok := embeddedV4(a); ok {
		// 6to4: public only if the IPv4 address it tunnels to is.
		if reason := classify(v4); reason != "" {
			return "6to4-" + reason
		}
	}
	for _, c := range compiledV6 {
		if c.p.Contains(a) {
			return c.reason
		}
	}
	return ""
}

// embeddedV4 extracts the IPv4 address carried in a NAT64 (RFC 6052, /96
// well-known and /48 local-use with the /48 layout) or 6to4 (RFC 3056)
// address.
func embeddedV4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64WellKnown.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case nat64Local.Contains(a):
		// RFC 6052 /48 layout: bits 48..63 hold 16 bits, bits 64..71 are
		// the reserved "u" octet, the remaining 16 bits follow it.
		return netip.AddrFrom4([4]byte{b[6], b[7], b[9], b[10]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}
