package stamp

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// nearMagic is how many bytes of the magic may differ for a file to count
// as stamped-but-damaged rather than plain: a plain binary's last 16 bytes
// match at most by chance, while one flipped byte in a real stamp must
// still read as damage, not as "no stamp".
const nearMagic = 2

// Read returns the stamp at the end of the file at path, reading only its
// tail. Errors: ErrNoStamp for a plain file, ErrDamaged (wrapped with the
// reason) for a stamp that does not verify, or the file's own error.
func Read(path string) (Payload, error) {
	f, err := os.Open(path)
	if err != nil {
		return Payload{}, fmt.Errorf("read the agent's stamp: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Payload{}, fmt.Errorf("read the agent's stamp: %w", err)
	}
	return Decode(f, fi.Size())
}

// Decode reads the stamp at the end of r, whose size is size.
func Decode(r io.ReaderAt, size int64) (Payload, error) {
	if size < int64(len(Magic)) {
		return Payload{}, ErrNoStamp
	}
	tail := make([]byte, min(size, int64(trailerSize)))
	if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil {
		return Payload{}, fmt.Errorf("read the agent's stamp: %w", err)
	}
	if !isMagic(tail[len(tail)-len(Magic):]) {
		return Payload{}, ErrNoStamp
	}
	if len(tail) < trailerSize {
		return Payload{}, damaged("the file is too short")
	}
	n := int64(binary.BigEndian.Uint32(tail[ed25519.SignatureSize:]))
	if n == 0 || n > MaxPayload || n > size-int64(trailerSize) {
		return Payload{}, damaged("impossible payload length")
	}
	payload := make([]byte, n)
	if _, err := r.ReadAt(payload, size-int64(trailerSize)-n); err != nil {
		return Payload{}, fmt.Errorf("read the agent's stamp: %w", err)
	}
	return verify(payload, tail[:ed25519.SignatureSize], tail[len(tail)-len(Magic):])
}

// verify checks the signature, then decodes and validates the payload.
func verify(payload, sig, magic []byte) (Payload, error) {
	if string(magic) != Magic {
		return Payload{}, damaged("the end marker is altered")
	}
	var p Payload
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || dec.InputOffset() != int64(len(payload)) {
		return Payload{}, damaged("unreadable payload")
	}
	if len(p.Key) != ed25519.PublicKeySize {
		return Payload{}, damaged("no key")
	}
	if !ed25519.Verify(ed25519.PublicKey(p.Key), signedMessage(payload), sig) {
		return Payload{}, damaged("the signature does not match")
	}
	if err := p.Validate(); err != nil {
		return Payload{}, damaged(err.Error())
	}
	return p, nil
}

// isMagic reports whether b is the magic with at most nearMagic bytes
// changed.
func isMagic(b []byte) bool {
	diff := 0
	for i := range len(Magic) {
		if b[i] != Magic[i] {
			diff++
		}
	}
	return diff <= nearMagic
}

func damaged(why string) error {
	return fmt.Errorf("%w (%s)", ErrDamaged, why)
}
