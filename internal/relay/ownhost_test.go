package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// staticAddrs is an interface listing for ownHost; set swaps it.
type staticAddrs struct {
	mu    sync.Mutex
	addrs []net.Addr
}

func (s *staticAddrs) set(cidrs ...string) {
	var out []net.Addr
	for _, c := range cidrs {
		ip, n, err := net.ParseCIDR(c)
		if err != nil {
			panic(err)
		}
		n.IP = ip
		out = append(out, n)
	}
	s.mu.Lock()
	s.addrs = out
	s.mu.Unlock()
}

func (s *staticAddrs) list() ([]net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs, nil
}

// TestOwnHostAddrs: which addresses count as the relay's own host, in
// every spelling, and which ports are open on them: live relayed ones only.
func TestOwnHostAddrs(t *testing.T) {
	var ifs staticAddrs
	ifs.set("203.0.113.10/24", "2001:db8::5/64", "192.0.2.7/32")
	o := newOwnHost(50000, 50999, ifs.list)
	if err := o.addFixed(netip.MustParseAddr("198.51.100.20")); err != nil { // a public IP behind 1:1 NAT
		t.Fatal(err)
	}
	// The one live relayed port, in each family; the rest of the range is
	// no more open than any other port.
	o.live.add(liveUDP, &net.UDPAddr{IP: net.IPv4zero, Port: 50500})
	o.live.add(liveUDP, &net.UDPAddr{IP: net.IPv6zero, Port: 50500})
	for _, tc := range []struct {
		addr string
		own  bool
	}{
		{"203.0.113.10", true},
		{"::ffff:203.0.113.10", true},
		{"203.0.113.255", true}, // the subnet's broadcast reaches the host too
		{"203.0.113.0", true},
		{"64:ff9b::cb00:710a", true},      // NAT64 of 203.0.113.10
		{"64:ff9b:1:cb00:71:a00::", true}, // local-use NAT64 (/48 layout)
		{"2002:cb00:710a::1", true},       // 6to4 of 203.0.113.10
		{"2001:db8::5", true},
		{"2001:db8::5%eth0", true},
		{"192.0.2.7", true},
		{"198.51.100.20", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"203.0.113.11", false},
		{"2001:db8::6", false},
		{"192.0.2.8", false}, // a /32 has no broadcast address
		{"8.8.8.8", false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := o.is(a); got != tc.own {
			t.Errorf("is(%s) = %v, want %v", tc.addr, got, tc.own)
		}
		for port, want := range map[uint16]bool{49999: !tc.own, 50000: !tc.own, 50500: true, 50999: !tc.own, 51000: !tc.own, 53: !tc.own} {
			if got := o.permits(liveUDP, netip.AddrPortFrom(a, port)); got != want {
				t.Errorf("permits(%s port %d) = %v, want %v", tc.addr, port, got, want)
			}
		}
	}
}

// TestOwnHostRefresh: an address the host gains is its own within one
// refresh period, one it loses no longer is, and each change is reported
// (the data plane re-flags its permissions then).
func TestOwnHostRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ifs staticAddrs
		ifs.set("203.0.113.10/32")
		o := newOwnHost(50000, 50999, ifs.list)
		var changes atomic.Int32
		o.onChange = func() { changes.Add(1) }
		if err := o.refresh(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go o.run(ctx, ownRefreshEvery, nil, func(err error) { t.Error(err) })

		gained, lost := netip.MustParseAddr("203.0.113.20"), netip.MustParseAddr("203.0.113.10")
		ifs.set("203.0.113.20/32")
		synctest.Wait()
		if o.is(gained) {
			t.Fatal("new address own before any refresh")
		}
		time.Sleep(ownRefreshEvery)
		synctest.Wait()
		if !o.is(gained) || o.is(lost) {
			t.Errorf("after a refresh: is(gained) = %v, is(lost) = %v; want true, false", o.is(gained), o.is(lost))
		}
		time.Sleep(3 * ownRefreshEvery) // nothing changes: nothing reported
		synctest.Wait()
		if got := changes.Load(); got != 2 {
			t.Errorf("%d changes reported, want 2 (start, then the new address)", got)
		}
	})
}

// ownHostService is a UDP socket on the relay's own (loopback) address,
// standing for a resolver or any service bound to 0.0.0.0, and a relay
// whose port range leaves its port out. 127.0.0.1 is allowed by the
// policy, as -allow-peers would: that must not open the host.
func ownHostService(t *testing.T, edit func(*Config)) (*Relay, *net.UDPConn) {
	t.Helper()
	svc := peerSock(t, "127.0.0.1")
	port := addrOf(svc).Port()
	if port <= 2048 {
		t.Skipf("ephemeral port %d leaves no relay range below it", port)
	}
	r := newTestRelay(t, func(c *Config) {
		c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		c.RelayPortMin, c.RelayPortMax = 1024, port-1
		if edit != nil {
			edit(c)
		}
	})
	return r, svc
}

// TestOwnHostUDP: a client reaches nothing on the relay's own address
// outside the relay ports, neither with requests (403) nor with
// ChannelData or Send indications the data plane relays, while a second
// allocation on the same relay (inside the range) gets its traffic.
func TestOwnHostUDP(t *testing.T) {
	r, svc := ownHostService(t, nil)
	if r.dp == nil {
		t.Log("data plane off: pion relays")
	}
	a, b := newRawClient(t, r, "own-a"), newRawClient(t, r, "own-b")
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), addrOf(svc).Port())
	mapped := netip.AddrPortFrom(netip.MustParseAddr("::ffff:127.0.0.1"), target.Port())
	for _, p := range []netip.AddrPort{target, mapped} {
		if code := a.permit(p); code != stun.CodeForbidden {
			t.Errorf("CreatePermission %v: code %d, want 403", p, code)
		}
	}
	if code := a.bind(0x4001, target); code != stun.CodeForbidden {
		t.Errorf("ChannelBind %v: code %d, want 403", target, code)
	}
	// Same relay, inside the range: allowed, and it gives a a permission
	// for 127.0.0.1, which pion keeps per IP, not per port.
	if code := a.bind(0x4002, b.relayed); code != 0 {
		t.Fatalf("ChannelBind to the other allocation %v: code %d", b.relayed, code)
	}
	if code := b.permit(a.relayed); code != 0 {
		t.Fatalf("CreatePermission to the other allocation %v: code %d", a.relayed, code)
	}
	a.sendChannel(0x4002, []byte("to b"))
	if num, _, got, err := b.receive(2 * time.Second); err != nil || string(got) != "to b" || num != 0 {
		t.Fatalf("other allocation got %q (channel %#x, %v), want %q in a Data indication", got, num, err, "to b")
	}
	a.sendIndication(target, []byte("send to the service"))
	a.sendChannel(0x4001, []byte("channel to the service"))
	if got, _ := peerReceives(svc, quiet); got != nil {
		t.Errorf("service on the relay's own address got %q", got)
	}
	if got := metricSum(t, r, "tandem_turn_own_host_drops_total"); got < 1 {
		t.Errorf("own-host drops metric = %v, want >= 1", got)
	}
}

// TestOwnHostTCPClient: the same for a client over TCP, whose data pion
// relays itself (Send indications through pion's relayed socket).
func TestOwnHostTCPClient(t *testing.T) {
	r, svc := ownHostService(t, nil)
	b := newRawClient(t, r, "own-b")
	cred := issue(t, "own-tcp")
	c := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "tcp"})
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	bAddr := net.UDPAddrFromAddrPort(b.relayed)
	aAddr := relayed.LocalAddr().(*net.UDPAddr).AddrPort()
	if code := b.permit(netip.AddrPortFrom(aAddr.Addr().Unmap(), aAddr.Port())); code != 0 {
		t.Fatalf("CreatePermission to the TCP client's allocation: code %d", code)
	}
	// The first write creates the permission for 127.0.0.1 (pion's client
	// keeps them per IP, as the server does).
	var got []byte
	for try := 0; try < 10 && got == nil; try++ {
		if _, err := relayed.WriteTo([]byte("to b"), bAddr); err != nil {
			t.Fatalf("write to the other allocation: %v", err)
		}
		_, _, got, _ = b.receive(200 * time.Millisecond)
	}
	if string(got) != "to b" {
		t.Fatalf("other allocation got %q, want %q", got, "to b")
	}
	for range 3 {
		// A Send indication: the ChannelBind pion's client tries is refused.
		relayed.WriteTo([]byte("to the service"), net.UDPAddrFromAddrPort(addrOf(svc)))
	}
	if got, _ := peerReceives(svc, quiet); got != nil {
		t.Errorf("service on the relay's own address got %q", got)
	}
}

// TestTCPAllocationsOff: an Allocate for TCP (RFC 6062) gets 442 unless
// TCPAllocations is set.
func TestTCPAllocationsOff(t *testing.T) {
	r := newTestRelay(t, nil)
	cred := issue(t, "tcp-off")
	c := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "tcp"})
	if _, err := c.AllocateTCP(); err == nil || !strings.Contains(err.Error(), "442") {
		t.Fatalf("TCP allocation with TCP allocations off: err = %v, want 442", err)
	}
	if _, err := c.Allocate(); err != nil {
		t.Fatalf("UDP allocation over TCP: %v", err)
	}
}

// TestOwnHostConnect: with TCP allocations on, Connect to a TCP service on
// the relay's own address outside the relay ports is refused (403), and to
// another TCP allocation of the same relay succeeds.
func TestOwnHostConnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	svc := ln.Addr().(*net.TCPAddr).AddrPort()
	r, _ := ownHostService(t, func(c *Config) {
		c.TCPAllocations = true
		c.RelayPortMax = min(c.RelayPortMax, svc.Port()-1)
	})
	cred := issue(t, "own-connect")
	a := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "tcp"})
	if _, err := a.AllocateTCP(); err != nil {
		t.Fatalf("allocate tcp: %v", err)
	}
	b := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "tcp"})
	bAlloc, err := b.AllocateTCP()
	if err != nil {
		t.Fatalf("allocate tcp: %v", err)
	}
	connect := func(peer netip.AddrPort) stun.ErrorCode {
		m := request(t, a, r.Addrs().TCP, cred.Username, cred.Password, stun.MethodConnect, peerAttr(xorAddr(peer)))
		return errorCode(t, m)
	}
	if code := connect(svc); code != stun.CodeForbidden {
		t.Errorf("Connect to the relay's own %v: code %d, want 403", svc, code)
	}
	other := bAlloc.Addr().(*net.TCPAddr).AddrPort()
	if code := connect(other); code != 0 {
		t.Errorf("Connect to the other TCP allocation %v: code %d, want success", other, code)
	}
}

// TestGeneratorRefusesOwnHostConnect: the relay address generator refuses
// a Connect pion would make to the own host outside the relay ports,
// whatever reached pion, and every TCP allocation while they are off.
func TestGeneratorRefusesOwnHostConnect(t *testing.T) {
	own := newOwnHost(50000, 50999, func() ([]net.Addr, error) { return nil, nil })
	on := familyGenerator{own: own, tcp: true, v4: &turn.RelayAddressGeneratorPortRange{}}
	_, err := on.AllocateConn(turn.AllocateConnConfig{Network: "tcp4",
		RemoteAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}})
	if !errors.Is(err, errOwnHostPeerPort) {
		t.Errorf("Connect to 127.0.0.1:22: err = %v, want %v", err, errOwnHostPeerPort)
	}
	off := familyGenerator{own: own}
	if _, _, err := off.AllocateListener(turn.AllocateListenerConfig{Network: "tcp4"}); !errors.Is(err, errTCPAllocations) {
		t.Errorf("TCP allocation while off: err = %v, want %v", err, errTCPAllocations)
	}
}

// TestOwnHostEndedSession: a request the relay would refuse itself (403)
// but whose credential's session has ended gets pion's 401, as every
// request of an ended session does: the early answer never outlives the
// credential.
func TestOwnHostEndedSession(t *testing.T) {
	r, svc := ownHostService(t, nil)
	a := newRawClient(t, r, "ended")
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), addrOf(svc).Port())
	if code := a.bind(0x4001, target); code != stun.CodeForbidden {
		t.Fatalf("ChannelBind %v: code %d, want 403", target, code)
	}
	r.EndSession("ended", time.Now().Add(time.Hour))
	if code := errorCode(t, a.exchange(stun.MustBuild(stun.TransactionID,
		stun.NewType(stun.MethodChannelBind, stun.ClassRequest),
		stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{0x40, 0x02, 0, 0}}, peerAttr(xorAddr(target)),
		stun.NewUsername(a.user), stun.NewRealm(DefaultRealm), a.nonce,
		stun.NewLongTermIntegrity(a.user, DefaultRealm, a.pass)))); code != stun.CodeUnauthorized {
		t.Errorf("ChannelBind %v after the session ended: code %d, want 401", target, code)
	}
}

// TestOwnHostLivePorts: the relay port range overlaps the kernel's
// ephemeral ports, so on the relay's own host only live relayed sockets
// are reachable: a service at a port inside the range gets nothing, nor
// does one that takes an allocation's port once it has closed, while a
// second allocation on the same relay gets its traffic, on the data
// plane and through pion (a client over TCP).
func TestOwnHostLivePorts(t *testing.T) {
	r, svc := ownHostService(t, func(c *Config) { c.RelayPortMax = 65535 })
	target := addrOf(svc)
	if !r.own.inRange(target.Port()) {
		t.Fatalf("service port %d outside the relay range", target.Port())
	}
	a, b, c := newRawClient(t, r, "live-a"), newRawClient(t, r, "live-b"), newRawClient(t, r, "live-c")
	if code := a.permit(target); code != stun.CodeForbidden {
		t.Errorf("CreatePermission %v: code %d, want 403", target, code)
	}
	if code := a.bind(0x4001, target); code != stun.CodeForbidden {
		t.Errorf("ChannelBind %v: code %d, want 403", target, code)
	}
	for num, peer := range map[uint16]netip.AddrPort{0x4002: b.relayed, 0x4003: c.relayed} {
		if code := a.bind(num, peer); code != 0 {
			t.Fatalf("ChannelBind to the allocation %v: code %d", peer, code)
		}
	}
	if code := b.permit(a.relayed); code != 0 {
		t.Fatalf("CreatePermission to the other allocation %v: code %d", a.relayed, code)
	}
	a.sendChannel(0x4002, []byte("to b"))
	if _, _, got, err := b.receive(2 * time.Second); err != nil || string(got) != "to b" {
		t.Fatalf("other allocation got %q (%v), want %q", got, err, "to b")
	}
	a.sendIndication(target, []byte("send to the service"))
	if got, _ := peerReceives(svc, quiet); got != nil {
		t.Errorf("service inside the relay range got %q", got)
	}

	lifetime := stun.RawAttribute{Type: stun.AttrLifetime, Value: []byte{0, 0, 0, 0}}
	if code := errorCode(t, c.do(stun.MethodRefresh, lifetime)); code != 0 {
		t.Fatalf("Refresh 0: error %d", code)
	}
	taker := bindWhenFree(t, c.relayed)
	a.sendChannel(0x4003, []byte("channel to a closed allocation's port"))
	a.sendIndication(c.relayed, []byte("send to a closed allocation's port"))
	if got, _ := peerReceives(taker, quiet); got != nil {
		t.Errorf("service on a closed allocation's port got %q", got)
	}

	cred := issue(t, "live-tcp")
	relayed, err := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "tcp"}).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		relayed.WriteTo([]byte("pion to the service"), net.UDPAddrFromAddrPort(target))
	}
	if got, _ := peerReceives(svc, quiet); got != nil {
		t.Errorf("service inside the relay range got %q from a TCP client", got)
	}
}

// bindWhenFree binds a UDP socket at ap once whoever held it has let go.
func bindWhenFree(t *testing.T, ap netip.AddrPort) *net.UDPConn {
	t.Helper()
	for try := 0; ; try++ {
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c
		}
		if try == 100 {
			t.Fatalf("port of the closed allocation still held: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestListenerInRelayRange: a relay port range holding one of the relay's
// own listener ports is refused at start, saying what to change.
func TestListenerInRelayRange(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"udp": func(c *Config) { c.UDPAddr = "127.0.0.1:50000" },
		"tcp": func(c *Config) { c.UDPAddr, c.TCPAddr, c.RelayPortMin, c.RelayPortMax = "", ":3478", 3000, 4000 },
		"tls": func(c *Config) { c.TLSAddr, c.RelayPortMax = "[::1]:65535", 0 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := Config{UDPAddr: "127.0.0.1:3478", Secret: testSecret,
				TLSConfig: &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, nil }}}
			edit(&cfg)
			r, err := New(cfg)
			if err == nil {
				r.Close()
				t.Fatal("relay started with a listener port inside its relay range")
			}
			if !strings.Contains(err.Error(), "inside the relay port range") || !strings.Contains(err.Error(), "-relay-ports") {
				t.Errorf("error %q does not say what to change", err)
			}
		})
	}
	ok := Config{UDPAddr: "127.0.0.1:3478", TCPAddr: "127.0.0.1:0", Secret: testSecret}
	if err := ok.Validate(); err != nil {
		t.Errorf("listener 3478 below the default range: %v", err)
	}
}

// TestOwnHostRoutes: a local route is a prefix, not only an address:
// every address in it is the relay's own host, in every spelling.
func TestOwnHostRoutes(t *testing.T) {
	o := newOwnHost(50000, 50999, func() ([]net.Addr, error) { return nil, nil })
	o.routes = func() ([]netip.Prefix, error) {
		return []netip.Prefix{
			netip.MustParsePrefix("127.0.0.0/8"),
			netip.MustParsePrefix("198.51.100.0/24"),
			netip.MustParsePrefix("::ffff:192.0.2.0/120"),
			netip.MustParsePrefix("2001:db8:1::/48"),
			netip.MustParsePrefix("203.0.113.9/32"),
		}, nil
	}
	if err := o.refresh(); err != nil {
		t.Fatal(err)
	}
	for addr, own := range map[string]bool{
		"198.51.100.0": true, "198.51.100.255": true, "::ffff:198.51.100.7": true,
		"64:ff9b::c633:6407": true, // NAT64 of 198.51.100.7
		"192.0.2.77":         true, "2001:db8:1:ffff::1": true, "203.0.113.9": true,
		"198.51.101.1": false, "192.0.3.1": false, "2001:db8:2::1": false, "203.0.113.10": false,
	} {
		if got := o.is(netip.MustParseAddr(addr)); got != own {
			t.Errorf("is(%s) = %v, want %v", addr, got, own)
		}
	}
	if got := o.set.Load().prefixes; len(got) != 3 {
		t.Errorf("prefixes %v: want three (loopback answered before, /32 a single address)", got)
	}
}
