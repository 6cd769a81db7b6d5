package relay

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/server/turncred"
)

func TestAuth(t *testing.T) {
	r := newTestRelay(t, nil)
	valid := issue(t, "sess1")
	expired, err := turncred.Issue(testSecret, "sess1", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"valid", valid.Username, valid.Password, true},
		{"expired", expired.Username, expired.Password, false},
		{"wrong password", valid.Username, turncred.Password([]byte("another secret, 32 bytes long..."), valid.Username), false},
		{"not a REST username", "alice", "alice", false},
		{"password of another username", valid.Username + "x", valid.Password, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := metricSum(t, r, "tandem_turn_auth_failures_total")
			c := dial(t, r, tt.user, tt.pass, clientOpts{transport: "udp"})
			_, err := c.Allocate()
			if (err == nil) != tt.ok {
				t.Fatalf("Allocate err = %v, want ok=%v", err, tt.ok)
			}
			if !tt.ok && metricSum(t, r, "tandem_turn_auth_failures_total") <= before {
				t.Error("auth failure not counted")
			}
		})
	}
}

func TestQuota(t *testing.T) {
	r := newTestRelay(t, func(c *Config) { c.PerUserQuota, c.TotalQuota = 2, 3 })
	a, b, c := issue(t, "a"), issue(t, "b"), issue(t, "c")
	alloc := func(cred turncred.Credential) (net.PacketConn, error) {
		return dial(t, r, cred.Username, cred.Password, clientOpts{transport: "udp"}).Allocate()
	}
	first, err := alloc(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alloc(a); err != nil {
		t.Fatal(err)
	}
	if _, err := alloc(a); err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("third allocation for one user: err = %v, want 486", err)
	}
	// Releasing one (Refresh with lifetime 0) frees its slot.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := alloc(a); err != nil {
		t.Fatalf("allocation after release: %v", err)
	}
	if _, err := alloc(b); err != nil { // total is now 3
		t.Fatal(err)
	}
	if _, err := alloc(c); err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("allocation beyond total quota: err = %v, want 486", err)
	}
	if got := metricSum(t, r, "tandem_turn_quota_refusals_total"); got != 2 {
		t.Errorf("quota refusals = %v, want 2", got)
	}
	if got := metricSum(t, r, "tandem_turn_allocations_active"); got != 3 {
		t.Errorf("active allocations = %v, want 3", got)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	r := newTestRelay(t, nil)
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	const line = "tandem_turn_allocations_total "
	_, body := get("/metrics")
	if !strings.Contains(body, line+"0\n") {
		t.Fatalf("/metrics before allocating lacks %q0:\n%s", line, body)
	}
	cred := issue(t, "m")
	if _, err := dial(t, r, cred.Username, cred.Password, clientOpts{transport: "udp"}).Allocate(); err != nil {
		t.Fatal(err)
	}
	if _, body = get("/metrics"); !strings.Contains(body, line+"1\n") {
		t.Fatalf("/metrics after allocating lacks %q1:\n%s", line, body)
	}
	r.Close()
	if code, _ := get("/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/healthz after Close = %d, want 503", code)
	}
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	r := newTestRelay(t, func(c *Config) {
		c.UDPAddr, c.TCPAddr, c.TLSAddr = "", "", "127.0.0.1:0"
		c.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	cred := issue(t, "tls")
	c := dial(t, r, cred.Username, cred.Password, clientOpts{
		transport: "tls", tls: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
	})
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate over TLS: %v", err)
	}
	roundTrip(t, relayed, startEcho(t, r))
}

func TestConfigValidate(t *testing.T) {
	ok := Config{UDPAddr: ":3478", Secret: testSecret}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range map[string]Config{
		"no listener":     {Secret: testSecret},
		"short secret":    {UDPAddr: ":3478", Secret: []byte("short")},
		"tls without key": {TLSAddr: ":443", Secret: testSecret},
		"bad port range":  {UDPAddr: ":3478", Secret: testSecret, RelayPortMin: 60000, RelayPortMax: 50000},
		"v6 as public ip": {UDPAddr: ":3478", Secret: testSecret, PublicIP: net.ParseIP("2001:db8::1")},
		"bad address":     {UDPAddr: "3478", Secret: testSecret},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil", name)
		}
	}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tandem test relay"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
