package signaling

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// TestSourceLimitsPer64: addresses of one /64 share one bound; the next
// /64 has its own; a released connection gives its slot back once.
func TestSourceLimitsPer64(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	l := newSourceLimits(connCaps{source: 2, site: 100, network: 100}, 1, 100)
	r1, refused, _ := l.admit(netip.MustParseAddr("2001:db8:0:1::1"), now)
	if refused != "" {
		t.Fatal(refused)
	}
	if _, refused, _ := l.admit(netip.MustParseAddr("2001:db8:0:1::2"), now); refused != "" {
		t.Fatal(refused)
	}
	if _, refused, retry := l.admit(netip.MustParseAddr("2001:db8:0:1:8000::3"), now); refused != refusedHeld || retry <= 0 {
		t.Fatalf("third connection from one /64: refused %q, retry %v; want %q", refused, retry, refusedHeld)
	}
	if _, refused, _ := l.admit(netip.MustParseAddr("2001:db8:0:2::1"), now); refused != "" {
		t.Fatalf("the next /64 refused: %s", refused)
	}
	r1.release()
	r1.release() // a second release is a no-op
	if _, refused, _ := l.admit(netip.MustParseAddr("2001:db8:0:1::9"), now); refused != "" {
		t.Fatalf("after a release: %s", refused)
	}
	if _, refused, _ := l.admit(netip.MustParseAddr("2001:db8:0:1::a"), now); refused != refusedHeld {
		t.Fatalf("a double release gave two slots back: %q", refused)
	}
}

// TestSourceLimitsRate: after its burst a source gets one new connection
// a tick of its rate, by the injected clock, and is told how long to wait.
func TestSourceLimitsRate(t *testing.T) {
	clk := &clock{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	l := newSourceLimits(connCaps{source: 1000, site: 1000, network: 1000}, 2, 3) // 2 a second after 3
	src, other := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("198.51.100.8")
	for i := range 3 {
		if _, refused, _ := l.admit(src, clk.Now()); refused != "" {
			t.Fatalf("connection %d of the burst: %s", i+1, refused)
		}
	}
	_, refused, retry := l.admit(src, clk.Now())
	if refused != refusedRate || retry != 500*time.Millisecond {
		t.Fatalf("beyond the burst: refused %q, retry %v; want %q, 500ms", refused, retry, refusedRate)
	}
	if _, refused, _ := l.admit(other, clk.Now()); refused != "" {
		t.Fatalf("another source throttled with the first: %s", refused)
	}
	clk.add(500 * time.Millisecond)
	if _, refused, _ := l.admit(src, clk.Now()); refused != "" {
		t.Fatalf("after 500ms: %s", refused)
	}
	if _, refused, _ := l.admit(src, clk.Now()); refused != refusedRate {
		t.Fatalf("two in one tick: %q", refused)
	}
	if got := retryAfter(500 * time.Millisecond); got != "1" {
		t.Errorf("Retry-After for 500ms = %s, want 1", got)
	}
}

// dialWS opens a WebSocket to f's server from the local address from.
func dialWS(ctx context.Context, f *fixture, from string) (*websocket.Conn, *http.Response, error) {
	wsURL, _ := sigclient.WSURL(f.url)
	return dialFrom(ctx, f, from, wsURL)
}

// dialFrom opens the WebSocket at wsURL on f's server from the local
// address from.
func dialFrom(ctx context.Context, f *fixture, from, wsURL string) (*websocket.Conn, *http.Response, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	tr := &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: f.roots}}
	return websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
}

// TestOneSourceCannotTakeEverySlot: one source dialling more WebSockets
// than the server holds gets its own bound and 429s with Retry-After for
// the rest, and another source still gets its WebSocket.
func TestOneSourceCannotTakeEverySlot(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxConns, c.MaxConnsPerSource = 50, 20 })
	ctx := ctxT(t)
	var mu sync.Mutex
	var held []*websocket.Conn
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 80 {
		wg.Go(func() {
			c, resp, err := dialWS(ctx, f, "127.0.0.2")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				held = append(held, c)
				codes[http.StatusSwitchingProtocols]++
			case resp != nil:
				codes[resp.StatusCode]++
				if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			default:
				t.Errorf("dial: %v", err)
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range held {
			c.CloseNow()
		}
	})
	c, resp, err := dialWS(ctx, f, "127.0.1.1") // another /24: loopback's 127.0.0.0/24 is one network
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("another source while the first holds %d WebSockets: %v (HTTP %d)", len(held), err, status)
	}
	defer c.CloseNow()
	if codes[http.StatusSwitchingProtocols] != 20 || codes[http.StatusTooManyRequests] != 60 {
		t.Errorf("one source dialling 80: %v, want 20 WebSockets (101) and 60 refusals (429)", codes)
	}
	// And it is served: a wrong code gets its answer.
	join, _ := proto.Encode(proto.TypeJoin, proto.Join{Code: "000000000"})
	if err := c.Write(ctx, websocket.MessageText, join); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.Read(ctx)
	if env, derr := proto.Decode(msg); err != nil || derr != nil || env.Type != proto.TypeError {
		t.Fatalf("a join from another source: %s, %v, want an error message", msg, err)
	}
}

// TestSourceListener: at TCP accept a source beyond its bound, or beyond
// its rate, is closed before anything is read; another source and a
// trusted proxy are not.
func TestSourceListener(t *testing.T) {
	clk := &clock{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var refusals []string
	ln := &sourceListener{Listener: raw, limits: newSourceLimits(connCaps{source: 3, site: 100, network: 100}, 1, 3), now: clk.Now,
		exempt:  normalizeAll([]netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.3/128")}),
		refused: func(r string) { mu.Lock(); refusals = append(refusals, r); mu.Unlock() }}
	accepted := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("k"))
			accepted <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	served := func(from string) bool {
		t.Helper()
		c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = c.Read(make([]byte, 1))
		if err != nil && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("from %s: %v", from, err)
		}
		return err == nil
	}
	for i := range 3 {
		if !served("127.0.0.2") {
			t.Fatalf("connection %d of 3 refused", i+1)
		}
	}
	if served("127.0.0.2") {
		t.Fatal("a fourth connection held at once was served")
	}
	if !served("127.0.0.1") {
		t.Fatal("another source refused")
	}
	(<-accepted).Close() // 127.0.0.2 gives one back, but has spent its burst of 3
	if served("127.0.0.2") {
		t.Fatal("a connection beyond the rate was served")
	}
	clk.add(time.Second)
	if !served("127.0.0.2") {
		t.Fatal("a connection after the rate's tick refused")
	}
	for i := range 10 {
		if !served("127.0.0.3") {
			t.Fatalf("the trusted proxy's connection %d refused", i+1)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{refusedHeld, refusedRate}; strings.Join(refusals, ",") != strings.Join(want, ",") {
		t.Errorf("refusals %v, want %v", refusals, want)
	}
}

// BenchmarkSourceAdmit is what the per-source limits add to each accepted
// connection: admit and release, from many sources.
func BenchmarkSourceAdmit(b *testing.B) {
	l := newSourceLimits(capsFor(DefaultMaxConns, DefaultMaxConnsPerSource), DefaultNewConnsPerSource, DefaultNewConnsBurst)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		i++
		addr := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
		now = now.Add(time.Microsecond)
		if slot, refused, _ := l.admit(addr, now); refused == "" {
			slot.release()
		}
	}
}

// counts is how many connections l holds, and how many keys it counts
// them under.
func (l *sourceLimits) counts() (total, keys int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, len(l.held)
}
