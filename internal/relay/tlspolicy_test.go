package relay

import (
	"context"
	"crypto/tls"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy/tlsprobe"
)

// TestTLSOnlyAES256: the TURN over TLS listener negotiates AES-256-GCM
// only (package tlspolicy): a TLS 1.3 client offering only AES-128 or
// ChaCha20 is refused, one offering them first gets AES-256, a default Go
// client gets TLS 1.3 with AES-256 over the hybrid post-quantum exchange,
// a TLS 1.2 client AES-256-GCM or nothing, and openssl s_client reads the
// same.
func TestTLSOnlyAES256(t *testing.T) {
	cert, pool := selfSigned(t)
	r := newTestRelay(t, func(c *Config) {
		c.UDPAddr, c.TCPAddr, c.TLSAddr = "", "", "127.0.0.1:0"
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	addr := r.Addrs().TLS.String()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const aes128, aes256, chacha = tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256
	for _, offer := range [][]uint16{{aes128}, {chacha}, {aes128, chacha}} {
		if got, err := tlsprobe.Offer(ctx, addr, offer); !errors.Is(err, tlsprobe.ErrRefused) {
			t.Errorf("TLS 1.3 offer %x: relay chose %s (err %v), want a refusal", offer, tls.CipherSuiteName(got), err)
		}
	}
	for _, offer := range [][]uint16{{aes128, aes256, chacha}, {chacha, aes128, aes256}} {
		if got, err := tlsprobe.Offer(ctx, addr, offer); err != nil || got != aes256 {
			t.Errorf("TLS 1.3 offer %x: relay chose %s (err %v), want TLS_AES_256_GCM_SHA384", offer, tls.CipherSuiteName(got), err)
		}
	}
	for _, c := range []struct {
		name      string
		tc        *tls.Config
		want      uint16
		wantCurve tls.CurveID
	}{
		{"default client", &tls.Config{}, aes256, tls.X25519MLKEM768},
		{"TLS 1.2 client", &tls.Config{MaxVersion: tls.VersionTLS12}, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.X25519},
		{"TLS 1.2 AES-128 client", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, 0, 0},
	} {
		c.tc.RootCAs, c.tc.ServerName = pool, "127.0.0.1"
		conn, err := tls.Dial("tcp", addr, c.tc)
		if c.want == 0 {
			if err == nil {
				t.Errorf("%s: negotiated %s, want a refusal", c.name, tls.CipherSuiteName(conn.ConnectionState().CipherSuite))
				conn.Close()
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if cs := conn.ConnectionState(); cs.CipherSuite != c.want || cs.CurveID != c.wantCurve {
			t.Errorf("%s: negotiated %s over %v, want %s over %v", c.name, tls.CipherSuiteName(cs.CipherSuite), cs.CurveID, tls.CipherSuiteName(c.want), c.wantCurve)
		}
		conn.Close()
	}
	checkOpenSSL(t, ctx, addr)
}

// checkOpenSSL: openssl s_client negotiates TLS 1.3 with
// TLS_AES_256_GCM_SHA384 by default, and nothing when it offers only
// TLS_AES_128_GCM_SHA256.
func checkOpenSSL(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	s, err := tlsprobe.OpenSSL(ctx, addr)
	if errors.Is(err, tlsprobe.ErrNoOpenSSL) {
		t.Skipf("openssl s_client check skipped: %v", err)
	}
	if err != nil || s.Protocol != "TLSv1.3" || s.Cipher != "TLS_AES_256_GCM_SHA384" {
		t.Errorf("openssl s_client: %s %s (err %v), want TLSv1.3 TLS_AES_256_GCM_SHA384\n%s", s.Protocol, s.Cipher, err, s.Output)
	}
	s, err = tlsprobe.OpenSSL(ctx, addr, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256")
	if err != nil || s.Protocol != "" {
		t.Errorf("openssl s_client -ciphersuites TLS_AES_128_GCM_SHA256: %s %s (err %v), want no session\n%s", s.Protocol, s.Cipher, err, s.Output)
	}
}
