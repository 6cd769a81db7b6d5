//go:build linux

package relay

import (
	"net"
)

// What pion sees of sockets in the data plane: the listener and relayed
// sockets it reads from are fed only the datagrams the plane leaves to
// it (STUN requests; traffic of TCP clients' allocations), through a
// queue, because the plane's loop is the one reader of every socket.
// Writes go straight to the socket.

// wrapListener puts a UDP listener in the data plane, or returns pc as is
// when the plane is off or pc is not a host socket.
func (d *dataPlane) wrapListener(pc net.PacketConn) net.PacketConn {
	uc, ok := pc.(*net.UDPConn)
	if d == nil || !ok {
		return pc
	}
	s, err := d.register(uc, true)
	if err != nil {
		return pc
	}
	return &planeConn{PacketConn: uc, d: d, s: s}
}

// wrapRelayed puts an allocation's relayed socket in the data plane;
// without it, pion reads pc itself and countingConn counts the traffic.
func (d *dataPlane) wrapRelayed(pc net.PacketConn, relayAddr net.Addr, m *metrics, own *ownHost) net.PacketConn {
	uc, ok := pc.(*net.UDPConn)
	if d == nil || !ok {
		return countingConn{PacketConn: pc, m: m, own: own}
	}
	s, err := d.addRelayed(uc, relayAddr)
	if err != nil {
		return countingConn{PacketConn: pc, m: m, own: own}
	}
	return &planeConn{PacketConn: uc, d: d, s: s, m: m, own: own}
}

// planeConn is a socket of the data plane as pion uses it. m and own are
// set for relayed sockets, whose writes (to peers) are counted and kept
// off the relay's own host (TCP clients' data, which pion relays).
type planeConn struct {
	net.PacketConn // the *net.UDPConn; only its PacketConn methods are pion's
	d              *dataPlane
	s              *sock
	m              *metrics
	own            *ownHost
}

func (c *planeConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case dg := <-c.s.inbox:
		n := copy(p, dg.b)
		if c.m != nil {
			c.m.fromPeerPackets.Add(1)
			c.m.fromPeerBytes.Add(uint64(n))
		}
		return n, dg.from, nil
	case <-c.s.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *planeConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if c.own != nil && dropOwn(c.own, c.m, addr) {
		return len(p), nil
	}
	n, err := c.PacketConn.WriteTo(p, addr)
	if err == nil && c.m != nil {
		c.m.toPeerPackets.Add(1)
		c.m.toPeerBytes.Add(uint64(n))
	}
	return n, err
}

// Close takes the socket out of the plane before closing it.
func (c *planeConn) Close() error {
	c.d.unregister(c.s)
	return c.PacketConn.Close()
}
