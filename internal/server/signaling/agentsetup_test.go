package signaling

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/link/certs"
	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// TestCertPin: the pin stamped into downloads is the one a client
// computes from the certificate the server presents.
func TestCertPin(t *testing.T) {
	dir := t.TempDir()
	cert, _, _, err := certs.LoadOrCreate(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	want := stamp.PinOf(leaf)
	for name, tc := range map[string]*tls.Config{
		"file": {Certificates: []tls.Certificate{cert}},
		"ACME": {GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if h.ServerName != "support.example.com" {
				t.Errorf("asked for %q", h.ServerName)
			}
			return &cert, nil
		}},
	} {
		got, err := certPin(tc, "support.example.com")()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: pin %x, %v; want %x", name, got, err, want)
		}
	}
	if _, err := certPin(&tls.Config{}, "")(); err == nil {
		t.Error("a pin without a certificate")
	}
}

func TestAgentBinaryOption(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "agent")
	os.WriteFile(plain, []byte("\x7fELF plain agent"), 0o755)
	st := filepath.Join(dir, "tandem-agent")
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	p := stamp.Payload{V: stamp.Version, Server: "https://h", Pin: make([]byte, 32), Ticket: "t", Session: "s", Expires: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	tr, err := stamp.Trailer(p, key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(st, append([]byte("agent"), tr...), 0o755)
	for _, c := range []struct {
		name, file, want, says string
	}{
		{"plain", plain, plain, ""},
		{"stamped", st, "", "stamped download"},
		{"missing", filepath.Join(dir, "nope"), "", "not a readable file"},
		{"directory", dir, "", "not a readable file"},
		{"none next to the test binary", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := &Service{opts: Options{AgentBinary: c.file}}
			got, err := svc.agentBinary()
			if got != c.want || (c.says == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.says)) {
				t.Errorf("agentBinary() = %q, %v; want %q, error saying %q", got, err, c.want, c.says)
			}
			if err == nil && len(svc.summary) != 1 {
				t.Errorf("summary %q: want one line about the download", svc.summary)
			}
		})
	}
}
