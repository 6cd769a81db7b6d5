package grant

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
)

// Key is the server's Ed25519 public key: it verifies the grants it signs
// and the stamps of agent downloads (package stamp). Its text form is
// standard base64 (the Joined message's grant_key, the stamp's key, the
// server's start-up summary); String, MarshalText and UnmarshalText are
// the only places that convert it.
type Key ed25519.PublicKey

// ErrBadKey: a grant key that is not 32 bytes in standard base64.
var ErrBadKey = errors.New("the server's grant key is malformed: the server may be misconfigured; ask the technician")

// KeyOf returns the public key of signer, the server's grant signing key.
func KeyOf(signer ed25519.PrivateKey) Key {
	if len(signer) != ed25519.PrivateKeySize {
		return nil
	}
	return Key(signer.Public().(ed25519.PublicKey))
}

// String returns the key's text form.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k) }

// MarshalText returns the key's text form, so that JSON carries it as a
// base64 string, as it carries a []byte.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a key's text form; anything but 32 bytes in
// standard base64 is ErrBadKey.
func (k *Key) UnmarshalText(b []byte) error {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(raw, b)
	if err != nil || n != ed25519.PublicKeySize {
		return ErrBadKey
	}
	*k = Key(raw[:n])
	return nil
}

// Equal reports whether k and o are the same key.
func (k Key) Equal(o Key) bool { return len(k) == ed25519.PublicKeySize && bytes.Equal(k, o) }
