package stamp

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

// Trailer returns the bytes that stamp a binary with p: payload, signature,
// length and magic. p.Key must be key's public half (it is filled in when
// empty).
func Trailer(p Payload, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("stamp: no signing key")
	}
	pub := grant.KeyOf(key)
	if p.Key == nil {
		p.Key = pub
	}
	if !p.Key.Equal(pub) {
		return nil, errors.New("stamp: payload key is not the signing key's")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	if len(payload) > MaxPayload {
		return nil, fmt.Errorf("stamp: payload of %d bytes exceeds %d", len(payload), MaxPayload)
	}
	out := make([]byte, 0, len(payload)+trailerSize)
	out = append(out, payload...)
	out = append(out, ed25519.Sign(key, signedMessage(payload))...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(payload)))
	return append(out, Magic...), nil
}

// Write copies bin to w followed by p's stamp, streaming: nothing of bin
// is held beyond io.Copy's buffer. It returns the bytes written. The
// trailer is made before the first byte is written, so a bad payload
// writes nothing.
func Write(w io.Writer, bin io.Reader, p Payload, key ed25519.PrivateKey) (int64, error) {
	trailer, err := Trailer(p, key)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(w, bin)
	if err != nil {
		return n, fmt.Errorf("stamp: copy the binary: %w", err)
	}
	m, err := w.Write(trailer)
	n += int64(m)
	if err != nil {
		return n, fmt.Errorf("stamp: write the stamp: %w", err)
	}
	return n, nil
}
