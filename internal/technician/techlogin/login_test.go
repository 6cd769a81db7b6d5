package techlogin

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/auth"
	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
)

// TestLoginThroughProxy: where HTTPS_PROXY names a proxy for the server,
// the login's channel-bound connection goes through it with CONNECT (Basic
// auth from the proxy URL) and succeeds; a proxy that refuses is named in
// the error with its status.
func TestLoginThroughProxy(t *testing.T) {
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	target := strings.TrimPrefix(srv.URL, "https://")
	for _, tc := range []struct {
		name, status, want string
	}{
		{"tunnel", "200 Connection established", ""},
		{"refused", "403 Forbidden", "CONNECT " + target + " refused: 403 Forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startProxy(t, tc.status)
			proxy, _ := url.Parse("http://lab:secret@" + p.addr)
			hc, err := loginClient(srv.URL, srv.Roots, func(*http.Request) (*url.URL, error) { return proxy, nil })
			if err != nil {
				t.Fatal(err)
			}
			tok, err := auth.Login(t.Context(), hc, srv.URL, srv.Operator.ID, srv.Operator.Password)
			if tc.want == "" && (err != nil || tok.Value == "") {
				t.Fatalf("login through the proxy: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p.addr)) {
				t.Fatalf("login through a refusing proxy: %v, want an error naming the proxy and %q", err, tc.want)
			}
			if got := p.request(t); got.target != target || got.auth != "Basic bGFiOnNlY3JldA==" {
				t.Errorf("proxy saw CONNECT %q with %q, want %q with lab:secret", got.target, got.auth, target)
			}
		})
	}
}

type proxyRequest struct{ target, auth string }

// testProxy answers one CONNECT with status and, on 2xx, relays bytes.
type testProxy struct {
	addr string
	seen chan proxyRequest
}

func startProxy(t *testing.T, status string) *testProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &testProxy{addr: ln.Addr().String(), seen: make(chan proxyRequest, 1)}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		p.seen <- proxyRequest{req.Host, req.Header.Get("Proxy-Authorization")}
		io.WriteString(conn, "HTTP/1.1 "+status+"\r\n\r\n")
		if !strings.HasPrefix(status, "2") {
			return
		}
		up, err := net.Dial("tcp", req.Host)
		if err != nil {
			return
		}
		defer up.Close()
		go io.Copy(up, conn)
		io.Copy(conn, up)
	}()
	return p
}

func (p *testProxy) request(t *testing.T) proxyRequest {
	t.Helper()
	select {
	case r := <-p.seen:
		return r
	default:
		t.Fatal("the proxy saw no CONNECT")
		return proxyRequest{}
	}
}
