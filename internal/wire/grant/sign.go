package grant

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Signed is a grant as it travels: the canonical encoding and the
// server's Ed25519 signature over it. encoding/json writes both as base64.
type Signed struct {
	Payload []byte `json:"payload"`
	Sig     []byte `json:"sig"`
}

// maxSigned bounds a signed grant's JSON; real ones are a few hundred bytes.
const maxSigned = 4096

// Sign returns the JSON of g signed with key.
func Sign(key ed25519.PrivateKey, g Grant) (json.RawMessage, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("sign grant: bad key")
	}
	g.Functions = normalize(g.Functions)
	p := Encode(g)
	return json.Marshal(Signed{Payload: p, Sig: ed25519.Sign(key, p)})
}

// Errors Verify's callers branch on.
var (
	ErrBadSignature = errors.New("grant signature does not verify: the grant did not come from this server; refuse the session")
	ErrExpired      = errors.New("grant expired: ask the operator to open a new session")
	ErrWrongSession = errors.New("grant is for another session: refuse it")
)

// Verify checks raw (the JSON Sign returned) against pub, for session, at
// now, and returns the grant.
func Verify(pub ed25519.PublicKey, raw []byte, session string, now time.Time) (Grant, error) {
	s, err := decodeSigned(raw)
	if err != nil {
		return Grant{}, err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, s.Payload, s.Sig) {
		return Grant{}, ErrBadSignature
	}
	g, err := Decode(s.Payload)
	if err != nil {
		return Grant{}, err
	}
	if g.Session != session {
		return Grant{}, ErrWrongSession
	}
	if !now.Before(g.Expires) || now.Before(g.Issued.Add(-time.Minute)) {
		return Grant{}, ErrExpired
	}
	return g, nil
}

func decodeSigned(raw []byte) (Signed, error) {
	var s Signed
	if len(raw) > maxSigned {
		return s, errors.New("signed grant too large")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&s); err != nil {
		return s, fmt.Errorf("signed grant: %w", err)
	}
	if d.More() {
		return s, errors.New("signed grant: trailing data")
	}
	if len(s.Sig) != ed25519.SignatureSize || len(s.Payload) == 0 {
		return s, errors.New("signed grant: payload and a 64-byte sig are required")
	}
	return s, nil
}
