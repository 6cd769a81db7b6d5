package relay

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// On its own host the relay reaches only its live relayed sockets: the
// UDP ports (and, with TCP allocations, TCP listeners) that allocations of
// this relay hold right now. The relay port range alone is not enough: it
// overlaps the kernel's ephemeral ports (32768-60999 on Linux), so a
// resolver's upstream sockets, a QUIC client or a service such as
// WireGuard (51820) may sit inside it.
//
// The set is a bitmap per transport and address family, set when the
// generator opens a relayed socket and cleared before that socket closes,
// so the per-packet lookup (only for a peer on an own address, which
// WebRTC hits only when both sides relay through this relay) is one
// atomic load. A relayed socket bound to the unspecified address answers
// on every own address of its family; one bound to a listener's address
// only there and at the address advertised for it (a public IP behind
// 1:1 NAT), which relayAt records.

// liveTransport indexes the bitmaps.
type liveTransport int

const (
	liveUDP liveTransport = iota
	liveTCP
)

// livePorts is the set of live relayed ports. It is safe for concurrent use.
type livePorts struct {
	bits [2][2][1024]atomic.Uint64 // [transport][0 IPv4, 1 IPv6][port/64]

	mu  sync.Mutex
	ips atomic.Pointer[[2][]netip.Addr] // per family; empty: every own address
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// relayAt records that the relayed sockets of a's family are bound to a
// specific address, reachable at a and at the advertised ones.
func (l *livePorts) relayAt(bound netip.Addr, advertised ...netip.Addr) {
	if !bound.IsValid() || bound.IsUnspecified() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var next [2][]netip.Addr
	if old := l.ips.Load(); old != nil {
		next = *old
	}
	bound = canonicalOwn(bound)
	f := family(bound)
	next[f] = append([]netip.Addr{bound}, next[f]...)
	for _, a := range advertised {
		if a.IsValid() {
			next[f] = append(next[f], canonicalOwn(a))
		}
	}
	l.ips.Store(&next)
}

// add marks the port of a relayed socket's local address live and returns
// the function that clears it.
func (l *livePorts) add(t liveTransport, local net.Addr) (remove func()) {
	ap, err := netip.ParseAddrPort(addrString(local))
	if err != nil || ap.Port() == 0 {
		return func() {}
	}
	w, bit := &l.bits[t][family(canonicalOwn(ap.Addr()))][ap.Port()/64], uint64(1)<<(ap.Port()%64)
	w.Or(bit)
	var once sync.Once
	return func() { once.Do(func() { w.And(^bit) }) }
}

// has reports whether ap, an own address, is a live relayed socket.
func (l *livePorts) has(t liveTransport, ap netip.AddrPort) bool {
	a := canonicalOwn(ap.Addr())
	f := family(a)
	if l.bits[t][f][ap.Port()/64].Load()&(1<<(ap.Port()%64)) == 0 {
		return false
	}
	ips := l.ips.Load()
	if ips == nil || len(ips[f]) == 0 {
		return true
	}
	for _, ip := range ips[f] {
		if ip == a {
			return true
		}
	}
	return false
}

// liveConn is a relayed UDP socket whose port is live until Close.
type liveConn struct {
	net.PacketConn
	remove func()
}

// Close clears the port first: a port already cleared is refused, never
// one some other socket may bind after the close.
func (c liveConn) Close() error {
	c.remove()
	return c.PacketConn.Close()
}

// liveListener is liveConn for an RFC 6062 TCP allocation's listener.
type liveListener struct {
	net.Listener
	remove func()
}

func (l liveListener) Close() error {
	l.remove()
	return l.Listener.Close()
}
