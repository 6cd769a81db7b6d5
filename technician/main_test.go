package main

import (
	"bytes"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/signaling"
)

// TestExitStatus runs the technician's real main logic against an
// in-process signaling server and checks the failures a technician meets.
func TestExitStatus(t *testing.T) {
	srv, err := signaling.New(signaling.Config{TechnicianToken: "technician-token-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv.Handler())
	defer hs.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "cert.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o644)
	wrong := filepath.Join(dir, "wrong-token")
	os.WriteFile(wrong, []byte("not-the-token-at-all\n"), 0o600)

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "-end-after"},
		{"no token", []string{"-server", hs.URL}, 2, "-token-file or -user are required"},
		{"missing token file", []string{"-server", hs.URL, "-token-file", filepath.Join(dir, "none")}, 1, "read token"},
		{"wrong token", []string{"-server", hs.URL, "-ca", ca, "-token-file", wrong}, 1, "not authorized"},
		{"untrusted server", []string{"-server", hs.URL, "-token-file", wrong}, 1, "not trusted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tc.args, &stdout, &stderr); got != tc.status {
				t.Errorf("exit %d, want %d; stderr: %s", got, tc.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
		})
	}
}
