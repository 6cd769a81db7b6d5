package sigclient

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/stamp"
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

// ServerTime asks server, trusted by pin as DialPinned does, for its
// clock: the Date header of its /healthz (a second's precision). A
// stamped agent asks when its own clock says the download has expired,
// since a computer's clock that is off says so too.
func ServerTime(ctx context.Context, server string, pin []byte) (time.Time, error) {
	if len(pin) == 0 {
		return time.Time{}, errors.New("no certificate pin")
	}
	var leaf *x509.Certificate
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true, VerifyPeerCertificate: verifyPin(pin, &leaf)},
		Proxy:               http.ProxyFromEnvironment,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(server, "/")+"/healthz", nil)
	if err != nil {
		return time.Time{}, err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return time.Time{}, explainDial(server, nil, err)
	}
	resp.Body.Close()
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}, fmt.Errorf("the server at %s sent no usable Date: %w", server, err)
	}
	return t, nil
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
