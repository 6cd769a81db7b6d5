package cluster

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/tandem-remote/tandem/internal/link/tlspolicy"
)

// routeName is the one name in the cluster certificate; clients ask for
// it whatever address they dial.
const routeName = "tandem-cluster"

// routeTLS is the embedded routes' TLS: each node presents the
// certificate derived from secret and accepts only a peer presenting it
// (it is its own, only, root), TLS 1.3, AES-256-GCM.
func routeTLS(secret []byte) (*tls.Config, error) {
	cert, leaf, err := derivedCert(secret)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := tlspolicy.Server(&tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ServerName:   routeName,
	})
	c.MinVersion = tls.VersionTLS13
	return c, nil
}

// derivedCert makes the cluster's self-signed Ed25519 certificate from
// secret. Every input is fixed and Ed25519 signing is deterministic, so
// every node derives the same bytes.
func derivedCert(secret []byte) (tls.Certificate, *x509.Certificate, error) {
	seed, err := hkdf.Key(sha256.New, secret, nil, "tandem cluster route key v1", ed25519.SeedSize)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("cluster key: %w", err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: routeName},
		DNSNames:              []string{routeName},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2120, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("cluster certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("cluster certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}
