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

// TestExitStatus runs the agent's real main logic against an in-process
// signaling server and checks what a customer sees when things go wrong.
func TestExitStatus(t *testing.T) {
	srv, err := signaling.New(signaling.Config{TechnicianToken: "technician-token-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewTLSServer(srv.Handler())
	defer hs.Close()
	ca := filepath.Join(t.TempDir(), "cert.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o644)

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "-relay-only"},
		{"no code", []string{"-server", hs.URL}, 2, "-code are required"},
		{"junk argument", []string{"-server", hs.URL, "-code", "123456789", "extra"}, 2, "required"},
		{"wrong code", []string{"-server", hs.URL, "-ca", ca, "-code", "123456789"}, 1, "wrong, expired or already used"},
		{"not a code", []string{"-server", hs.URL, "-ca", ca, "-code", "12-34"}, 1, "not a session code"},
		{"untrusted server", []string{"-server", hs.URL, "-code", "123456789"}, 1, "-ca"},
		{"missing CA file", []string{"-server", hs.URL, "-ca", ca + ".none", "-code", "123456789"}, 1, "CA file"},
		{"plain http", []string{"-server", "http://" + strings.TrimPrefix(hs.URL, "https://"), "-code", "123456789"}, 1, "only https://"},
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
