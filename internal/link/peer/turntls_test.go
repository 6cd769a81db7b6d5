package peer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"
)

// TestTURNOverTLSPrivateCA relays a link through a turns: relay on loopback
// whose certificate comes from a private CA: with the CA in RootCAs the path
// is relayed over TLS; without it no relay is trusted and the link gives up.
func TestTURNOverTLSPrivateCA(t *testing.T) {
	ca, relayCert := privateCA(t)
	for _, trusted := range []bool{true, false} {
		t.Run("trusted="+strconv.FormatBool(trusted), func(t *testing.T) {
			checkLeaks(t)
			ctx := testContext(t, 30*time.Second)
			srv, addr := startTLSRelay(t, relayCert)
			cred := must(issueCred())(t)
			cfg := Config{
				RelayOnly: true,
				ICEServers: []webrtc.ICEServer{{
					URLs:     []string{"turns:" + addr + "?transport=tcp"},
					Username: cred.Username, Credential: cred.Password,
				}},
				FailedTimeout: time.Second, GiveUpAfter: 2 * time.Second, RestartAfter: 500 * time.Millisecond,
			}
			if trusted {
				cfg.RootCAs = ca
			}
			p := newPair(t, cfg, cfg, nil)
			if !trusted {
				check(t, p.ans.Start(ctx))
				check(t, p.off.Start(ctx))
				waitDone(ctx, t, p.off)
				if !errors.Is(p.off.Err(), ErrPathLost) || srv.AllocationCount() != 0 {
					t.Errorf("untrusted relay: link ended with %v, %d allocations", p.off.Err(), srv.AllocationCount())
				}
				return
			}
			po, _ := p.connect(ctx, t)
			t.Logf("offerer: %s", po)
			if po.Direct || po.Local != "relay" || po.Protocol != "tls" {
				t.Errorf("path %s, want relayed over tls", po)
			}
			roundTrip(ctx, t, p.off, p.ans)
		})
	}
}

// startTLSRelay runs pion/turn on a TLS listener on 127.0.0.1.
func startTLSRelay(t *testing.T, cert tls.Certificate) (*turn.Server, string) {
	t.Helper()
	ln := must(tls.Listen("tcp4", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))(t)
	srv := must(turn.NewServer(turn.ServerConfig{
		Realm:         realm,
		LoggerFactory: vnetLogs,
		AuthHandler:   restAuth,
		ListenerConfigs: []turn.ListenerConfig{{
			Listener:              ln,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.IPv4(127, 0, 0, 1), Address: "127.0.0.1"},
			PermissionHandler:     func(net.Addr, net.IP) bool { return true }, // test relay: peers are on loopback
		}},
	}))(t)
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ln.Addr().String()
}

// privateCA returns a CA pool and a relay certificate for 127.0.0.1 it
// signed.
func privateCA(t testing.TB) (*x509.CertPool, tls.Certificate) {
	t.Helper()
	caKey := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Tandem test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER := must(x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey))(t)
	caCert := must(x509.ParseCertificate(caDER))(t)
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "relay"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey))(t)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
