package grant

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	t0  = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	key = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // fixed: Ed25519 signatures are deterministic
	g0  = Grant{Operator: "op1", Name: "Ada Op", Organisation: "Example Ltd", Session: "c0ffee",
		Issued: t0, Expires: t0.Add(8 * time.Hour), Functions: []Function{Observe, Chat}}
)

// TestGolden pins the canonical encoding and the signed JSON: an agent
// built today must verify grants a later server signs.
func TestGolden(t *testing.T) {
	signed, err := Sign(key, g0)
	if err != nil {
		t.Fatal(err)
	}
	got := hex.Dump(Encode(g0)) + string(signed) + "\n"
	golden := filepath.Join("testdata", "grant.golden")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Errorf("encoding changed:\n%s\nwant:\n%s", got, want)
	}
}

func TestSignVerify(t *testing.T) {
	signed, _ := Sign(key, g0)
	pub := key.Public().(ed25519.PublicKey)
	g, err := Verify(pub, signed, "c0ffee", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !g.Allows(Observe) || !g.Allows(Chat) || g.Allows(RemoteControl) || g.Operator != "op1" || !g.Expires.Equal(g0.Expires) {
		t.Errorf("verified grant %+v", g)
	}
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("k", 32)))
	var s Signed
	json.Unmarshal(signed, &s)
	forged := g0
	forged.Functions = append(forged.Functions, RemoteControl)
	s.Payload = Encode(forged)
	tampered, _ := json.Marshal(s)
	for _, c := range []struct {
		name string
		pub  ed25519.PublicKey
		raw  []byte
		sess string
		at   time.Time
		want error
	}{
		{"other server's key", other.Public().(ed25519.PublicKey), signed, "c0ffee", t0, ErrBadSignature},
		{"functions added", pub, tampered, "c0ffee", t0, ErrBadSignature},
		{"other session", pub, signed, "beef", t0, ErrWrongSession},
		{"expired", pub, signed, "c0ffee", t0.Add(8 * time.Hour), ErrExpired},
		{"not yet issued", pub, signed, "c0ffee", t0.Add(-time.Hour), ErrExpired},
	} {
		if _, err := Verify(c.pub, c.raw, c.sess, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDecodeRefusesNonCanonical(t *testing.T) {
	b := Encode(g0)
	for name, bad := range map[string][]byte{
		"trailing":         append(append([]byte{}, b...), 0),
		"truncated":        b[:len(b)-1],
		"empty":            nil,
		"unknown function": Encode(Grant{Functions: []Function{"root"}}),
		"unsorted": func() []byte {
			u := Encode(Grant{Functions: []Function{Chat, Observe}})
			i := strings.Index(string(u), "chat")
			j := strings.Index(string(u), "observe")
			out := append([]byte{}, u[:i-1]...)
			out = append(out, u[j-1:j+7]...)
			return append(out, u[i-1:i+4]...)
		}(),
	} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLeaf keeps the package importable by the one-shot agent: standard
// library only.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skip("go list unavailable:", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/tandem-remote/tandem/internal/wire/grant" {
			t.Errorf("grant depends on %s", p)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(g0))
	f.Add([]byte(domain))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Decode(b)
		if err == nil && string(Encode(g)) != string(b) {
			t.Fatalf("decoded %x but re-encodes differently", b)
		}
	})
}

func FuzzVerify(f *testing.F) {
	signed, _ := Sign(key, g0)
	f.Add([]byte(signed))
	f.Add([]byte(`{"payload":"","sig":""}`))
	pub := key.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if g, err := Verify(pub, raw, "c0ffee", t0.Add(time.Hour)); err == nil && g.Session != "c0ffee" {
			t.Fatal("verified a grant for another session")
		}
	})
}
