// Package netprefix holds the one form address rules and blocks are kept
// and compared in, shared by the server's store and the standalone relay's
// block feed (which must not link the store).
package netprefix

import "net/netip"

// Normalize returns p in that form: IPv4-mapped IPv6 (::ffff:a.b.c.d/96 or
// longer) becomes IPv4, host bits are cleared, zones are dropped. A
// shorter prefix that merely starts with ::ffff: stays IPv6 (it covers more
// than mapped addresses) and, since client addresses are unmapped before
// matching, matches no IPv4 client.
func Normalize(p netip.Prefix) netip.Prefix {
	addr, bits := p.Addr().WithZone(""), p.Bits()
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	return netip.PrefixFrom(addr, bits).Masked()
}
