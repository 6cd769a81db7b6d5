package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	c1, created, missing, err := LoadOrCreate(cf, kf, []string{"localhost", "127.0.0.1", "203.0.113.2"})
	if err != nil || !created || len(missing) != 0 {
		t.Fatalf("first: created=%v missing=%v err=%v", created, missing, err)
	}
	if fi, _ := os.Stat(kf); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	c2, created, missing, err := LoadOrCreate(cf, kf, []string{"localhost", "other.example"})
	if err != nil || created {
		t.Fatalf("second: created=%v err=%v", created, err)
	}
	if Fingerprint(c1) != Fingerprint(c2) {
		t.Error("certificate changed across restarts")
	}
	if len(missing) != 1 || missing[0] != "other.example" {
		t.Errorf("missing = %v, want [other.example]", missing)
	}
	if fp := Fingerprint(c1); len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint %q not in AA:BB:… form", fp)
	}

	// A client trusting the file verifies the server for each SAN.
	pool, err := Pool(cf)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(c1.Certificate[0])
	for _, h := range []string{"localhost", "127.0.0.1", "203.0.113.2"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: h}); err != nil {
			t.Errorf("verify %s: %v", h, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "evil.example"}); err == nil {
		t.Error("verified for a host not in the certificate")
	}
}

func TestPoolErrors(t *testing.T) {
	if _, err := Pool(filepath.Join(t.TempDir(), "none.pem")); err == nil {
		t.Error("missing file accepted")
	}
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a cert"), 0o644)
	if _, err := Pool(junk); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Errorf("junk file: err = %v", err)
	}
}

func TestWriteFileAtomicLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	if err := WriteFileAtomic(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("dir holds %d entries, want 1", len(ents))
	}
}
