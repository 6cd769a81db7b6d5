package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/certs"
	"github.com/tandem-remote/tandem/internal/proto"
	"github.com/tandem-remote/tandem/internal/sigclient"
)

// TestOneSourceCannotHoldEverySlot runs the real signaling binary with
// -max-conns 50 and 20 WebSockets per source. One loopback address
// (127.1.0.2) redials 80 WebSockets in a loop, as the review's probe did
// (each idle one is dropped after ten seconds and dialled again), another
// (127.2.0.3) holds raw TCP connections without a TLS handshake; the
// customer at 127.0.0.1 still gets its WebSocket and an answer to its
// join. (Each in a /24 of its own: a /24 is one network, capped too.)
// Help-desk chat sockets count with the rest: a fourth source gets its
// 20 of 25. The counts are read where an administrator reads them:
// /metrics on -metrics-addr, which the HTTPS port no longer serves.
func TestOneSourceCannotHoldEverySlot(t *testing.T) {
	b := binaries(t)
	data := t.TempDir()
	addr, metricsAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	_, summary := serveOn(t, b, addr, data, "-max-conns", "50", "-max-conns-per-source", "20", "-metrics-addr", metricsAddr)
	if !strings.Contains(summary, "Metrics: http://"+metricsAddr+"/metrics") || !strings.Contains(summary, "at most 20 WebSockets") {
		t.Fatalf("the start-up summary does not name the metrics address and the per-source bound:\n%s", summary)
	}
	roots, err := certs.Pool(filepath.Join(data, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	url := "https://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	statuses := redialWebSockets(ctx, &wg, url, roots, "127.1.0.2", 80)
	holdTCP(ctx, &wg, addr, "127.2.0.3", 110)

	metric := func(name string) float64 { return scrape(t, metricsAddr, name) }
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never happened; the redialling source saw %v", what, statuses())
			}
		}
	}
	eventually("20 WebSockets held", func() bool { return metric("tandem_signaling_connections") >= 20 })

	c, err := sigclient.Dial(ctx, url, roots)
	if err != nil {
		t.Fatalf("another source while one redials every slot: %v (the flood saw %v)", err, statuses())
	}
	defer c.Close()
	if _, err := c.Join(ctx, "000000000"); !errors.Is(err, proto.ErrInvalidCode) {
		t.Fatalf("join from another source: %v, want %v", err, proto.ErrInvalidCode)
	}
	eventually("refusals counted at both layers", func() bool {
		return metric(`tandem_signaling_source_refused_total{layer="websocket",reason="per-source-held"}`) > 0 &&
			metric(`tandem_signaling_source_refused_total{layer="tcp",reason="per-source-held"}`) > 0
	})
	if n := metric("tandem_signaling_connections"); n > 21 {
		t.Errorf("%v WebSockets open: one source holds more than its 20", n)
	}
	if got := statuses(); got[http.StatusTooManyRequests] == 0 || got[http.StatusServiceUnavailable] != 0 {
		t.Errorf("the redialling source saw %v: want 429s, and no 503 (the server never filled)", got)
	}
	if got := dialChats(t, url, roots, "127.3.0.2", 25); got[http.StatusSwitchingProtocols] != 20 || got[http.StatusTooManyRequests] != 5 {
		t.Errorf("25 help-desk chat sockets from one source: %v, want 20 opened (101) and 5 refused (429)", got)
	}
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}).Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the HTTPS port: %d, want 404", resp.StatusCode)
	}
}

// TestQuietNetworkGetsIn runs the real signaling binary with -max-conns
// 60 and 20 per source. Six addresses in three /24s redial 40 WebSockets
// each without a hello: each /24 is held to its 20, and the three fill
// the server. A newcomer from a fourth /24 still gets its WebSocket and
// an answer to its join, taking the slot of a silent one.
func TestQuietNetworkGetsIn(t *testing.T) {
	b := binaries(t)
	data := t.TempDir()
	addr, metricsAddr := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	_, summary := serveOn(t, b, addr, data, "-max-conns", "60", "-max-conns-per-source", "20", "-metrics-addr", metricsAddr)
	if !strings.Contains(summary, "from one network (IPv4 /24, IPv6 /48) at most 20") {
		t.Fatalf("the start-up summary does not name the per-network bound:\n%s", summary)
	}
	roots, err := certs.Pool(filepath.Join(data, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	url := "https://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, from := range []string{"127.1.0.2", "127.1.0.3", "127.2.0.2", "127.2.0.3", "127.3.0.2", "127.3.0.3"} {
		redialWebSockets(ctx, &wg, url, roots, from, 40)
	}
	metric := func(name string) float64 { return scrape(t, metricsAddr, name) }
	for deadline := time.Now().Add(30 * time.Second); metric("tandem_signaling_connections") < 60; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood never filled the server: %v WebSockets", metric("tandem_signaling_connections"))
		}
	}
	if n := metric(`tandem_signaling_source_refused_total{layer="websocket",reason="per-network-held"}`); n == 0 {
		t.Error("no WebSocket refused for its network's bound")
	}
	c, err := sigclient.Dial(ctx, url, roots)
	if err != nil {
		t.Fatalf("a newcomer from a quiet network while three fill the server: %v", err)
	}
	defer c.Close()
	if _, err := c.Join(ctx, "000000000"); !errors.Is(err, proto.ErrInvalidCode) {
		t.Fatalf("join from the quiet network: %v, want %v", err, proto.ErrInvalidCode)
	}
}

// dialChats opens n help-desk chat sockets to url from the local address
// from at once, and counts the HTTP statuses seen (101: opened); the
// opened ones are closed when t ends.
func dialChats(t *testing.T, url string, roots *x509.CertPool, from string, n int) map[int]int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: roots}}}
	chatURL := "wss" + strings.TrimPrefix(url, "https") + "/v1/desk/chat"
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, resp, err := websocket.Dial(context.Background(), chatURL, &websocket.DialOptions{HTTPClient: client})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				seen[http.StatusSwitchingProtocols]++
				t.Cleanup(func() { c.CloseNow() })
			case resp != nil:
				seen[resp.StatusCode]++
			default:
				seen[0]++
			}
		})
	}
	wg.Wait()
	return seen
}

// redialWebSockets keeps n WebSockets to url open from the local address
// from, dialling again each one the server closes, until ctx ends. It
// returns a function that counts the HTTP statuses seen (101: opened).
func redialWebSockets(ctx context.Context, wg *sync.WaitGroup, url string, roots *x509.CertPool, from string, n int) func() map[int]int {
	var mu sync.Mutex
	seen := map[int]int{}
	wsURL, _ := sigclient.WSURL(url)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: client})
				status := 0
				switch {
				case err == nil:
					status = http.StatusSwitchingProtocols
				case resp != nil:
					status = resp.StatusCode
				}
				mu.Lock()
				seen[status]++
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond) // a client's retry, not a timing
					continue
				}
				c.Read(ctx) // until the server drops it (no hello) or ctx ends
				c.CloseNow()
			}
		})
	}
	return func() map[int]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[int]int{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

// holdTCP keeps n TCP connections to addr open from the local address
// from, never starting TLS, dialling again each one that is closed.
func holdTCP(ctx context.Context, wg *sync.WaitGroup, addr, from string, n int) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				io.Copy(io.Discard, c) // until closed: at once when refused
				stop()
				c.Close()
				time.Sleep(50 * time.Millisecond) // a client's retry, not a timing
			}
		})
	}
}

// scrape reads one sample (name with its labels, as exposed) from the
// metrics listener at addr; absent is 0.
func scrape(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}
