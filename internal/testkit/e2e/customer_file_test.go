package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestCustomerSendsFile: the customer sends a file on their own, by
// keyboard in the agent's window (Files, Send a file…, the chooser's path
// field, Enter), to the headless technician run with -accept-files: the
// technician is told of the offer, accepts it, and the file lands in its
// -download-dir with the same SHA-256.
func TestCustomerSendsFile(t *testing.T) {
	b := binaries(t)
	began := time.Now() // after the build, which the package's first test pays
	srv := server(t, b)
	user, pw := srv.operator(t)
	display := xvfb.Start(t, 1280, 800)
	techDir := t.TempDir()
	src, sum := randomFile(t, t.TempDir(), "diagnostics.bin", 2<<20+5)
	s := newSession(t, srv, user, pw, display, "-mode", "view", "-accept-files", "-download-dir", techDir)
	if m := s.tech.next(t, "mode"); m["answer"] != "allowed" {
		t.Fatalf("first answer %v", m)
	}
	clickControl(t, display, s.control(t, "files"))
	clickControl(t, display, s.control(t, "send-file"))
	s.control(t, "chooser-path") // open, with the keyboard in its field
	xdo(t, display, "key", "ctrl+a")
	xdo(t, display, "type", src)
	xdo(t, display, "key", "Return")

	if o := s.tech.next(t, "file-offer"); o["name"] != "diagnostics.bin" || o["size"] != float64(2<<20+5) {
		t.Fatalf("technician was offered %v, want diagnostics.bin and its size", o)
	}
	if e := s.tech.next(t, "file-offer-end"); e["outcome"] != "accepted" {
		t.Fatalf("offer ended %v, want accepted (-accept-files)", e)
	}
	landed := filepath.Join(techDir, "diagnostics.bin")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(landed); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no diagnostics.bin in the technician's folder; technician:\n%s", s.tech.output())
		}
	}
	if got := fileSum(t, landed); got != sum {
		t.Fatalf("technician's copy has SHA-256 %s, want %s", got, sum)
	}
	s.end(t)
	t.Logf("server up to session ended, the file checked: %v", time.Since(began).Round(time.Millisecond))
}
