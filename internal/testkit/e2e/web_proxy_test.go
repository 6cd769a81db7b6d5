package e2e

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cutProxy is a TLS-terminating HTTP/1.1 reverse proxy between the
// browser and the server, with its own certificate. It can drop every
// connection it holds and stop accepting for a while (a network cut),
// refuse WebSocket upgrades (a proxy that blocks them), and let
// WebSockets open only to kill them soon after (see KillSockets).
type cutProxy struct {
	URL  string
	Cert string // its certificate, PEM
	ln   *gateListener
	back sockBackend

	mu           sync.Mutex
	blockUpgrade bool
	kill         killRule
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
	p := &cutProxy{URL: "https://" + raw.Addr().String(), Cert: certFile, ln: newGateListener(raw),
		back: sockBackend{addr: to.Host, tls: &tls.Config{RootCAs: roots}}}
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
			block, kill := p.blockUpgrade, p.kill
			p.mu.Unlock()
			switch {
			case r.Header.Get("Upgrade") == "":
				rp.ServeHTTP(w, r)
			case block:
				http.Error(w, "WebSockets are not allowed through this proxy", http.StatusForbidden)
			case kill.after > 0 || kill.frames > 0:
				p.back.doomed(w, r, kill)
			default:
				rp.ServeHTTP(w, r)
			}
		}),
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}, // no HTTP/2
		ErrorLog:     quiet,
	}
	go srv.ServeTLS(p.ln, "", "")
	t.Cleanup(func() { p.ln.resume(); srv.Close(); p.back.closeAll() })
	return p
}

// BlockUpgrades makes the proxy refuse every WebSocket from now on.
func (p *cutProxy) BlockUpgrades() {
	p.mu.Lock()
	p.blockUpgrade = true
	p.mu.Unlock()
}

// KillSockets makes the proxy let WebSockets open and pass their frames,
// then drop each one's connection (no close frame) once it has been open
// for after or has carried frames frames both ways, whichever comes
// first; 0 is no such limit, and KillSockets(0, 0) lets new sockets live
// again. Some corporate proxies and antivirus products do this.
func (p *cutProxy) KillSockets(after time.Duration, frames int) {
	p.mu.Lock()
	p.kill = killRule{after: after, frames: frames}
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

// killRule says when the proxy kills a WebSocket it let open: after so
// long, or after so many frames (0: no such limit).
type killRule struct {
	after  time.Duration
	frames int
}

// sockBackend carries WebSockets to the server by hand, frame by frame,
// so the proxy can count their frames and drop them.
type sockBackend struct {
	addr string
	tls  *tls.Config

	mu    sync.Mutex
	socks map[*doomedSock]struct{}
}

// doomed passes one WebSocket upgrade on to the server, then the
// socket's frames both ways until rule kills it.
func (b *sockBackend) doomed(w http.ResponseWriter, r *http.Request, rule killRule) {
	srv, err := tls.Dial("tcp", b.addr, b.tls)
	if err == nil {
		err = r.Write(srv)
	}
	if err != nil {
		http.Error(w, "the server cannot be reached", http.StatusBadGateway)
		return
	}
	client, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		srv.Close()
		return
	}
	s := b.add(&doomedSock{conns: []net.Conn{client, srv}, left: rule.frames})
	fromSrv := bufio.NewReader(srv)
	upgraded, err := passHeader(client, fromSrv)
	switch {
	case err != nil:
		s.kill()
	case !upgraded: // the server refused: pass its answer as it is
		go func() { io.Copy(client, fromSrv); s.kill() }()
	default:
		if rule.after > 0 {
			time.AfterFunc(rule.after, s.kill)
		}
		go s.pass(srv, rw.Reader)
		go s.pass(client, fromSrv)
	}
}

func (b *sockBackend) add(s *doomedSock) *doomedSock {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.socks == nil {
		b.socks = map[*doomedSock]struct{}{}
	}
	b.socks[s] = struct{}{}
	s.gone = func() { b.mu.Lock(); delete(b.socks, s); b.mu.Unlock() }
	return s
}

func (b *sockBackend) closeAll() {
	b.mu.Lock()
	socks := make([]*doomedSock, 0, len(b.socks))
	for s := range b.socks {
		socks = append(socks, s)
	}
	b.mu.Unlock()
	for _, s := range socks {
		s.kill()
	}
}

// passHeader copies the server's answer to the upgrade, up to its blank
// line, and tells whether it switched protocols.
func passHeader(dst io.Writer, src *bufio.Reader) (upgraded bool, err error) {
	for first := true; ; first = false {
		line, err := src.ReadString('\n')
		if err != nil {
			return false, err
		}
		if first {
			upgraded = strings.HasPrefix(line, "HTTP/1.1 101 ")
		}
		if _, err := io.WriteString(dst, line); err != nil {
			return false, err
		}
		if line == "\r\n" {
			return upgraded, nil
		}
	}
}

// doomedSock is one WebSocket through the proxy, with its two
// connections and the frames it may still carry.
type doomedSock struct {
	conns []net.Conn
	gone  func()
	once  sync.Once

	mu   sync.Mutex
	left int // frames before the kill; 0: no limit
}

// pass copies whole frames from src to dst until either side closes or
// the frame limit kills the socket.
func (s *doomedSock) pass(dst net.Conn, src *bufio.Reader) {
	defer s.kill()
	for {
		frame, err := readWSFrame(src)
		if err != nil {
			return
		}
		if _, err := dst.Write(frame); err != nil || s.lastFrame() {
			return
		}
	}
}

// lastFrame counts one frame and tells whether it was the last allowed.
func (s *doomedSock) lastFrame() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left == 0 {
		return false
	}
	s.left--
	return s.left == 0
}

// kill drops both connections at once, with no close frame, as a proxy
// that kills sockets does.
func (s *doomedSock) kill() {
	s.once.Do(func() {
		for _, c := range s.conns {
			c.Close()
		}
		s.gone()
	})
}

// readWSFrame reads one WebSocket frame (RFC 6455 §5.2), header and all.
func readWSFrame(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 2, 14)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	size := uint64(head[1] & 0x7f)
	ext := 0
	switch size {
	case 126:
		ext = 2
	case 127:
		ext = 8
	}
	if head[1]&0x80 != 0 {
		ext += 4 // the mask key
	}
	head = head[:2+ext]
	if _, err := io.ReadFull(r, head[2:]); err != nil {
		return nil, err
	}
	switch size {
	case 126:
		size = uint64(binary.BigEndian.Uint16(head[2:]))
	case 127:
		size = binary.BigEndian.Uint64(head[2:])
	}
	if size > 1<<20 {
		return nil, fmt.Errorf("a %d-byte WebSocket frame: more than the help page ever sends", size)
	}
	frame := make([]byte, len(head)+int(size))
	copy(frame, head)
	_, err := io.ReadFull(r, frame[len(head):])
	return frame, err
}

// TestProxyReadsWSFrames: the killing proxy cuts the byte stream into
// whole frames, whatever their length's encoding (7, 16 or 64 bits) and
// whether masked (the page's) or not (the server's).
func TestProxyReadsWSFrames(t *testing.T) {
	var stream []byte
	var want [][]byte
	for _, size := range []int{0, 125, 126, 65535, 65536} {
		for _, masked := range []bool{false, true} {
			f := wsFrame(size, masked)
			stream = append(stream, f...)
			want = append(want, f)
		}
	}
	r := bufio.NewReader(bytes.NewReader(stream))
	for i, w := range want {
		got, err := readWSFrame(r)
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("frame %d: %d bytes (%v), want %d", i, len(got), err, len(w))
		}
	}
	if _, err := readWSFrame(r); err != io.EOF {
		t.Errorf("after the last frame: %v, want EOF", err)
	}
}

// wsFrame is a binary frame with size payload bytes.
func wsFrame(size int, masked bool) []byte {
	f := []byte{0x82, 0}
	switch {
	case size < 126:
		f[1] = byte(size)
	case size < 1<<16:
		f[1] = 126
		f = binary.BigEndian.AppendUint16(f, uint16(size))
	default:
		f[1] = 127
		f = binary.BigEndian.AppendUint64(f, uint64(size))
	}
	if masked {
		f[1] |= 0x80
		f = append(f, 1, 2, 3, 4)
	}
	for i := range size {
		f = append(f, byte(i))
	}
	return f
}
