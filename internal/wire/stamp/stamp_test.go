package stamp

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/wire/grant"
)

var when = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
}

func testPayload() Payload {
	pin := sha256.Sum256([]byte("spki"))
	return Payload{V: Version, Server: "https://support.example.com", Pin: pin[:],
		Ticket: "t-0123456789abcdef", Session: "s-42", Expires: when}
}

// stamped returns bin followed by a stamp of p.
func stamped(t testing.TB, bin []byte, p Payload) []byte {
	t.Helper()
	tr, err := Trailer(p, testKey())
	if err != nil {
		t.Fatal(err)
	}
	return append(slices.Clip(bin), tr...)
}

func decodeBytes(b []byte) (Payload, error) {
	return Decode(bytes.NewReader(b), int64(len(b)))
}

func TestRoundTrip(t *testing.T) {
	bin := []byte("\x7fELF pretend this is an agent")
	out := stamped(t, bin, testPayload())
	if !bytes.HasPrefix(out, bin) {
		t.Fatal("the binary is not kept byte for byte at the start")
	}
	path := filepath.Join(t.TempDir(), "tandem-agent")
	if err := os.WriteFile(path, out, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := testPayload()
	if p.Server != want.Server || p.Ticket != want.Ticket || p.Session != want.Session ||
		!bytes.Equal(p.Pin, want.Pin) || !p.Expires.Equal(want.Expires) ||
		!bytes.Equal(p.Key, testKey().Public().(ed25519.PublicKey)) {
		t.Errorf("read %+v, wrote %+v", p, want)
	}
}

func TestPlainFile(t *testing.T) {
	plain := make([]byte, 4096)
	rand.Read(plain)
	for _, b := range [][]byte{nil, []byte("x"), plain} {
		if _, err := decodeBytes(b); !errors.Is(err, ErrNoStamp) {
			t.Errorf("%d plain bytes: %v, want ErrNoStamp", len(b), err)
		}
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); err == nil || errors.Is(err, ErrNoStamp) {
		t.Errorf("missing file: %v, want the file's own error", err)
	}
}

// TestEveryFlippedByte: one byte changed anywhere in the stamp — payload,
// signature, length or end marker — is damage, never a plain agent and
// never a valid stamp.
func TestEveryFlippedByte(t *testing.T) {
	bin := []byte("agent")
	out := stamped(t, bin, testPayload())
	for i := len(bin); i < len(out); i++ {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(out)
			b[i] ^= mask
			if _, err := decodeBytes(b); !errors.Is(err, ErrDamaged) {
				t.Fatalf("byte %d of %d ^%#x: %v, want ErrDamaged", i, len(out), mask, err)
			}
		}
	}
}

func TestTruncated(t *testing.T) {
	out := stamped(t, []byte("agent"), testPayload())
	for cut := 1; cut < len(out)-len(Magic); cut++ {
		// A download cut short loses the end marker: that reads as plain,
		// and the plain agent then asks for its flags.
		b := out[:len(out)-cut]
		if _, err := decodeBytes(b); err == nil {
			t.Fatalf("cut %d bytes: accepted", cut)
		}
	}
	// The stamp without its start (a damaged copy keeping the end).
	if _, err := decodeBytes(out[len(out)-trailerSize-10:]); !errors.Is(err, ErrDamaged) {
		t.Errorf("stamp missing its start: %v, want ErrDamaged", err)
	}
}

func TestTrailerRefuses(t *testing.T) {
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		name string
		edit func(p *Payload)
		key  ed25519.PrivateKey
	}{
		{"no key", nil, nil},
		{"key mismatch", func(p *Payload) { p.Key = grant.Key(other) }, testKey()},
		{"http server", func(p *Payload) { p.Server = "http://support.example.com" }, testKey()},
		{"short pin", func(p *Payload) { p.Pin = p.Pin[:8] }, testKey()},
		{"no ticket", func(p *Payload) { p.Ticket = "" }, testKey()},
		{"no session", func(p *Payload) { p.Session = "" }, testKey()},
		{"no expiry", func(p *Payload) { p.Expires = time.Time{} }, testKey()},
		{"version", func(p *Payload) { p.V = 2 }, testKey()},
		{"huge", func(p *Payload) { p.Session = strings.Repeat("s", 200); p.Ticket = strings.Repeat("t", 200) }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testPayload()
			if c.edit != nil {
				c.edit(&p)
			}
			tr, err := Trailer(p, c.key)
			if err == nil {
				t.Fatal("stamped")
			}
			if len(tr) != 0 {
				t.Errorf("returned %d bytes of stamp with the refusal", len(tr))
			}
		})
	}
}

func TestCheck(t *testing.T) {
	p := testPayload()
	if err := p.Check(when.Add(-time.Second)); err != nil {
		t.Errorf("before expiry: %v", err)
	}
	if err := p.Check(when); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}
}

// TestSignatureContext: a stamp signature is over the context string and
// the payload, so the bare payload's signature (what another use of the
// key might produce) does not verify as a stamp.
func TestSignatureContext(t *testing.T) {
	out := stamped(t, nil, testPayload())
	n := len(out) - trailerSize
	payload := out[:n]
	b := bytes.Clone(out)
	copy(b[n:], ed25519.Sign(testKey(), payload))
	if _, err := decodeBytes(b); !errors.Is(err, ErrDamaged) {
		t.Errorf("signature without context: %v, want ErrDamaged", err)
	}
}

func TestMagicIsNotText(t *testing.T) {
	if len(Magic) != 16 || Magic[0] != 0 || Magic[15] != 0 {
		t.Errorf("magic %q: want 16 bytes framed by zeros", Magic)
	}
}
