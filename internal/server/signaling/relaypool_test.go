package signaling

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tandem-remote/tandem/internal/link/certs"
)

// fakeRelay is a UDP socket on loopback that answers STUN Binding
// requests while answering is set, and drops them otherwise.
type fakeRelay struct {
	conn      *net.UDPConn
	answering atomic.Bool
	wg        sync.WaitGroup
}

func newFakeRelay(t *testing.T, answering bool) *fakeRelay {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRelay{conn: conn}
	f.answering.Store(answering)
	f.wg.Go(f.serve)
	t.Cleanup(func() { conn.Close(); f.wg.Wait() })
	return f
}

func (f *fakeRelay) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := f.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if !f.answering.Load() {
			continue
		}
		if res, ok := bindingAnswer(buf[:n], from); ok {
			f.conn.WriteToUDP(res, from)
		}
	}
}

// bindingAnswer is the success answer to a Binding request in raw.
func bindingAnswer(raw []byte, from net.Addr) ([]byte, bool) {
	req := &stun.Message{Raw: append([]byte(nil), raw...)}
	if req.Decode() != nil || req.Type != stun.BindingRequest {
		return nil, false
	}
	ap, _ := netipAddrPort(from)
	res, err := stun.Build(req, stun.BindingSuccess,
		&stun.XORMappedAddress{IP: ap.IP, Port: ap.Port}, stun.Fingerprint)
	if err != nil {
		return nil, false
	}
	return res.Raw, true
}

func netipAddrPort(a net.Addr) (*net.UDPAddr, bool) {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a, true
	case *net.TCPAddr:
		return &net.UDPAddr{IP: a.IP, Port: a.Port}, true
	}
	return &net.UDPAddr{}, false
}

func (f *fakeRelay) url() string { return "turn:" + f.conn.LocalAddr().String() + "?transport=udp" }

// testPool is a pool of urls that marks a relay down after two missed
// probes; each waits up to 1 s, long enough for a loaded machine to answer
// on loopback (a live relay missing two in a row would fail the test).
func testPool(t *testing.T, urls ...string) (*relayPool, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	p, err := newRelayPool(urls, RelayProbe{Interval: time.Second, Timeout: time.Second, Failures: 2}, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p, reg
}

func relayUp(t *testing.T, p *relayPool, url string) float64 {
	t.Helper()
	return testutil.ToFloat64(p.up.WithLabelValues(url))
}

// TestRelayPoolUDP: of two relays on loopback one answers STUN and one
// drops every request. After one missed probe both are still handed out;
// after the second only the live one is, and tandem_relay_up says so; the
// silent one is back at its first answer; with none answering all are
// handed out.
func TestRelayPoolUDP(t *testing.T) {
	live, silent := newFakeRelay(t, true), newFakeRelay(t, false)
	p, _ := testPool(t, live.url(), silent.url())
	ctx := t.Context()

	p.probeAll(ctx)
	if got, want := p.healthy(), []string{live.url(), silent.url()}; !slices.Equal(got, want) {
		t.Fatalf("after one missed probe: %v, want both %v", got, want)
	}
	p.probeAll(ctx)
	if got, want := p.healthy(), []string{live.url()}; !slices.Equal(got, want) {
		t.Fatalf("after two missed probes: %v, want only the live relay %v", got, want)
	}
	if relayUp(t, p, silent.url()) != 0 || relayUp(t, p, live.url()) != 1 {
		t.Errorf("tandem_relay_up: silent %v, live %v; want 0 and 1", relayUp(t, p, silent.url()), relayUp(t, p, live.url()))
	}

	silent.answering.Store(true)
	p.probeAll(ctx)
	if got := p.healthy(); len(got) != 2 || relayUp(t, p, silent.url()) != 1 {
		t.Fatalf("after the silent relay answered: %v (up %v), want both", got, relayUp(t, p, silent.url()))
	}

	live.answering.Store(false)
	silent.answering.Store(false)
	p.probeAll(ctx)
	p.probeAll(ctx)
	if got := p.healthy(); len(got) != 2 {
		t.Fatalf("none answering: %v, want all handed out", got)
	}
	if relayUp(t, p, silent.url()) != 0 || relayUp(t, p, live.url()) != 0 {
		t.Error("none answering: tandem_relay_up should be 0 for both")
	}
}

// TestRelayPoolClosedPort: a UDP port nobody listens on (the kernel's
// ICMP port unreachable) and a TCP port that refuses connections both
// count as missed probes.
func TestRelayPoolClosedPort(t *testing.T) {
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	deadUDP := "turn:" + udp.LocalAddr().String() + "?transport=udp"
	udp.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadTCP := "turn:" + tcp.Addr().String() + "?transport=tcp"
	tcp.Close()
	// Without the kernel's answer the probe times out: a miss all the same.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	for _, u := range []string{deadUDP, deadTCP} {
		if err := (netProber{}).probe(ctx, u); err == nil {
			t.Errorf("probe of closed %s succeeded", u)
		}
	}
}

// TestRelayPoolTCP: over TCP the probe is a Binding on the stream; a
// listener that accepts but never answers is a missed probe.
func TestRelayPoolTCP(t *testing.T) {
	answering := tcpRelay(t, true)
	mute := tcpRelay(t, false)
	guard, cancel := context.WithTimeout(t.Context(), 30*time.Second) // a hang guard
	defer cancel()
	if err := (netProber{}).probe(guard, answering); err != nil {
		t.Errorf("probe of the answering TCP relay: %v", err)
	}
	short, cancelShort := context.WithTimeout(t.Context(), 300*time.Millisecond) // the mute one's wait
	defer cancelShort()
	if err := (netProber{}).probe(short, mute); err == nil {
		t.Error("probe of a TCP listener that never answers succeeded")
	}
}

// tcpRelay listens on loopback and, when answer is set, answers each
// connection's Binding request.
func tcpRelay(t *testing.T, answer bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveTCPBinding(c, answer) })
		}
	})
	return "turn:" + ln.Addr().String() + "?transport=tcp"
}

func serveTCPBinding(c net.Conn, answer bool) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second)) // a hang guard only
	raw, err := readSTUN(c, false)
	if err != nil || !answer {
		c.Read(make([]byte, 1)) // hold the connection until the prober leaves
		return
	}
	if res, ok := bindingAnswer(raw, c.RemoteAddr()); ok {
		c.Write(res)
	}
}

// TestICEServersFromPool: a session is handed only the relays up, still
// rewritten to the operator's assigned port, with the STUN entry of the
// live one only.
func TestICEServersFromPool(t *testing.T) {
	up, down := "turn:192.0.2.1:3478?transport=udp", "turn:192.0.2.2:3478?transport=udp"
	p, _ := testPool(t, up, down)
	p.dialer = fakeProber{dead: down}
	p.probeAll(t.Context())
	p.probeAll(t.Context())
	s := &Server{cfg: Config{TURNURLs: []string{up, down}, TURNSecret: []byte(strings.Repeat("s", 32)), relays: p}}
	for port, want := range map[int][]string{
		0:   {"stun:192.0.2.1:3478", up},
		443: {"stun:192.0.2.1:443", "turn:192.0.2.1:443?transport=udp"},
	} {
		ice, err := s.iceServers("sess", time.Now().Add(time.Hour), port)
		if err != nil {
			t.Fatal(err)
		}
		if got := allURLs(ice); !slices.Equal(got, want) {
			t.Errorf("port %d: %v, want %v", port, got, want)
		}
	}
}

type fakeProber struct{ dead string }

func (f fakeProber) probe(_ context.Context, u string) error {
	if u == f.dead {
		return errors.New("no answer")
	}
	return nil
}

func TestProbeTarget(t *testing.T) {
	for _, tc := range []struct{ url, network, addr string }{
		{"turn:relay.example?transport=udp", "udp", "relay.example:3478"},
		{"turn:relay.example:3479", "udp", "relay.example:3479"},
		{"turn:relay.example:443?transport=tcp", "tcp", "relay.example:443"},
		{"turns:relay.example?transport=tcp", "tls", "relay.example:5349"},
		{"turn:[2001:db8::1]?transport=udp", "udp", "[2001:db8::1]:3478"},
		{"turns:[2001:db8::1]:443?transport=tcp", "tls", "[2001:db8::1]:443"},
	} {
		network, addr, err := probeTarget(tc.url)
		if err != nil || network != tc.network || addr != tc.addr {
			t.Errorf("%s: %s %s %v, want %s %s", tc.url, network, addr, err, tc.network, tc.addr)
		}
	}
}

// TestRelayPoolTLS: a turns: URL is probed with a TLS handshake (a
// self-generated certificate, as a relay's may be to signaling) and a
// Binding inside; a plain TCP relay behind a turns: URL is a missed probe.
func TestRelayPoolTLS(t *testing.T) {
	dir := t.TempDir()
	cert, _, _, err := certs.LoadOrCreate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveTCPBinding(c, true) })
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // a hang guard
	defer cancel()
	if err := (netProber{}).probe(ctx, "turns:"+ln.Addr().String()+"?transport=tcp"); err != nil {
		t.Errorf("probe of the TLS relay: %v", err)
	}
	plain := strings.Replace(tcpRelay(t, true), "turn:", "turns:", 1)
	if err := (netProber{}).probe(ctx, plain); err == nil {
		t.Error("a turns: probe of a plain TCP listener succeeded")
	}
}
