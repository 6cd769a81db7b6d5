//go:build linux

package relay

import (
	"net"
	"net/netip"
)

// The data plane's copy of pion's allocation state, kept in step by
// pion's event hooks (hooks.go). pion calls them synchronously where it
// changes its own state: OnPermissionCreated in AddPermission,
// OnPermissionDeleted when a permission expires or its allocation closes,
// and likewise for channels; an allocation leaves the table when pion
// closes its relayed socket (relayConn.Close). The table can only lag
// pion by the wakeup in progress, never grant what pion has not.

// alloc is one UDP client's allocation as the data plane sees it.
type alloc struct {
	client   netip.AddrPort      // the client's address on the listener
	lst      *sock               // the listener the client talks to
	relay    *sock               // the relayed socket
	perms    map[netip.Addr]bool // permitted peer IPs: true if the relay's own host
	byNumber map[uint16]netip.AddrPort
	byPeer   map[netip.AddrPort]uint16
}

func (a *alloc) permits(peer netip.Addr) bool {
	_, ok := a.perms[peer]
	return ok
}

// canonical is the key a net.Addr's IP and port have in the tables.
func canonical(addr net.Addr) (netip.AddrPort, bool) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := ua.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// addRelayed registers an allocation's relayed socket under the address
// pion advertises for it, which is how pion's hooks name it.
func (d *dataPlane) addRelayed(conn *net.UDPConn, relayAddr net.Addr) (*sock, error) {
	s, err := d.register(conn, false)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	s.relayAddr, _ = canonical(relayAddr)
	d.byRelay[s.relayAddr] = s
	d.mu.Unlock()
	return s, nil
}

// allocationCreated links a relayed socket to its client once pion has
// created the allocation. Clients over TCP or TLS are left to pion.
func (d *dataPlane) allocationCreated(src, dst, relayAddr net.Addr) {
	client, ok := canonical(src)
	if !ok {
		return
	}
	ra, _ := canonical(relayAddr)
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.byRelay[ra]
	l := d.listenerAt(dst)
	if s == nil || l == nil {
		return
	}
	a := &alloc{
		client: client, lst: l, relay: s,
		perms:    map[netip.Addr]bool{},
		byNumber: map[uint16]netip.AddrPort{},
		byPeer:   map[netip.AddrPort]uint16{},
	}
	s.alloc = a
	l.clients[client] = a
}

// listenerAt finds the UDP listener with local address dst.
func (d *dataPlane) listenerAt(dst net.Addr) *sock {
	for _, l := range d.listeners {
		if la := l.conn.LocalAddr(); la.String() == dst.String() {
			return l
		}
	}
	return nil
}

// allocAt returns the allocation of the relayed address; mu held.
func (d *dataPlane) allocAt(relayAddr net.Addr) *alloc {
	ra, _ := canonical(relayAddr)
	if s := d.byRelay[ra]; s != nil {
		return s.alloc
	}
	return nil
}

func (d *dataPlane) permission(relayAddr net.Addr, peer net.IP, add bool) {
	ip, ok := netip.AddrFromSlice(peer)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.allocAt(relayAddr)
	switch {
	case a == nil:
	case add:
		a.perms[ip.Unmap()] = d.own.is(ip)
	default:
		delete(a.perms, ip.Unmap())
	}
}

func (d *dataPlane) channel(relayAddr, peer net.Addr, num uint16, add bool) {
	p, ok := canonical(peer)
	if !ok {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.allocAt(relayAddr)
	switch {
	case a == nil:
	case add:
		a.byNumber[num], a.byPeer[p] = p, num
	case a.byNumber[num] == p:
		delete(a.byNumber, num)
		delete(a.byPeer, p)
	}
}

// reflag recomputes every permission's own-host flag after the host's
// addresses changed (ownHost.onChange): the flag is computed once per
// permission so that relaying looks the port up only for own addresses.
func (d *dataPlane) reflag() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.listeners {
		for _, a := range l.clients {
			for ip := range a.perms {
				a.perms[ip] = d.own.is(ip)
			}
		}
	}
}
