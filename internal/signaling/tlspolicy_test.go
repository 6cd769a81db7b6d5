package signaling

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTLSPolicy: TLS 1.0/1.1 and TLS 1.2 without AES-256-GCM are refused,
// TLS 1.2 with it and TLS 1.3 work, and HTTPS answers carry HSTS.
func TestTLSPolicy(t *testing.T) {
	s := startServer(t, t.TempDir(), nil)
	addr := s.svc.ln.Addr().String()
	for _, c := range []struct {
		name   string
		min    uint16
		max    uint16
		suites []uint16
		ok     bool
	}{
		{"TLS 1.0", tls.VersionTLS10, tls.VersionTLS10, nil, false},
		{"TLS 1.1", tls.VersionTLS11, tls.VersionTLS11, nil, false},
		{"TLS 1.2 AES-128-GCM only", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, false},
		{"TLS 1.2 CBC only", tls.VersionTLS12, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}, false},
		{"TLS 1.2 AES-256-GCM", tls.VersionTLS12, tls.VersionTLS12, nil, true},
		{"TLS 1.3", tls.VersionTLS13, tls.VersionTLS13, nil, true},
	} {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: c.min, MaxVersion: c.max, CipherSuites: c.suites})
		if (err == nil) != c.ok {
			t.Errorf("%s: handshake error %v, want ok=%v", c.name, err, c.ok)
		}
		if err == nil {
			conn.Close()
		}
	}
	resp, err := s.hc.Get(s.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS over HTTPS")
	}
	// Plain HTTP on the HTTPS port gets no API.
	presp, err := http.Get("http://" + addr + "/v1/admin/accounts")
	if err == nil {
		presp.Body.Close()
		if presp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the HTTPS port: %d", presp.StatusCode)
		}
	}
}

// TestPlainHTTPListener: the optional -http-addr listener redirects GET
// and HEAD to the public HTTPS URL (not to the request's Host), refuses
// anything else, and in refuse mode refuses everything; it serves no
// route itself.
func TestPlainHTTPListener(t *testing.T) {
	noFollow := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, mode := range []string{"redirect", "refuse"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, t.TempDir(), func(o *Options) { o.HTTPAddr, o.PlainHTTP = "127.0.0.1:0", mode })
			plain := "http://" + s.svc.httpLn.Addr().String()
			req, _ := http.NewRequest("GET", plain+"/v1/admin/accounts?x=1", nil)
			req.Host = "evil.example"
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if mode == "redirect" {
				if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://127.0.0.1/v1/admin/accounts?x=1" {
					t.Errorf("GET: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			} else if resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET in refuse mode: %d", resp.StatusCode)
			}
			resp, err = noFollow.Post(plain+"/v1/login/start", "application/json", strings.NewReader(`{"id":"root","client_first":"n,,n=root,r=abc"}`))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "https://127.0.0.1") {
				t.Errorf("POST over plain HTTP: %d %s", resp.StatusCode, b)
			}
		})
	}
	if _, err := Prepare(Options{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PlainHTTP: "sometimes"}); err == nil || !strings.Contains(err.Error(), "redirect or refuse") {
		t.Errorf("bad -plain-http accepted: %v", err)
	}
}
