package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy/tlsprobe"
)

// TestSignalingTLSOpenSSL: the signaling binary's HTTPS port and its
// embedded relay's TURN over TLS, read with Debian's openssl s_client,
// negotiate TLSv1.3 with TLS_AES_256_GCM_SHA384, and refuse a client that
// offers only TLS_AES_128_GCM_SHA256 (package tlspolicy).
func TestSignalingTLSOpenSSL(t *testing.T) {
	if _, err := tlsprobe.OpenSSL(context.Background(), "127.0.0.1:1"); errors.Is(err, tlsprobe.ErrNoOpenSSL) {
		t.Skip(err)
	}
	b := binaries(t)
	https, relayTLS := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	serveOn(t, b, https, t.TempDir(), "-relay=true", "-relay-udp", "127.0.0.1:0", "-relay-tcp", "127.0.0.1:0", "-relay-tls", relayTLS)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, addr := range map[string]string{"https": https, "relay tls": relayTLS} {
		s, err := tlsprobe.OpenSSL(ctx, addr)
		if err != nil || s.Protocol != "TLSv1.3" || s.Cipher != "TLS_AES_256_GCM_SHA384" {
			t.Errorf("%s: openssl s_client: %q %q (err %v), want TLSv1.3 TLS_AES_256_GCM_SHA384\n%s", name, s.Protocol, s.Cipher, err, s.Output)
		}
		s, err = tlsprobe.OpenSSL(ctx, addr, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
		if err != nil || s.Protocol != "" {
			t.Errorf("%s: openssl s_client -ciphersuites TLS_AES_128_GCM_SHA256: %q %q (err %v), want no session\n%s", name, s.Protocol, s.Cipher, err, s.Output)
		}
	}
}

// tlsDetails is one response's TLS as Chromium reports it.
type tlsDetails struct {
	URL, Protocol, Cipher, KeyExchangeGroup string
}

// TestHelpPageTLS: Debian's Chromium loads the help page (HTML, script,
// style, API) from the signaling binary over TLS 1.3 with AES-256-GCM and
// the hybrid post-quantum key exchange, as its DevTools protocol reports
// for every response.
func TestHelpPageTLS(t *testing.T) {
	w := newWebSetup(t)
	b := openBrowser(t, map[string]any{"spki": w.spki})
	b.do("goto", map[string]any{"url": w.srv.url + "/"})
	var got []tlsDetails
	if err := json.Unmarshal(b.do("security", nil), &got); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range got {
		if !strings.HasPrefix(d.URL, w.srv.url+"/") {
			continue
		}
		n++
		if d.Protocol != "TLS 1.3" || d.Cipher != "AES_256_GCM" || d.KeyExchangeGroup != "X25519MLKEM768" {
			t.Errorf("%s: Chromium negotiated %s %s over %s, want TLS 1.3 AES_256_GCM over X25519MLKEM768", d.URL, d.Protocol, d.Cipher, d.KeyExchangeGroup)
		}
	}
	if n == 0 {
		t.Fatalf("Chromium reported no TLS details for %s: %+v", w.srv.url, got)
	}
	t.Logf("%d responses, %s %s over %s", n, got[0].Protocol, got[0].Cipher, got[0].KeyExchangeGroup)
}
