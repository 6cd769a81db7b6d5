package sigclient

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/tandem-remote/tandem/internal/stamp"
)

// DialPinned connects to server trusting exactly the certificate key whose
// pin (stamp.PinOf: SHA-256 of the SubjectPublicKeyInfo) is pin, and
// nothing else: no CA is consulted, so a self-hosted server's own
// certificate works, and a certificate from any CA for another key is
// refused (ErrPinMismatch). A stamped agent download carries the pin.
func DialPinned(ctx context.Context, server string, pin []byte) (*Conn, error) {
	if len(pin) == 0 {
		return nil, errors.New("no certificate pin")
	}
	var leaf *x509.Certificate
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not checked against any CA: the pin below replaces
		// it, and it is checked on every handshake.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: verifyPin(pin, &leaf),
	}
	c, err := dial(ctx, server, tc)
	if err != nil {
		return nil, err
	}
	c.pinned = leaf
	return c, nil
}

// Pinned returns the certificate a DialPinned connection's server
// presented (its key is the pinned one), nil for Dial. The same server's
// relays over TLS (turns:) present it too, so it may be trusted for them.
func (c *Conn) Pinned() *x509.Certificate { return c.pinned }

// verifyPin checks the leaf, the first certificate the server sent, and
// keeps it in *leaf once it matches.
func verifyPin(pin []byte, keep **x509.Certificate) func(raw [][]byte, _ [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return fmt.Errorf("%w: no certificate", ErrPinMismatch)
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPinMismatch, err)
		}
		if subtle.ConstantTimeCompare(stamp.PinOf(leaf), pin) != 1 {
			return ErrPinMismatch
		}
		*keep = leaf
		return nil
	}
}
