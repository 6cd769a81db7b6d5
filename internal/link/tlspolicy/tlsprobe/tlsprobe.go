// Package tlsprobe asks a TLS server which TLS 1.3 cipher suite it picks
// for a given offer. Go's TLS client cannot choose its TLS 1.3 suites (and
// in a process linking tlspolicy offers only AES-256), so tests of a
// server's TLS 1.3 policy send this hand-made ClientHello instead: TLS 1.3
// only, the given suites in the given order, an X25519 key share. The
// server's first record answers: a ServerHello names its suite, an alert
// refuses. The handshake goes no further.
package tlsprobe

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"

	"golang.org/x/crypto/cryptobyte"
)

// ErrRefused is returned when the server answers the ClientHello with an
// alert.
var ErrRefused = errors.New("tls: server refused the ClientHello")

// TLS extension and record numbers (RFC 8446).
const (
	recordAlert       = 21
	recordHandshake   = 22
	typeClientHello   = 1
	typeServerHello   = 2
	extGroups         = 10
	extSignatureAlgs  = 13
	extVersions       = 43
	extKeyShare       = 51
	groupX25519       = 0x001d
	versionTLS13      = 0x0304
	legacyVersion     = 0x0303
	recordVersionTLS1 = 0x0301
)

// Offer connects to addr, offers suites and returns the suite the
// server's ServerHello names, or an error wrapping ErrRefused with the
// alert's description.
func Offer(ctx context.Context, addr string, suites []uint16) (uint16, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("probe %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	hello, err := clientHello(suites)
	if err != nil {
		return 0, err
	}
	if _, err := conn.Write(hello); err != nil {
		return 0, fmt.Errorf("probe %s: %w", addr, err)
	}
	return readAnswer(conn)
}

// clientHello builds the record carrying a TLS 1.3 ClientHello.
func clientHello(suites []uint16) ([]byte, error) {
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	random := make([]byte, 64) // client random and legacy session id
	rand.Read(random)
	var b cryptobyte.Builder
	b.AddUint8(recordHandshake)
	b.AddUint16(recordVersionTLS1)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(typeClientHello)
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(legacyVersion)
			b.AddBytes(random[:32])
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(random[32:]) })
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addUint16s(b, suites...) })
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) }) // no compression
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addExtensions(b, key.PublicKey().Bytes()) })
		})
	})
	return b.Bytes()
}

func addExtensions(b *cryptobyte.Builder, share []byte) {
	ext := func(id uint16, body func(*cryptobyte.Builder)) {
		b.AddUint16(id)
		b.AddUint16LengthPrefixed(body)
	}
	ext(extGroups, func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(groupX25519) })
	})
	ext(extSignatureAlgs, func(b *cryptobyte.Builder) {
		// ECDSA P-256, RSA-PSS, Ed25519: what Tandem's certificates use.
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { addUint16s(b, 0x0403, 0x0804, 0x0807) })
	})
	ext(extVersions, func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(versionTLS13) })
	})
	ext(extKeyShare, func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(groupX25519)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(share) })
		})
	})
}

func addUint16s(b *cryptobyte.Builder, vs ...uint16) {
	for _, v := range vs {
		b.AddUint16(v)
	}
}

// readAnswer reads the server's first record: the suite of a
// ServerHello, or ErrRefused for an alert.
func readAnswer(r io.Reader) (uint16, error) {
	head := make([]byte, 5)
	if _, err := io.ReadFull(r, head); err != nil {
		return 0, fmt.Errorf("read answer: %w", err)
	}
	body := make([]byte, int(head[3])<<8|int(head[4]))
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, fmt.Errorf("read answer: %w", err)
	}
	switch head[0] {
	case recordAlert:
		if len(body) < 2 {
			return 0, ErrRefused
		}
		return 0, fmt.Errorf("%w: alert %d", ErrRefused, body[1])
	case recordHandshake:
		return serverHelloSuite(body)
	}
	return 0, fmt.Errorf("read answer: record type %d", head[0])
}

func serverHelloSuite(msg []byte) (uint16, error) {
	s := cryptobyte.String(msg)
	var typ uint8
	var body, sessionID cryptobyte.String
	var version, suite uint16
	if !s.ReadUint8(&typ) || typ != typeServerHello || !s.ReadUint24LengthPrefixed(&body) ||
		!body.ReadUint16(&version) || !body.Skip(32) || !body.ReadUint8LengthPrefixed(&sessionID) ||
		!body.ReadUint16(&suite) {
		return 0, errors.New("read answer: not a ServerHello")
	}
	return suite, nil
}
