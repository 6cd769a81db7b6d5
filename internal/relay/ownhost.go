package relay

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v5"
)

// The relay must not be a way into its own host. The peer-address policy
// (policy.go) refuses internal ranges, but the relay's own public address
// is an ordinary public address: without this check a client could relay
// to the resolver, sshd or signaling port on the relay's host, anything
// bound to 0.0.0.0, from the host itself. So a peer on one of the host's
// own addresses is allowed only at a live relayed socket of this relay,
// another allocation (WebRTC needs those when both peers relay through
// the same relay; ownlive.go), and refused at every other port, inside
// the relay port range too. This applies on top of the policy and
// AllowPeers: allowing a range never opens the host's own services.
//
// pion grants permissions per IP address, not per port, so the port is
// checked where data leaves for a peer: in the data plane (against a flag
// computed once per permission), in pion's relayed sockets (dropOwn) and
// before a TCP Connect (AllocateConn). Requests naming an own address at
// another port are refused with 403 before pion sees them (forbid.go).
//
// The host's own addresses are what the kernel delivers locally: on Linux
// every RTN_LOCAL route of the local routing table (ownroutes_linux.go),
// prefixes included (AnyIP: "ip route add local PFX dev lo" makes a whole
// prefix the host's), plus every address of its interfaces (with the
// network and broadcast addresses of IPv4 subnets: Go's UDP sockets may
// broadcast), all of loopback and the unspecified addresses, and the
// configured and advertised relay addresses and the listener addresses
// (a public IP behind 1:1 NAT is on no interface). They are read at start,
// again on every rtnetlink address or route notification (Linux), and
// every ownRefreshEvery in any case (other systems, a lost notification).

// ownRefreshEvery is how often the host's interface addresses are listed.
const ownRefreshEvery = 10 * time.Second

// ownHost answers "does this address reach the relay's host, and if so
// is the port one of the relay's?". It is safe for concurrent use.
type ownHost struct {
	lo, hi uint16 // the relay port range, inclusive
	list   func() ([]net.Addr, error)
	routes func() ([]netip.Prefix, error) // the kernel's local routes; nil: none
	set    atomic.Pointer[ownSet]
	live   livePorts

	mu       sync.Mutex
	fixed    []netip.Addr
	onChange func() // called after the set changed; may be nil
}

func newOwnHost(lo, hi uint16, list func() ([]net.Addr, error)) *ownHost {
	o := &ownHost{lo: lo, hi: hi, list: list}
	o.set.Store(&ownSet{hosts: map[netip.Addr]struct{}{}})
	return o
}

// ownSet is one reading of the host's addresses: single addresses in a
// map, and the few local routes wider than one address (AnyIP prefixes;
// loopback is answered before either is looked at), usually none.
type ownSet struct {
	hosts    map[netip.Addr]struct{}
	prefixes []netip.Prefix
}

func (s *ownSet) has(a netip.Addr) bool {
	if _, ok := s.hosts[a]; ok {
		return true
	}
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (s *ownSet) add(p netip.Prefix) {
	if p.IsSingleIP() {
		if a := canonicalOwn(p.Addr()); !a.IsLoopback() && !a.IsUnspecified() {
			s.hosts[a] = struct{}{}
		}
		return
	}
	if a := p.Addr(); a.Is4In6() {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	if p.IsValid() && !p.Addr().IsLoopback() && !slices.Contains(s.prefixes, p) {
		s.prefixes = append(s.prefixes, p)
	}
}

func (s *ownSet) equal(t *ownSet) bool {
	return len(s.hosts) == len(t.hosts) && sameKeys(s.hosts, t.hosts) &&
		len(s.prefixes) == len(t.prefixes) && !slices.ContainsFunc(s.prefixes, func(p netip.Prefix) bool {
		return !slices.Contains(t.prefixes, p)
	})
}

// canonicalOwn is the form own addresses are kept in: unmapped, without
// zone, and the IPv4 address a NAT64 or 6to4 address carries, which
// reaches the same host through a translator.
func canonicalOwn(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if v4, ok := embeddedV4(a); ok {
		return v4
	}
	return a
}

// is reports whether a reaches the relay's own host.
func (o *ownHost) is(a netip.Addr) bool {
	a = canonicalOwn(a)
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	return o.set.Load().has(a)
}

func (o *ownHost) inRange(port uint16) bool { return port >= o.lo && port <= o.hi }

// permits reports whether the relay may send to ap over t as far as its
// own host is concerned: any address that is not the host's, or a live
// relayed socket of this relay.
func (o *ownHost) permits(t liveTransport, ap netip.AddrPort) bool {
	return !o.is(ap.Addr()) || o.isLive(t, ap)
}

// isLive reports whether ap, an own address, is a live relayed socket.
func (o *ownHost) isLive(t liveTransport, ap netip.AddrPort) bool {
	return o.inRange(ap.Port()) && o.live.has(t, ap)
}

// permitsAddr is permits for a net.Addr (a UDP or TCP address).
func (o *ownHost) permitsAddr(t liveTransport, a net.Addr) bool {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case *net.TCPAddr:
		ap = a.AddrPort()
	default:
		var err error
		if ap, err = netip.ParseAddrPort(addrString(a)); err != nil {
			return false
		}
	}
	return o.permits(t, ap)
}

// addFixed adds addresses that are the host's whatever its interfaces say
// (configured, advertised and listener addresses) and refreshes the set.
func (o *ownHost) addFixed(addrs ...netip.Addr) error {
	o.mu.Lock()
	for _, a := range addrs {
		if a.IsValid() {
			o.fixed = append(o.fixed, canonicalOwn(a))
		}
	}
	o.mu.Unlock()
	return o.refresh()
}

// refresh reads the host's addresses again and swaps in the new set;
// onChange runs when it differs from the old one. On an error the old set
// stays.
func (o *ownHost) refresh() error {
	ifaddrs, err := o.list()
	if err != nil {
		return err
	}
	var routes []netip.Prefix
	if o.routes != nil {
		if routes, err = o.routes(); err != nil {
			return fmt.Errorf("local routes: %w", err)
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	next := &ownSet{hosts: map[netip.Addr]struct{}{}}
	for _, a := range o.fixed {
		next.hosts[a] = struct{}{}
	}
	for _, a := range ifaddrs {
		for _, h := range hostAddrs(a) {
			next.hosts[h] = struct{}{}
		}
	}
	for _, p := range routes {
		next.add(p)
	}
	if next.equal(o.set.Load()) {
		return nil
	}
	o.set.Store(next)
	if o.onChange != nil {
		o.onChange()
	}
	return nil
}

// run refreshes every interval, and whenever changed says the kernel's
// addresses or routes changed (nil: never), until ctx is done.
func (o *ownHost) run(ctx context.Context, every time.Duration, changed <-chan struct{}, logf func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
		if err := o.refresh(); err != nil {
			logf(err)
		}
	}
}

// notify signals changed after every notification w reads, until w is
// closed. A burst arriving during a refresh costs one more refresh.
func notify(w *ownWatch, changed chan<- struct{}) {
	for w.wait() == nil {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
}

// hostAddrs returns the addresses an interface address makes the host's:
// the address, and for an IPv4 subnet wider than /31 its network and
// broadcast addresses, which the kernel delivers locally too.
func hostAddrs(a net.Addr) []netip.Addr {
	var ip net.IP
	var mask net.IPMask
	switch a := a.(type) {
	case *net.IPNet:
		ip, mask = a.IP, a.Mask
	case *net.IPAddr:
		ip = a.IP
	default:
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			return nil
		}
		ip, mask = p.Addr().AsSlice(), net.CIDRMask(p.Bits(), p.Addr().BitLen())
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return nil
	}
	addr = canonicalOwn(addr)
	out := []netip.Addr{addr}
	ones, bits := mask.Size()
	if bits == 128 && addr.Is4() {
		ones -= 96 // an IPv4 address with a 16-byte mask
	}
	if !addr.Is4() || bits == 0 || ones < 0 || ones >= 31 {
		return out
	}
	b := addr.As4()
	v := binary.BigEndian.Uint32(b[:])
	host := uint32(1)<<(32-ones) - 1
	var network, broadcast [4]byte
	binary.BigEndian.PutUint32(network[:], v&^host)
	binary.BigEndian.PutUint32(broadcast[:], v|host)
	return append(out, netip.AddrFrom4(network), netip.AddrFrom4(broadcast))
}

func sameKeys(a, b map[netip.Addr]struct{}) bool {
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// hostInterfaceAddrs lists the host's interface addresses now.
func hostInterfaceAddrs() ([]net.Addr, error) { return net.InterfaceAddrs() }

// netInterfaceAddrs lists the interface addresses of a transport.Net (a
// pion vnet in tests).
func netInterfaceAddrs(netw transport.Net) func() ([]net.Addr, error) {
	return func() ([]net.Addr, error) {
		ifs, err := netw.Interfaces()
		if err != nil {
			return nil, err
		}
		var out []net.Addr
		for _, ifc := range ifs {
			addrs, err := ifc.Addrs()
			if err != nil {
				return nil, err
			}
			out = append(out, addrs...)
		}
		return out, nil
	}
}

// listenerIP is the IP of a listener address, if it names one.
func listenerIP(a net.Addr) netip.Addr {
	ap, err := netip.ParseAddrPort(addrString(a))
	if err != nil || ap.Addr().IsUnspecified() {
		return netip.Addr{}
	}
	return ap.Addr()
}
