package peer

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// relayName is the relay's name in the proxy tests. Only the proxy knows
// where it is: it is not in DNS, so a link that tried to reach the relay
// directly would fail to resolve it. (A loopback address would not do: the
// environment's proxy settings never apply to loopback.)
const relayName = "relay.test"

// TestTURNOverTLSThroughProxy relays a link over turns: when the
// environment names an HTTPS proxy: both sides tunnel to the relay with an
// authenticated CONNECT, verify its private-CA certificate inside the
// tunnel, and the proxy sees one CONNECT to the relay per side and nothing
// else (pion dials once per address family; a second tunnel would be a
// second allocation on the relay).
func TestTURNOverTLSThroughProxy(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 30*time.Second)
	ca, relayCert := namedRelayCert(t, relayName)
	_, addr := startTLSRelay(t, relayCert)
	_, port, err := net.SplitHostPort(addr)
	check(t, err)
	target := net.JoinHostPort(relayName, port)
	px := startConnectProxy(t, "tech:s3cret", map[string]string{target: addr})
	setProxyEnv(t, "http://tech:s3cret@"+px.addr)

	cred := must(issueCred())(t)
	cfg := Config{
		RelayOnly: true,
		RootCAs:   ca,
		ICEServers: []webrtc.ICEServer{{
			URLs:     []string{"turns:" + target + "?transport=tcp"},
			Username: cred.Username, Credential: cred.Password,
		}},
		FailedTimeout: time.Second, GiveUpAfter: 5 * time.Second, RestartAfter: 500 * time.Millisecond,
	}
	p := newPair(t, cfg, cfg, nil)
	po, pa := p.connect(ctx, t)
	t.Logf("offerer: %s; answerer: %s", po, pa)
	for _, path := range []Path{po, pa} {
		if path.Direct || path.Local != "relay" || path.Protocol != "tls" {
			t.Errorf("path %s, want relayed over tls", path)
		}
	}
	roundTrip(ctx, t, p.off, p.ans)
	got := px.connects()
	t.Logf("proxy saw %q", got)
	if len(got) != 2 || slices.ContainsFunc(got, func(s string) bool { return s != "CONNECT "+target }) {
		t.Errorf("proxy saw %q, want one CONNECT %s per side", got, target)
	}
}

// TestProxyRefusal: a proxy that refuses the tunnel fails the dial with its
// status line, so the user sees why.
func TestProxyRefusal(t *testing.T) {
	checkLeaks(t)
	px := startConnectProxy(t, "tech:s3cret", nil)
	setProxyEnv(t, "http://tech:wrong@"+px.addr)
	d := turnTLSDialer(Config{ICEServers: []webrtc.ICEServer{{URLs: []string{"turns:relay.test:443?transport=tcp"}}}})
	c, err := d.Dial("tcp4", "relay.test:443")
	if err == nil {
		c.Close()
		t.Fatal("dial through a refusing proxy succeeded")
	}
	if !strings.Contains(err.Error(), "407 Proxy Authentication Required") {
		t.Errorf("error %q does not carry the proxy's status line", err)
	}
	t.Log(err)
}

// TestProxyFromEnvironment checks which relay addresses go through the
// proxy: the HTTPS settings apply, NO_PROXY and loopback are direct.
func TestProxyFromEnvironment(t *testing.T) {
	setProxyEnv(t, "http://proxy.example:3128")
	t.Setenv("HTTP_PROXY", "http://wrong.example:3128") // for http only
	t.Setenv("NO_PROXY", "inside.example")
	d := turnTLSDialer(Config{ICEServers: []webrtc.ICEServer{{URLs: []string{"turn:relay.example:3478?transport=tcp"}}}})
	for addr, want := range map[string]string{
		"relay.example:443":  "proxy.example:3128",
		"inside.example:443": "",
		"127.0.0.1:443":      "",
	} {
		u, err := d.proxy(proxyTarget(addr))
		check(t, err)
		got := ""
		if u != nil {
			got = u.Host
		}
		if got != want {
			t.Errorf("proxy for %s = %q, want %q", addr, got, want)
		}
	}
}

// setProxyEnv makes proxy the environment's only proxy setting.
func setProxyEnv(t *testing.T, proxy string) {
	t.Helper()
	for _, k := range []string{"https_proxy", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"} {
		t.Setenv(k, "")
	}
	t.Setenv("HTTPS_PROXY", proxy)
}

// connectProxy is a minimal HTTP CONNECT proxy on loopback: it requires
// Basic auth, tunnels only to the targets it has routes for, and records
// each request line.
type connectProxy struct {
	addr   string
	auth   string
	routes map[string]string // CONNECT target -> address to dial

	mu     sync.Mutex
	seen   []string
	conns  []net.Conn
	closed bool
}

func startConnectProxy(t *testing.T, userpass string, routes map[string]string) *connectProxy {
	t.Helper()
	ln := must(net.Listen("tcp4", "127.0.0.1:0"))(t)
	p := &connectProxy{addr: ln.Addr().String(), routes: routes,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte(userpass))}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil || !p.track(c) {
				return
			}
			wg.Go(func() { p.serve(c, &wg) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		p.closed = true
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

// track registers c for closing at cleanup; false (c closed) if cleanup ran.
func (p *connectProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns = append(p.conns, c)
	return true
}

func (p *connectProxy) connects() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

func (p *connectProxy) serve(c net.Conn, wg *sync.WaitGroup) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.seen = append(p.seen, req.Method+" "+req.Host)
	p.mu.Unlock()
	dst, ok := p.routes[req.Host]
	switch {
	case req.Header.Get("Proxy-Authorization") != p.auth:
		fmt.Fprint(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n")
		return
	case req.Method != http.MethodConnect || !ok:
		fmt.Fprint(c, "HTTP/1.1 403 Forbidden\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp4", dst)
	if err != nil || !p.track(up) {
		fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer up.Close()
	fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	wg.Go(func() {
		_, _ = io.Copy(up, br)
		up.Close()
	})
	_, _ = io.Copy(c, up)
}

// namedRelayCert returns a CA pool and a relay certificate for name that it
// signed.
func namedRelayCert(t *testing.T, name string) (*x509.CertPool, tls.Certificate) {
	t.Helper()
	caKey := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Tandem proxy test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caCert := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey))(t)))(t)
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey))(t)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
