package netlab

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// NAT is how a router translates its LAN onto the wan.
type NAT int

const (
	// Cone is MASQUERADE: Linux keeps the source port when it is free, so
	// one LAN socket maps to one public port whatever the destination.
	Cone NAT = iota
	// Symmetric is SNAT --random-fully: every new destination gets a new
	// random public port, so server-reflexive candidates are useless.
	Symmetric
	// UDPBlocked is Cone plus a FORWARD filter: all UDP dropped, TCP only
	// to the destinations passed to Router.
	UDPBlocked
	// ProxyOnly is the same filter with only an HTTP proxy passed to
	// Router: the LAN reaches nothing but the proxy, and everything else
	// (signaling, the relay) only through it.
	ProxyOnly
)

func (n NAT) String() string {
	return [...]string{"cone", "symmetric", "udp-blocked", "proxy-only"}[n]
}

// filtered reports whether the router drops forwarded traffic other than
// TCP to the destinations passed to Router.
func (n NAT) filtered() bool { return n == UDPBlocked || n == ProxyOnly }

// WANPrefix is the "internet" of a Lab.
var WANPrefix = netip.MustParsePrefix("203.0.113.0/24")

// Lab is one topology: a wan namespace holding a bridge, with servers and
// NAT routers attached to it.
type Lab struct {
	t      testing.TB
	prefix string
	WAN    *NS
	ports  int
}

var labCount atomic.Int32

// New creates the wan namespace and its bridge. Call Require first.
func New(t testing.TB) *Lab {
	t.Helper()
	l := &Lab{t: t, prefix: prefix(int(labCount.Add(1)))}
	l.WAN = NewNS(t, l.prefix+"-wan")
	l.WAN.IP("link", "add", "name", "br", "type", "bridge")
	l.WAN.IP("link", "set", "dev", "br", "up")
	return l
}

// ns creates a namespace named after the lab.
func (l *Lab) ns(name string) *NS {
	l.t.Helper()
	return NewNS(l.t, l.prefix+"-"+name)
}

// attach connects ns to the wan bridge through an interface named dev.
func (l *Lab) attach(ns *NS, dev string) {
	l.t.Helper()
	l.ports++
	port := fmt.Sprintf("p%d", l.ports)
	l.WAN.Veth(port, ns, dev)
	l.WAN.IP("link", "set", "dev", port, "master", "br")
}

// Server creates a namespace on the wan with the given address (no route
// beyond the wan: servers only ever answer).
func (l *Lab) Server(name string, addr netip.Addr) *NS {
	l.t.Helper()
	ns := l.ns(name)
	l.attach(ns, "eth0")
	ns.Addr("eth0", netip.PrefixFrom(addr, WANPrefix.Bits()).String())
	return ns
}

// Site is a NAT router and the LAN behind it.
type Site struct {
	Router *NS
	Public netip.Addr
	LAN    netip.Prefix // the router holds the first address
	lab    *Lab
	hosts  int
}

// Router creates a router namespace with public address pub on the wan and
// a LAN bridge on lan, translating with nat. For UDPBlocked and ProxyOnly,
// allowTCP lists the only destinations ("addr:port") LAN hosts may open TCP
// connections to.
func (l *Lab) Router(name string, pub netip.Addr, lan netip.Prefix, nat NAT, allowTCP ...netip.AddrPort) *Site {
	l.t.Helper()
	r := l.ns(name)
	l.attach(r, "wan")
	r.Addr("wan", netip.PrefixFrom(pub, WANPrefix.Bits()).String())
	r.IP("link", "add", "name", "lan", "type", "bridge")
	r.IP("link", "set", "dev", "lan", "up")
	r.Addr("lan", netip.PrefixFrom(lan.Addr().Next(), lan.Bits()).String())
	r.Sysctl("net.ipv4.ip_forward", "1")
	// Like any home router, drop unsolicited packets to the router itself.
	// Besides realism this matters for hole punching: a peer's early probe
	// that reached the router would otherwise leave a conntrack entry that
	// collides with the LAN host's own mapping, and the NAT would then move
	// that host to another port. A dropped packet's entry is never confirmed.
	r.IPTables("-A", "INPUT", "-i", "wan", "-m", "conntrack", "--ctstate", "NEW,INVALID", "-j", "DROP")
	switch nat {
	case Cone, UDPBlocked, ProxyOnly:
		r.IPTables("-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "MASQUERADE")
	case Symmetric:
		r.IPTables("-t", "nat", "-A", "POSTROUTING", "-o", "wan", "-j", "SNAT",
			"--to-source", pub.String(), "--random-fully")
	}
	if nat.filtered() {
		r.IPTables("-A", "FORWARD", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
		for _, ap := range allowTCP {
			r.IPTables("-A", "FORWARD", "-i", "lan", "-p", "tcp", "-d", ap.Addr().String(),
				"--dport", fmt.Sprint(ap.Port()), "-j", "ACCEPT")
		}
		r.IPTables("-A", "FORWARD", "-p", "udp", "-j", "DROP")
		r.IPTables("-A", "FORWARD", "-j", "DROP")
	}
	return &Site{Router: r, Public: pub, LAN: lan, lab: l}
}

// Host creates a host namespace on the site's LAN, with the next free
// address and a default route through the router.
func (s *Site) Host(name string) (*NS, netip.Addr) {
	s.lab.t.Helper()
	s.hosts++
	h := s.lab.ns(name)
	port := fmt.Sprintf("h%d", s.hosts)
	s.Router.Veth(port, h, "eth0")
	s.Router.IP("link", "set", "dev", port, "master", "lan")
	addr := s.LAN.Addr().Next()
	for range s.hosts {
		addr = addr.Next()
	}
	h.Addr("eth0", netip.PrefixFrom(addr, s.LAN.Bits()).String())
	h.IP("route", "add", "default", "via", s.LAN.Addr().Next().String())
	return h, addr
}

// AcceptedTCP returns how many packets the router's FORWARD rule for dst
// accepted (UDPBlocked and ProxyOnly): with conntrack accepting established
// flows first, these are connection openings.
func (s *Site) AcceptedTCP(dst netip.AddrPort) int {
	s.lab.t.Helper()
	out := s.Router.IPTables("-L", "FORWARD", "-v", "-x", "-n")
	return countRule(out, dst)
}

func countRule(listing string, dst netip.AddrPort) int {
	n := 0
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[2] != "ACCEPT" || f[8] != dst.Addr().String() ||
			!strings.Contains(line, fmt.Sprintf("dpt:%d", dst.Port())) {
			continue
		}
		if v, err := strconv.Atoi(f[0]); err == nil {
			n += v
		}
	}
	return n
}
