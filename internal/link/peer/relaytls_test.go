package peer

import (
	"crypto/tls"
	"testing"

	"github.com/pion/webrtc/v4"
)

// aes256Only says whether id is one of the suites Tandem allows. It is
// spelled out rather than taken from tlspolicy: this test must not link
// tlspolicy (whose init narrows crypto/tls's TLS 1.3 offer) by itself.
func aes256Only(id uint16) bool {
	switch id {
	case tls.TLS_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return true
	}
	return false
}

// TestRelayTLSAES256: the TLS hop to a turns: relay (a third party's, such
// as coturn, whose cipher list may put AES-128 first) offers AES-256-GCM
// only, in TLS 1.3 and TLS 1.2, and a relay that will not do AES-256 is
// refused. (HTTPS proxies get the same configuration.)
func TestRelayTLSAES256(t *testing.T) {
	ca, cert := privateCA(t)
	for _, tc := range []struct {
		name   string
		server *tls.Config
		ok     bool
	}{
		{"default server", &tls.Config{}, true},
		{"TLS 1.2 server", &tls.Config{MaxVersion: tls.VersionTLS12}, true},
		{"AES-128-only TLS 1.2 server", &tls.Config{MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offered := make(chan []uint16, 1)
			srv := tc.server.Clone()
			srv.Certificates = []tls.Certificate{cert}
			srv.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
				offered <- hello.CipherSuites
				return nil, nil
			}
			addr := serveTLS(t, srv)
			d := turnTLSDialer(Config{RootCAs: ca, ICEServers: []webrtc.ICEServer{{URLs: []string{"turns:" + addr + "?transport=tcp"}}}})
			c, err := d.Dial("tcp4", addr)
			for _, id := range <-offered {
				if !aes256Only(id) {
					t.Errorf("client offered %s", tls.CipherSuiteName(id))
				}
			}
			if !tc.ok {
				if err == nil {
					c.Close()
					t.Fatal("a relay without AES-256 was accepted")
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("dial relay: %v", err)
			}
			defer c.Close()
			cs := c.(*tls.Conn).ConnectionState()
			t.Logf("%s %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
			if !aes256Only(cs.CipherSuite) {
				t.Errorf("negotiated %s", tls.CipherSuiteName(cs.CipherSuite))
			}
		})
	}
}

// serveTLS accepts TLS connections on loopback and completes their
// handshakes until the test ends.
func serveTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln := must(tls.Listen("tcp4", "127.0.0.1:0", cfg))(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return ln.Addr().String()
}
