package tlspolicy

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/link/tlspolicy/tlsprobe"
	"github.com/tandem-remote/tandem/internal/testkit/freeport"
)

// listen serves TLS with Server's policy on loopback; every connection is
// handshaken, its error (if any) sent on the returned channel.
func listen(t *testing.T) (addr string, cert tls.Certificate, errs <-chan error) {
	t.Helper()
	dir := t.TempDir()
	cert, _, _, err := certs.LoadOrCreate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), []string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", Server(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan error, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			ch <- c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String(), cert, ch
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestTLS13OnlyAES256: whatever a TLS 1.3 client offers, and in whatever
// order (AES-128 first as browsers do, ChaCha20 first as clients without
// AES instructions do), the server picks TLS_AES_256_GCM_SHA384 or refuses.
func TestTLS13OnlyAES256(t *testing.T) {
	addr, _, _ := listen(t)
	const aes128, aes256, chacha = tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256
	for _, c := range []struct {
		name   string
		offer  []uint16
		refuse bool
	}{
		{"AES-128 only", []uint16{aes128}, true},
		{"ChaCha20 only", []uint16{chacha}, true},
		{"AES-128 and ChaCha20", []uint16{aes128, chacha}, true},
		{"browser order", []uint16{aes128, aes256, chacha}, false},
		{"ChaCha20 first", []uint16{chacha, aes128, aes256}, false},
		{"AES-256 only", []uint16{aes256}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := tlsprobe.Offer(ctx(t), addr, c.offer)
			switch {
			case c.refuse && !errors.Is(err, tlsprobe.ErrRefused):
				t.Errorf("offer %x: server chose %s (err %v), want a refusal", c.offer, tls.CipherSuiteName(got), err)
			case !c.refuse && (err != nil || got != aes256):
				t.Errorf("offer %x: server chose %s (err %v), want TLS_AES_256_GCM_SHA384", c.offer, tls.CipherSuiteName(got), err)
			}
		})
	}
}

// TestGoClients: a default Go client gets TLS 1.3, AES-256 and the hybrid
// post-quantum key exchange; TLS 1.2 clients get ECDHE with AES-256-GCM or
// nothing.
func TestGoClients(t *testing.T) {
	addr, cert, _ := listen(t)
	for _, c := range []struct {
		name      string
		max       uint16
		suites    []uint16
		want      uint16
		wantCurve tls.CurveID
		refuse    bool
	}{
		{"default", 0, nil, tls.TLS_AES_256_GCM_SHA384, tls.X25519MLKEM768, false},
		{"TLS 1.2", tls.VersionTLS12, nil, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.X25519, false},
		{"TLS 1.2 AES-128", tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, 0, 0, true},
		{"TLS 1.2 ChaCha20", tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, err := handshake(addr, cert, &tls.Config{MaxVersion: c.max, CipherSuites: c.suites})
			if c.refuse {
				if err == nil {
					t.Errorf("negotiated %s, want a refusal", tls.CipherSuiteName(cs.CipherSuite))
				}
				return
			}
			if err != nil || cs.CipherSuite != c.want || cs.CurveID != c.wantCurve {
				t.Errorf("negotiated %s over %v (err %v), want %s over %v", tls.CipherSuiteName(cs.CipherSuite), cs.CurveID, err, tls.CipherSuiteName(c.want), c.wantCurve)
			}
		})
	}
}

// handshake dials addr trusting cert with the settings of tc.
func handshake(addr string, cert tls.Certificate, tc *tls.Config) (tls.ConnectionState, error) {
	tc.RootCAs = certPool(cert)
	tc.ServerName = "localhost"
	conn, err := tls.Dial("tcp", addr, tc)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// TestFailsClosed: were crypto/tls to pick AES-128 regardless of the
// narrowed lists (a future release reading other variables), the
// handshake fails instead of going on with it.
func TestFailsClosed(t *testing.T) {
	addr, cert, errs := listen(t)
	saved := defaultCipherSuitesTLS13
	defaultCipherSuitesTLS13 = []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384}
	cs, err := handshake(addr, cert, &tls.Config{})
	serverErr := <-errs // the handshake is over on both sides: the lists may change back
	defaultCipherSuitesTLS13 = saved
	if err == nil {
		// TLS 1.3 clients finish before the server's check; the next read fails.
		t.Logf("client side finished with %s", tls.CipherSuiteName(cs.CipherSuite))
	}
	if serverErr == nil || !strings.Contains(serverErr.Error(), "AES-256-GCM only") {
		t.Errorf("server handshake with AES-128: %v, want the policy's refusal", serverErr)
	}
}

// TestListsNarrowed: both of crypto/tls's TLS 1.3 lists hold AES-256 alone.
func TestListsNarrowed(t *testing.T) {
	for name, l := range map[string][]uint16{"defaultCipherSuitesTLS13": defaultCipherSuitesTLS13, "defaultCipherSuitesTLS13NoAES": defaultCipherSuitesTLS13NoAES} {
		if !slices.Equal(l, []uint16{tls.TLS_AES_256_GCM_SHA384}) {
			t.Errorf("crypto/tls.%s = %x", name, l)
		}
	}
}

// TestOrdinaryServers: a Go client in a process linking this package
// (signaling's ACME client, turnrelay's block-feed client) still reaches
// an OpenSSL server with its default suites, over TLS 1.3 and AES-256; a
// TLS 1.3 server without AES-256 is refused.
func TestOrdinaryServers(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip(tlsprobe.ErrNoOpenSSL)
	}
	for _, c := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"OpenSSL defaults", nil, true},
		{"TLS 1.3 AES-128 only", []string{"-ciphersuites", "TLS_AES_128_GCM_SHA256"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, cert := opensslServer(t, c.args...)
			cs, err := handshake(addr, cert, &tls.Config{})
			if c.ok && (err != nil || cs.CipherSuite != tls.TLS_AES_256_GCM_SHA384 || cs.Version != tls.VersionTLS13) {
				t.Errorf("negotiated %s (err %v), want TLS 1.3 TLS_AES_256_GCM_SHA384", tls.CipherSuiteName(cs.CipherSuite), err)
			}
			if !c.ok && err == nil {
				t.Errorf("negotiated %s with a server that lacks AES-256", tls.CipherSuiteName(cs.CipherSuite))
			}
		})
	}
}

// TestFIPSMode: under GODEBUG=fips140=on crypto/tls uses its own TLS 1.3
// list (AES-128 first), so Server stays at TLS 1.2 with AES-256-GCM. The
// mode is set at start, so the check runs in a child test process.
func TestFIPSMode(t *testing.T) {
	if os.Getenv("TLSPOLICY_FIPS_CHILD") == "1" {
		addr, cert, _ := listen(t)
		cs, err := handshake(addr, cert, &tls.Config{})
		if err != nil || cs.Version != tls.VersionTLS12 || !Allowed(cs.CipherSuite) {
			t.Fatalf("FIPS mode: version %x %s (err %v), want TLS 1.2 with AES-256-GCM", cs.Version, tls.CipherSuiteName(cs.CipherSuite), err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFIPSMode$", "-test.v")
	cmd.Env = append(os.Environ(), "TLSPOLICY_FIPS_CHILD=1", "GODEBUG=fips140=on")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestFIPSMode") {
		t.Fatalf("child under fips140=on: %v\n%s", err, out)
	}
}

func certPool(cert tls.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(cert.Leaf)
	return p
}

// opensslServer runs `openssl s_server` on a free loopback port with
// args and the certificate of a fresh pair.
func opensslServer(t *testing.T, args ...string) (string, tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	cert, _, _, err := certs.LoadOrCreate(certFile, keyFile, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	port, err := freeport.String() // s_server binds it below
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", append([]string{"s_server", "-accept", "127.0.0.1:" + port, "-cert", certFile, "-key", keyFile}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.StdinPipe(); err != nil { // s_server ends at the end of its input
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "ACCEPT" { // printed once it listens
	}
	go io.Copy(io.Discard, out)
	addr := "127.0.0.1:" + port
	return addr, cert
}
