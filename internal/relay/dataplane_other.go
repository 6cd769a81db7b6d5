//go:build !linux

package relay

import "net"

// Elsewhere than Linux the data plane is off and pion relays everything.
type dataPlane struct{}

func newDataPlane(*metrics, *ownHost) (*dataPlane, error) { return nil, nil }

func (*dataPlane) close() {}

func (*dataPlane) wrapListener(pc net.PacketConn) net.PacketConn { return pc }

func (*dataPlane) wrapRelayed(pc net.PacketConn, _ net.Addr, m *metrics, own *ownHost) net.PacketConn {
	return countingConn{PacketConn: pc, m: m, own: own}
}

func (*dataPlane) allocationCreated(_, _, _ net.Addr)      {}
func (*dataPlane) permission(net.Addr, net.IP, bool)       {}
func (*dataPlane) channel(_, _ net.Addr, _ uint16, _ bool) {}
func (*dataPlane) reflag()                                 {}
