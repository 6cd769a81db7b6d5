package relay

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/pion/transport/v5"
	"github.com/pion/turn/v5"
)

// Relayed ports are opened per address family: an IPv4 allocation binds
// to the IPv4 listener host (or 0.0.0.0) and advertises PublicIP; an IPv6
// allocation binds to and advertises PublicIPv6 or the IPv6 listener host.
// pion asks for "udp4"/"udp6" (and "tcp4"/"tcp6" for RFC 6062) by the
// allocation's REQUESTED-ADDRESS-FAMILY.

var (
	errNoIPv6          = errors.New("relay has no IPv6 relay address")
	errTCPAllocations  = errors.New("TCP allocations are off")
	errOwnHostPeerPort = errors.New("peer is the relay's own host outside its relay ports")
)

// familyGenerator dispatches to the IPv4 or IPv6 generator; v6 may be nil.
// It is also where pion opens TCP listeners and connections for RFC 6062,
// so the TCP allocation switch and the own-host check on Connect are
// enforced here whatever reached pion (forbid.go answers first, with the
// right error codes).
type familyGenerator struct {
	v4, v6 *turn.RelayAddressGeneratorPortRange
	m      *metrics
	dp     *dataPlane
	own    *ownHost
	tcp    bool // TCP allocations on
}

func (g familyGenerator) pick(network string) (*turn.RelayAddressGeneratorPortRange, error) {
	if !strings.HasSuffix(network, "6") {
		return g.v4, nil
	}
	if g.v6 == nil {
		return nil, errNoIPv6
	}
	return g.v6, nil
}

func (g familyGenerator) Validate() error {
	if err := g.v4.Validate(); err != nil {
		return err
	}
	if g.v6 != nil {
		return g.v6.Validate()
	}
	return nil
}

// AllocatePacketConn hands each relayed UDP socket to the data plane, or
// wraps it so that pion's relaying is counted.
func (g familyGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	gen, err := g.pick(c.Network)
	if err != nil {
		return nil, nil, err
	}
	pc, addr, err := gen.AllocatePacketConn(c)
	if err != nil {
		return nil, nil, err
	}
	remove := g.own.live.add(liveUDP, pc.LocalAddr())
	return liveConn{PacketConn: g.dp.wrapRelayed(pc, addr, g.m, g.own), remove: remove}, addr, nil
}

func (g familyGenerator) AllocateListener(c turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	if !g.tcp {
		return nil, nil, errTCPAllocations
	}
	gen, err := g.pick(c.Network)
	if err != nil {
		return nil, nil, err
	}
	ln, addr, err := gen.AllocateListener(c)
	if err != nil {
		return nil, nil, err
	}
	return liveListener{Listener: ln, remove: g.own.live.add(liveTCP, ln.Addr())}, addr, nil
}

func (g familyGenerator) AllocateConn(c turn.AllocateConnConfig) (net.Conn, error) {
	if !g.tcp {
		return nil, errTCPAllocations
	}
	if !g.own.permitsAddr(liveTCP, c.RemoteAddr) {
		return nil, errOwnHostPeerPort
	}
	gen, err := g.pick(c.Network)
	if err != nil {
		return nil, err
	}
	return gen.AllocateConn(c)
}

// relayAddressGenerator builds the generator for the configured listeners.
func (r *Relay) relayAddressGenerator(netw transport.Net) (turn.RelayAddressGenerator, error) {
	v4bind, v6bind, err := r.bindIPs()
	if err != nil {
		return nil, err
	}
	public := r.cfg.PublicIP
	if public == nil {
		if !v4bind.IsUnspecified() {
			public = net.IP(v4bind.AsSlice())
		} else if public, err = defaultRouteIP(netw); err != nil {
			return nil, fmt.Errorf("relay public ip: %w (set it explicitly)", err)
		}
		r.log.Info("advertising relay address", "ip", public.String())
	}
	g := familyGenerator{m: r.metrics, dp: r.dp, own: r.own, tcp: r.cfg.TCPAllocations,
		v4: r.portRange(netw, v4bind.String(), public)}
	switch {
	case r.cfg.PublicIPv6 != nil:
		g.v6 = r.portRange(netw, r.cfg.PublicIPv6.String(), r.cfg.PublicIPv6)
	case v6bind.IsValid():
		g.v6 = r.portRange(netw, v6bind.String(), net.IP(v6bind.AsSlice()))
	}
	for _, gen := range []*turn.RelayAddressGeneratorPortRange{g.v4, g.v6} {
		a, ok := netip.AddrFromSlice(relayIP(gen))
		if !ok {
			continue
		}
		r.advertised = append(r.advertised, a)
		if bound, err := netip.ParseAddr(gen.Address); err == nil {
			r.own.live.relayAt(bound, a)
		}
	}
	return g, nil
}

func (r *Relay) portRange(netw transport.Net, bind string, public net.IP) *turn.RelayAddressGeneratorPortRange {
	return &turn.RelayAddressGeneratorPortRange{
		RelayAddress: public,
		MinPort:      r.cfg.RelayPortMin,
		MaxPort:      r.cfg.RelayPortMax,
		Address:      bind,
		Net:          netw,
	}
}

func relayIP(g *turn.RelayAddressGeneratorPortRange) net.IP {
	if g == nil {
		return nil
	}
	return g.RelayAddress
}

// bindIPs returns the IPv4 host to bind relayed ports to (0.0.0.0 unless a
// listener names a specific IPv4 address) and the first specific IPv6
// listener host, if any.
func (r *Relay) bindIPs() (v4, v6 netip.Addr, err error) {
	v4 = netip.IPv4Unspecified()
	seen4 := false
	for _, a := range []string{r.cfg.UDPAddr, r.cfg.TCPAddr, r.cfg.TLSAddr} {
		host, _, _ := net.SplitHostPort(a)
		if host == "" {
			continue
		}
		ip, perr := netip.ParseAddr(host)
		if perr != nil {
			return v4, v6, fmt.Errorf("listen address %q: host must be an IP address", a)
		}
		ip = ip.Unmap()
		switch {
		case ip.Is4() && !seen4:
			v4, seen4 = ip, true
		case ip.Is6() && !ip.IsUnspecified() && !v6.IsValid():
			v6 = ip
		}
	}
	return v4, v6, nil
}

// defaultRouteIP finds the local address of the default route by
// "connecting" a UDP socket, which sends nothing.
func defaultRouteIP(netw transport.Net) (net.IP, error) {
	c, err := netw.Dial("udp4", "192.0.2.1:9")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok && !ua.IP.IsUnspecified() {
		return ua.IP, nil
	}
	return nil, errors.New("no default route")
}
