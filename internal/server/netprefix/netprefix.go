// Package netprefix holds the one form address rules and blocks are kept
// and compared in, shared by the server's store and the standalone relay's
// block feed (which must not link the store), and the blocks a client
// address is counted by: its source (Source) and its network (Network),
// which every per-source limit of the server keys on.
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

// Source is the block addr is counted by as one client: an IPv4 address
// (IPv4-mapped IPv6 unmapped first), or an IPv6 /64, the smallest block
// one subscriber usually holds, so that rotating through one's own
// addresses buys nothing. The zone is dropped.
func Source(addr netip.Addr) netip.Prefix { return block(addr, 32, 64) }

// Network is addr's network: its IPv4 /24 or IPv6 /48, the block one site
// (an office, a tunnel broker's customer) usually holds.
func Network(addr netip.Addr) netip.Prefix { return block(addr, 24, 48) }

func block(addr netip.Addr, bits4, bits6 int) netip.Prefix {
	addr = addr.Unmap()
	bits := bits4
	if addr.Is6() {
		bits = bits6
	}
	p, _ := addr.Prefix(bits)
	return p
}
