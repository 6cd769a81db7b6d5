package stamp

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

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
