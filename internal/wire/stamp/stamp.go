// Package stamp binds one download of the agent to one support session
// without rebuilding the agent: the signaling server appends a small signed
// trailer to the agent binary it serves, and the agent, run with no
// arguments, reads the trailer from its own file. Executable formats ignore
// bytes after their last section (an ELF loader maps only what its headers
// name), so the stamped file runs exactly as the plain one.
//
// # Layout
//
//	binary ‖ payload ‖ signature ‖ length ‖ magic
//
// payload is a JSON object (Payload) of length bytes; signature is the
// server's Ed25519 signature over a context string followed by the payload
// (the same key signs session grants, so the context keeps one kind of
// signed message from passing for the other); length is the payload's
// size as 4 big-endian bytes; magic is a fixed 16-byte trailer that says a
// stamp is there. A reader needs only the file's last bytes.
//
// # What the signature proves
//
// The payload carries the key that verifies it, so the signature proves
// the stamp is whole and unaltered since the server wrote it — a flipped
// byte, a truncated download, an edited ticket or server URL — not who
// wrote it: whoever can rewrite the whole binary can rewrite the stamp.
// The download's own HTTPS connection is what vouches for the file. The
// stamp in turn vouches for the server: it pins the server's certificate
// key (Pin), so the agent trusts that server without any CA, and the grant
// key, so the operator's permissions are checked against the key the
// download came with.
//
// A file without the magic is a plain agent (ErrNoStamp) and keeps its
// command-line flags; a file with a stamp that does not verify is
// ErrDamaged, and one past its expiry is ErrExpired.
package stamp

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// Version is the payload version this package writes and reads.
const Version = 1

// Magic ends every stamped file. Its first and last bytes are zero so that
// it never reads as text.
const Magic = "\x00TANDEM-STAMP-1\x00"

// MaxPayload bounds the payload a reader accepts; a real one is about
// 400 bytes.
const MaxPayload = 8 << 10

// sigContext is signed before the payload: the signing key also signs
// grants, and a stamp signature must never verify as anything else.
const sigContext = "tandem agent stamp v1\n"

// Sizes of the fixed parts after the payload.
const (
	lengthSize  = 4
	trailerSize = ed25519.SignatureSize + lengthSize + len(Magic)
)

// Errors a reader branches on.
var (
	// ErrNoStamp: the file is a plain agent; it takes its settings from
	// the command line.
	ErrNoStamp = errors.New("this agent carries no session stamp")
	// ErrDamaged: the file ends with a stamp that does not verify.
	ErrDamaged = errors.New("this download is damaged or was altered: download the agent again from the help page")
	// ErrExpired: the stamp's session link has expired.
	ErrExpired = errors.New("this download has expired: ask your technician for a new link and download the agent again")
)

// Payload is what a stamp binds the download to.
type Payload struct {
	V int `json:"v"`
	// Server is the signaling server's URL, https://HOST[:PORT].
	Server string `json:"server"`
	// Pin is the SHA-256 of the server certificate's SubjectPublicKeyInfo
	// (PinOf): the agent trusts the server holding that key, and no other.
	Pin []byte `json:"pin"`
	// Ticket is the one-time join ticket for Session.
	Ticket  string `json:"ticket"`
	Session string `json:"session"`
	// Expires is when the ticket stops working (the session code's
	// expiry); the agent does not even connect after it.
	Expires time.Time `json:"expires"`
	// Key is the server's Ed25519 public key: it verifies this stamp and
	// the session's grant.
	Key grant.Key `json:"key"`
}

// Validate reports the first field that a usable stamp cannot have.
func (p *Payload) Validate() error {
	if p.V != Version {
		return fmt.Errorf("stamp version %d, want %d", p.V, Version)
	}
	u, err := url.Parse(p.Server)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("stamp server %q: want https://HOST[:PORT]", p.Server)
	}
	switch {
	case len(p.Pin) != sha256.Size:
		return errors.New("stamp pin: want a SHA-256")
	case p.Ticket == "" || len(p.Ticket) > 256:
		return errors.New("stamp ticket: missing or too long")
	case p.Session == "" || len(p.Session) > 256:
		return errors.New("stamp session: missing or too long")
	case p.Expires.IsZero():
		return errors.New("stamp expiry: missing")
	case len(p.Key) != ed25519.PublicKeySize:
		return errors.New("stamp key: want an Ed25519 public key")
	}
	return nil
}

// Check reports ErrExpired once now, this computer's clock, is past the
// stamp's expiry.
func (p *Payload) Check(now time.Time) error { return p.check(now, "this computer's clock") }

// CheckServer is Check by the server's clock, which decides when this
// computer's is off.
func (p *Payload) CheckServer(serverNow time.Time) error {
	return p.check(serverNow, "the server's clock")
}

func (p *Payload) check(now time.Time, clock string) error {
	if !now.Before(p.Expires) {
		// Say whose clock: one that is far off is the other way to land here.
		return fmt.Errorf("%w (it expired at %s by %s)", ErrExpired, p.Expires.Local().Format("15:04 on 2 Jan"), clock)
	}
	return nil
}

// PinOf returns the pin of a certificate: the SHA-256 of its
// SubjectPublicKeyInfo, which survives a renewal that keeps the key.
func PinOf(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return sum[:]
}

func signedMessage(payload []byte) []byte {
	return append([]byte(sigContext), payload...)
}
