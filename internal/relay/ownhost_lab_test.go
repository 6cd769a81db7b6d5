package relay

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/tandem-remote/tandem/internal/server/turncred"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
)

// TestOwnHostLab runs the real turnrelay in a network namespace whose
// public address is a documentation address (203.0.113.3, with a second
// interface address 203.0.113.99 that no flag names), next to a "resolver"
// on UDP 53 and an "sshd" on TCP 22 bound to every address, and probes it
// as an attacker with an ordinary credential would from another namespace:
// -allow-peers covers the whole documentation range, as in the lab. The
// services get nothing, by any path; two allocations on the relay still
// talk; TCP allocations are refused unless -tcp-allocations, and with it
// Connect to the services is refused.
func TestOwnHostLab(t *testing.T) {
	netlab.Require(t)
	if testing.Short() {
		t.Skip("builds turnrelay")
	}
	bins, err := netlab.Build(t.TempDir(), "turnrelay")
	if err != nil {
		t.Fatal(err)
	}
	lab := netlab.New(t)
	host := lab.Server("relay", netlab.RelayAddr)
	host.Addr("eth0", "203.0.113.99/24")
	clientNS := lab.Server("client", netip.MustParseAddr("203.0.113.50"))
	dns, sshd := hostServices(t, host)

	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, testSecret, 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(port uint16, ports string, extra ...string) netip.AddrPort {
		addr := netip.AddrPortFrom(netlab.RelayAddr, port)
		args := append([]string{"-udp", addr.String(), "-tcp", addr.String(), "-tls", "", "-metrics", "",
			"-public-ip", netlab.RelayAddr.String(), "-relay-ports", ports, "-secret-file", secretFile,
			"-allow-peers", "203.0.113.0/24", "-log-level", "warn"}, extra...)
		p := host.Start("turnrelay", bins["turnrelay"], args...)
		netlab.WaitTCP(t, host, p, addr) // UDP is bound before TCP
		return addr
	}
	relayTCP := start(3478, "50000-50999", "-tcp-allocations")
	relayDefault := start(3479, "51000-51999")

	targets := []string{"203.0.113.3:53", "203.0.113.99:53", "[::ffff:203.0.113.3]:53", "203.0.113.255:53"}
	t.Run("udp", func(t *testing.T) {
		a := labRawClient(t, clientNS, relayTCP, "lab-a")
		b := labRawClient(t, clientNS, relayTCP, "lab-b")
		for i, s := range targets {
			p := netip.MustParseAddrPort(s)
			if code := a.permit(p); code != stun.CodeForbidden {
				t.Errorf("CreatePermission %v: code %d, want 403", p, code)
			}
			if code := a.bind(0x4010+uint16(i), p); code != stun.CodeForbidden {
				t.Errorf("ChannelBind %v: code %d, want 403", p, code)
			}
		}
		if code := a.bind(0x4002, b.relayed); code != 0 {
			t.Fatalf("ChannelBind to the other allocation %v: code %d", b.relayed, code)
		}
		if code := b.permit(a.relayed); code != 0 {
			t.Fatalf("CreatePermission to the other allocation %v: code %d", a.relayed, code)
		}
		a.sendChannel(0x4002, []byte("to b"))
		if _, _, got, err := b.receive(2 * time.Second); err != nil || string(got) != "to b" {
			t.Fatalf("other allocation got %q (%v), want %q", got, err, "to b")
		}
		for i, s := range targets {
			a.sendIndication(netip.MustParseAddrPort(s), []byte("send to "+s))
			a.sendChannel(0x4010+uint16(i), []byte("channel to "+s))
		}
		if got, from := peerReceives(dns, quiet); got != nil {
			t.Errorf("the relay host's resolver got %q from %v", got, from)
		}
	})
	t.Run("tcp client", func(t *testing.T) {
		for got, _ := peerReceives(dns, 10*time.Millisecond); got != nil; got, _ = peerReceives(dns, 10*time.Millisecond) {
		} // whatever the udp case let through is its failure, not this one's
		b := labRawClient(t, clientNS, relayTCP, "lab-b2")
		c, _ := labTURNClient(t, clientNS, relayTCP, "lab-tcp")
		relayed, err := c.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		if code := b.permit(relayed.LocalAddr().(*net.UDPAddr).AddrPort()); code != 0 {
			t.Fatalf("CreatePermission to the TCP client's allocation: code %d", code)
		}
		var got []byte
		for try := 0; try < 10 && got == nil; try++ {
			relayed.WriteTo([]byte("to b"), net.UDPAddrFromAddrPort(b.relayed))
			_, _, got, _ = b.receive(200 * time.Millisecond)
		}
		if string(got) != "to b" {
			t.Fatalf("other allocation got %q from the TCP client, want %q", got, "to b")
		}
		for range 3 {
			relayed.WriteTo([]byte("to the resolver"), &net.UDPAddr{IP: netlab.RelayAddr.AsSlice(), Port: 53})
		}
		if got, from := peerReceives(dns, quiet); got != nil {
			t.Errorf("the relay host's resolver got %q from %v", got, from)
		}
		tc, cred := labTURNClient(t, clientNS, relayTCP, "lab-connect")
		if _, err := tc.AllocateTCP(); err != nil {
			t.Fatalf("TCP allocation with -tcp-allocations: %v", err)
		}
		for _, s := range []string{"203.0.113.3:22", "203.0.113.99:22"} {
			peer := xorAddr(netip.MustParseAddrPort(s))
			m := request(t, tc, net.TCPAddrFromAddrPort(relayTCP), cred.Username, cred.Password, stun.MethodConnect, peerAttr(peer))
			if code := errorCode(t, m); code != stun.CodeForbidden {
				t.Errorf("Connect %s: code %d, want 403", s, code)
			}
		}
		if n := sshd.accepted(); n != 0 {
			t.Errorf("the relay host's sshd accepted %d connections", n)
		}
	})
	t.Run("tcp allocations off by default", func(t *testing.T) {
		c, _ := labTURNClient(t, clientNS, relayDefault, "lab-default")
		if _, err := c.AllocateTCP(); err == nil || !strings.Contains(err.Error(), "442") {
			t.Fatalf("TCP allocation without -tcp-allocations: err = %v, want 442", err)
		}
	})
}

// TestOwnHostLocalRouteLab: a prefix the kernel delivers locally only
// through its local routing table (AnyIP, "ip route add local
// 198.51.100.0/24 dev lo": on no interface) is the relay's own host. A
// UDP service bound in it, at a port outside and one inside the relay
// range, gets nothing through the real turnrelay, whose -allow-peers
// covers the prefix; two allocations on the relay still talk.
func TestOwnHostLocalRouteLab(t *testing.T) {
	netlab.Require(t)
	if testing.Short() {
		t.Skip("builds turnrelay")
	}
	bins, err := netlab.Build(t.TempDir(), "turnrelay")
	if err != nil {
		t.Fatal(err)
	}
	lab := netlab.New(t)
	host := lab.Server("relay", netlab.RelayAddr)
	host.IP("route", "add", "local", "198.51.100.0/24", "dev", "lo")
	clientNS := lab.Server("client", netip.MustParseAddr("203.0.113.50"))
	var services []*net.UDPConn
	if err := host.Do(func() error {
		for _, port := range []int{53, 50500} {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(198, 51, 100, 7), Port: port})
			if err != nil {
				return err
			}
			t.Cleanup(func() { c.Close() })
			services = append(services, c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, testSecret, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := netip.AddrPortFrom(netlab.RelayAddr, 3478)
	p := host.Start("turnrelay", bins["turnrelay"], "-udp", addr.String(), "-tcp", addr.String(), "-tls", "",
		"-metrics", "", "-public-ip", netlab.RelayAddr.String(), "-relay-ports", "50000-50999",
		"-secret-file", secretFile, "-allow-peers", "198.51.100.0/24,203.0.113.0/24", "-log-level", "warn")
	netlab.WaitTCP(t, host, p, addr)

	a, b := labRawClient(t, clientNS, addr, "route-a"), labRawClient(t, clientNS, addr, "route-b")
	for i, svc := range services {
		target := addrOf(svc)
		if code := a.permit(target); code != stun.CodeForbidden {
			t.Errorf("CreatePermission %v: code %d, want 403", target, code)
		}
		if code := a.bind(0x4010+uint16(i), target); code != stun.CodeForbidden {
			t.Errorf("ChannelBind %v: code %d, want 403", target, code)
		}
		a.sendIndication(target, []byte("send to "+target.String()))
		a.sendChannel(0x4010+uint16(i), []byte("channel to "+target.String()))
	}
	if code := a.bind(0x4002, b.relayed); code != 0 {
		t.Fatalf("ChannelBind to the other allocation %v: code %d", b.relayed, code)
	}
	if code := b.permit(a.relayed); code != 0 {
		t.Fatalf("CreatePermission to the other allocation %v: code %d", a.relayed, code)
	}
	a.sendChannel(0x4002, []byte("to b"))
	if _, _, got, err := b.receive(2 * time.Second); err != nil || string(got) != "to b" {
		t.Fatalf("other allocation got %q (%v), want %q", got, err, "to b")
	}
	for _, svc := range services {
		if got, from := peerReceives(svc, quiet); got != nil {
			t.Errorf("service at %v in the local-route prefix got %q from %v", addrOf(svc), got, from)
		}
	}
}

// countingListener accepts and counts TCP connections until the test ends.
type countingListener struct{ n chan struct{} }

func (l countingListener) accepted() int { return len(l.n) }

// hostServices opens, in the relay's namespace, a UDP socket on port 53
// and a TCP listener on port 22, both on every address.
func hostServices(t *testing.T, host *netlab.NS) (*net.UDPConn, countingListener) {
	t.Helper()
	var dns *net.UDPConn
	var ln net.Listener
	if err := host.Do(func() (err error) {
		if dns, err = net.ListenUDP("udp4", &net.UDPAddr{Port: 53}); err != nil {
			return err
		}
		ln, err = net.Listen("tcp4", ":22")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l := countingListener{n: make(chan struct{}, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.n <- struct{}{}
			c.Close()
		}
	}()
	t.Cleanup(func() { dns.Close(); ln.Close() })
	return dns, l
}

// labRawClient allocates over UDP from a socket in ns.
func labRawClient(t *testing.T, ns *netlab.NS, server netip.AddrPort, tag string) *rawClient {
	t.Helper()
	var conn *net.UDPConn
	if err := ns.Do(func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return newRawClientAt(t, conn, net.UDPAddrFromAddrPort(server), tag)
}

// labTURNClient connects a pion/turn client over TCP from ns.
func labTURNClient(t *testing.T, ns *netlab.NS, server netip.AddrPort, tag string) (*turn.Client, turncred.Credential) {
	t.Helper()
	var conn net.Conn
	if err := ns.Do(func() (err error) {
		conn, err = net.DialTimeout("tcp4", server.String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cred := issue(t, tag)
	pc := turn.NewSTUNConn(conn)
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: server.String(), TURNServerAddr: server.String(), Conn: pc,
		Username: cred.Username, Password: cred.Password, Realm: DefaultRealm, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); pc.Close() })
	return c, cred
}
