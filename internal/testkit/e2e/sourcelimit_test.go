package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/sigclient"
	"github.com/tandem-remote/tandem/internal/testkit/netlab"
	"github.com/tandem-remote/tandem/internal/wire/proto"
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

// TestOneSubscriberCannotFill runs the real signaling binary in a network
// namespace with -max-conns 320 and 10 WebSockets per source. One home's
// IPv6 /56 dials two silent WebSockets from each of its 256 /64s: 512,
// more than the server holds, which one source bound alone would let it
// keep (the review's finding). The /56 is held to its share (320/32 =
// 10), and a customer from another /48 gets its WebSocket and an answer
// to its join.
func TestOneSubscriberCannotFill(t *testing.T) {
	netlab.Require(t)
	b := binaries(t)
	sources := make([]string, 256)
	for i := range sources {
		sources[i] = fmt.Sprintf("2001:db8:56:%x::1", 0x100+i) // 2001:db8:56:100::/56
	}
	const quiet = "2001:db8:57::1"
	ns := floodNamespace(t, fmt.Sprintf("tdm56%03d", os.Getpid()%1000), append(sources, quiet))
	data := t.TempDir()
	sig := ns.Start("signaling", b["signaling"], "-addr", "[::]:8443", "-data", data, "-relay=false",
		"-metrics-addr", "127.0.0.1:9640", "-max-conns", "320", "-max-conns-per-source", "10",
		"-new-conns-per-source", "100000", "-new-conns-burst", "100000")
	waitInNS(t, ns, sig, "[::1]:8443")
	roots, err := certs.Pool(filepath.Join(data, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://[::1]:8443"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	seen := map[int]int{}
	work := make(chan string)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for src := range work {
				c, resp, err := dialWSInNS(ctx, ns, url, roots, src)
				mu.Lock()
				switch {
				case err == nil:
					seen[http.StatusSwitchingProtocols]++
					t.Cleanup(func() { c.CloseNow() })
				case resp != nil:
					seen[resp.StatusCode]++
				default:
					seen[0]++
				}
				mu.Unlock()
			}
		})
	}
	for _, src := range sources {
		work <- src
		work <- src
	}
	close(work)
	wg.Wait()
	t.Logf("the /56's 512 WebSockets: %v", seen)
	// Silent ones are dropped after 10 s and their slots taken again, so
	// a slow run may see a few more than 10 opened; never the 320 the
	// server holds.
	opened, refused := seen[http.StatusSwitchingProtocols], seen[http.StatusTooManyRequests]+seen[0]
	if opened < 10 || opened >= 100 || opened+refused != 512 {
		t.Errorf("one /56 dialling 512 WebSockets: %v, want about 10 opened (its share) and the rest refused "+
			"(429, or closed before TLS: 0)", seen)
	}
	c, resp, err := dialWSInNS(ctx, ns, url, roots, quiet)
	if err != nil {
		t.Fatalf("a customer from another /48 while one /56 dials 512: %v (%s)", err, statusText(resp))
	}
	defer c.CloseNow()
	join, _ := proto.Encode(proto.TypeJoin, proto.Join{Code: "000000000"})
	if err := c.Write(ctx, websocket.MessageText, join); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.Read(ctx)
	if env, derr := proto.Decode(msg); err != nil || derr != nil || env.Type != proto.TypeError {
		t.Fatalf("the customer's join: %s, %v, want an error message", msg, err)
	}
}

// dialWSInNS opens a WebSocket to url's /v1/ws from the address from
// inside ns.
func dialWSInNS(ctx context.Context, ns *netlab.NS, url string, roots *x509.CertPool, from string) (*websocket.Conn, *http.Response, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	dial := func(ctx context.Context, network, addr string) (c net.Conn, err error) {
		err = ns.Do(func() error { c, err = d.DialContext(ctx, network, addr); return err })
		return c, err
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: roots}}}
	wsURL, _ := sigclient.WSURL(url)
	return websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: client})
}

func statusText(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	return resp.Status
}
