package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/auth"
	"github.com/tandem-remote/tandem/internal/signaling"
	"github.com/tandem-remote/tandem/internal/signaling/signalingtest"
)

// TestExitStatus runs the technician's real main logic against an
// in-process signaling server with a real operator account and checks the
// failures a technician meets.
func TestExitStatus(t *testing.T) {
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	t.Setenv("TANDEM_PASSWORD", "")
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("not the password at all, sorry\n"), 0o600)
	user := srv.Operator.ID

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "-user ID"},
		{"no user", []string{"-server", srv.URL}, 2, "-server and -user are required"},
		{"token file", []string{"-server", srv.URL, "-token-file", filepath.Join(dir, "technician-token")}, 2,
			"-token-file was removed: log in with -user ID (see -h)"},
		{"token file with =", []string{"-server=" + srv.URL, "--token-file=x", "-user", user}, 2, "-token-file was removed"},
		{"token file as a value", []string{"-type", "-token-file", "-server", srv.URL}, 2, "-server and -user are required"},
		{"missing password file", []string{"-server", srv.URL, "-ca", srv.CAFile, "-user", user, "-password-file", filepath.Join(dir, "none")}, 1, "read password"},
		{"wrong password", []string{"-server", srv.URL, "-ca", srv.CAFile, "-user", user, "-password-file", wrong}, 1, "log in as " + user + ": login: login failed: check the ID and password"},
		{"untrusted server", []string{"-server", srv.URL, "-user", user, "-password-file", wrong}, 1, "certificate is not trusted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tc.args, &stdout, &stderr); got != tc.status {
				t.Errorf("exit %d, want %d; stderr: %s", got, tc.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if tc.name == "help" && strings.Contains(stderr.String(), "token-file") {
				t.Errorf("help still offers -token-file:\n%s", stderr.String())
			}
		})
	}
}

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
