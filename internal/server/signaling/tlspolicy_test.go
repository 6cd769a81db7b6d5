package signaling

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy/tlsprobe"
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

// TestAES256Only: the HTTPS port (login, admin API, help page, web chat,
// WebSocket, block feed) and the embedded relay's TURN over TLS negotiate
// AES-256-GCM only (package tlspolicy). A TLS 1.3 client offering
// AES-128 or ChaCha20 alone is refused; browsers' order (AES-128 first)
// and ChaCha20-first clients get TLS_AES_256_GCM_SHA384; a default Go
// client gets it over the hybrid post-quantum exchange; openssl s_client
// reads TLSv1.3 TLS_AES_256_GCM_SHA384 and, offering only AES-128, nothing.
func TestAES256Only(t *testing.T) {
	s := startServer(t, t.TempDir(), func(o *Options) { o.Relay, o.RelayTLS = true, "127.0.0.1:0" })
	listeners := map[string]string{"https": s.svc.ln.Addr().String(), "relay tls": s.svc.relay.Addrs().TLS.String()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const aes128, aes256, chacha = tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256
	for name, addr := range listeners {
		for _, offer := range [][]uint16{{aes128}, {chacha}, {aes128, chacha}} {
			if got, err := tlsprobe.Offer(ctx, addr, offer); !errors.Is(err, tlsprobe.ErrRefused) {
				t.Errorf("%s: TLS 1.3 offer %x: chose %s (err %v), want a refusal", name, offer, tls.CipherSuiteName(got), err)
			}
		}
		for _, offer := range [][]uint16{{aes128, aes256, chacha}, {chacha, aes128, aes256}} {
			if got, err := tlsprobe.Offer(ctx, addr, offer); err != nil || got != aes256 {
				t.Errorf("%s: TLS 1.3 offer %x: chose %s (err %v), want TLS_AES_256_GCM_SHA384", name, offer, tls.CipherSuiteName(got), err)
			}
		}
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cs := conn.ConnectionState(); cs.Version != tls.VersionTLS13 || cs.CipherSuite != aes256 || cs.CurveID != tls.X25519MLKEM768 {
			t.Errorf("%s: default Go client got %s over %v, want TLS 1.3 TLS_AES_256_GCM_SHA384 over X25519MLKEM768", name, tls.CipherSuiteName(cs.CipherSuite), cs.CurveID)
		}
		conn.Close()
	}
	for name, addr := range listeners {
		checkOpenSSL(t, ctx, name, addr)
	}
}

// checkOpenSSL: Debian's openssl s_client negotiates TLSv1.3 with
// TLS_AES_256_GCM_SHA384, and nothing when it offers only
// TLS_AES_128_GCM_SHA256.
func checkOpenSSL(t *testing.T, ctx context.Context, name, addr string) {
	t.Helper()
	s, err := tlsprobe.OpenSSL(ctx, addr)
	if errors.Is(err, tlsprobe.ErrNoOpenSSL) {
		t.Skipf("openssl s_client checks skipped: %v", err)
	}
	if err != nil || s.Protocol != "TLSv1.3" || s.Cipher != "TLS_AES_256_GCM_SHA384" {
		t.Errorf("%s: openssl s_client: %q %q (err %v), want TLSv1.3 TLS_AES_256_GCM_SHA384\n%s", name, s.Protocol, s.Cipher, err, s.Output)
	}
	s, err = tlsprobe.OpenSSL(ctx, addr, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
	if err != nil || s.Protocol != "" {
		t.Errorf("%s: openssl s_client -ciphersuites TLS_AES_128_GCM_SHA256: %q %q (err %v), want no session\n%s", name, s.Protocol, s.Cipher, err, s.Output)
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
