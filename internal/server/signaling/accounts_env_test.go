package signaling

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/wire/login"
)

// server is a real signaling process (Prepare + Run) over TLS, with fast
// password hashing for tests.
type server struct {
	t     *testing.T
	dir   string
	svc   *Service
	base  string
	roots *x509.CertPool
	hc    *http.Client
	out   string
	stop  func()
}

const adminPassword = "copper lantern orchard velvet 7"

func startServer(t *testing.T, dir string, mod func(*Options)) *server {
	t.Helper()
	var out bytes.Buffer
	o := Options{Addr: "127.0.0.1:0", DataDir: dir, PublicURL: "https://127.0.0.1", Out: &out,
		Auth: auth.Config{Iterations: auth.MinIterations}}
	if mod != nil {
		mod(&o)
	}
	svc, err := Prepare(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	roots, err := certs.Pool(filepath.Join(dir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, dir: dir, svc: svc, base: "https://" + svc.ln.Addr().String(), roots: roots, out: out.String(),
		hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}}
	stopped := false
	s.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}
	t.Cleanup(s.stop)
	return s
}

var setupTokenRE = regexp.MustCompile(`tdmsetup_[A-Za-z0-9_-]{43}`)

func (s *server) setupToken() string {
	s.t.Helper()
	tok := setupTokenRE.FindString(s.out)
	if tok == "" {
		s.t.Fatalf("no setup token in the summary:\n%s", s.out)
	}
	return tok
}

// do sends a JSON request with an optional bearer token and returns the
// status and body.
func (s *server) do(method, path, token string, body any) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// raw sends exactly "METHOD target HTTP/1.1" over TLS, so that no client
// library cleans or re-encodes the path, and returns status and body.
func (s *server) raw(method, target string, body string) (int, string) {
	s.t.Helper()
	conn, err := tls.Dial("tcp", s.svc.ln.Addr().String(), &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1"})
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n"+
		"Content-Length: "+itoa(len(body))+"\r\n\r\n"+body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// setup creates the first administrator "root" through the setup route.
func (s *server) setup() {
	s.t.Helper()
	code, body := s.do("POST", "/v1/setup", "", map[string]string{"token": s.setupToken(), "id": "root", "name": "Root Admin", "password": adminPassword})
	if code != http.StatusNoContent {
		s.t.Fatalf("setup: %d %s", code, body)
	}
}

func (s *server) login(id, password string) (string, error) {
	tok, err := login.Login(context.Background(), s.hc, s.base, id, password)
	return tok.Value, err
}

func (s *server) mustLogin(id, password string) string {
	s.t.Helper()
	tok, err := s.login(id, password)
	if err != nil {
		s.t.Fatalf("login %s: %v", id, err)
	}
	return tok
}
