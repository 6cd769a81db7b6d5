package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// cutProxy is a TLS-terminating HTTP/1.1 reverse proxy between the
// browser and the server, with its own certificate. It can drop every
// connection it holds and stop accepting for a while (a network cut), and
// refuse WebSocket upgrades (a proxy that blocks them).
type cutProxy struct {
	URL  string
	Cert string // its certificate, PEM
	ln   *gateListener

	mu           sync.Mutex
	blockUpgrade bool
}

var quiet = log.New(io.Discard, "", 0)

func newCutProxy(t *testing.T, target string, roots *x509.CertPool) *cutProxy {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "proxy.pem")
	cert := selfSigned(t, certFile)
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{URL: "https://" + raw.Addr().String(), Cert: certFile, ln: newGateListener(raw)}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(to)
			r.Out.Host = r.In.Host // the server checks Origin against Host
		},
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
		ErrorLog:  quiet, // cuts make errors on purpose
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.mu.Lock()
			block := p.blockUpgrade
			p.mu.Unlock()
			if block && r.Header.Get("Upgrade") != "" {
				http.Error(w, "WebSockets are not allowed through this proxy", http.StatusForbidden)
				return
			}
			rp.ServeHTTP(w, r)
		}),
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no HTTP/2
		ErrorLog:     quiet,
	}
	go srv.ServeTLS(p.ln, "", "")
	t.Cleanup(func() { p.ln.resume(); srv.Close() })
	return p
}

// BlockUpgrades makes the proxy refuse every WebSocket from now on.
func (p *cutProxy) BlockUpgrades() {
	p.mu.Lock()
	p.blockUpgrade = true
	p.mu.Unlock()
}

// Cut drops every connection and holds new ones unanswered until Resume.
func (p *cutProxy) Cut() int { return p.ln.cut() }

// Refuse drops every connection and closes new ones at once until
// Resume: requests fail instead of waiting.
func (p *cutProxy) Refuse() int {
	p.ln.mu.Lock()
	p.ln.refuse = true
	p.ln.mu.Unlock()
	return p.ln.cut()
}

// Resume lets held and new connections through again.
func (p *cutProxy) Resume() { p.ln.resume() }

// gateListener tracks its connections so they can all be closed at once,
// and while paused holds back accepted ones (the peer's connect succeeds,
// its TLS handshake waits) or closes them.
type gateListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	paused chan struct{} // non-nil while paused; closed on resume
	refuse bool          // while paused: close new connections instead of holding them
}

func newGateListener(l net.Listener) *gateListener {
	return &gateListener{Listener: l, conns: map[net.Conn]struct{}{}}
}

func (l *gateListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		gate, refuse := l.paused, l.refuse
		l.mu.Unlock()
		if gate != nil && refuse {
			c.Close()
			continue
		}
		if gate != nil {
			<-gate
		}
		return l.track(c), nil
	}
}

func (l *gateListener) track(c net.Conn) net.Conn {
	l.mu.Lock()
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	return &trackedConn{Conn: c, l: l}
}

func (l *gateListener) cut() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.paused == nil {
		l.paused = make(chan struct{})
	}
	n := len(l.conns)
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
	return n
}

func (l *gateListener) resume() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.paused != nil {
		close(l.paused)
		l.paused = nil
	}
	l.refuse = false
}

type trackedConn struct {
	net.Conn
	l    *gateListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c.Conn)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// selfSigned makes a certificate for 127.0.0.1, writes it to certFile as
// PEM and returns it with its key.
func selfSigned(t *testing.T, certFile string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tandem test proxy"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
