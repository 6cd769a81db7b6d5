package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
)

// The tests run the agent's main logic inside the test binary, which
// must not delete itself.
func init() { selfRemoval = false }

// TestExitStatus runs the agent's real main logic against an in-process
// signaling server and checks what a customer sees when things go wrong.
func TestExitStatus(t *testing.T) {
	hs := signalingtest.Start(t, signaling.Config{}, nil)
	ca := hs.CAFile

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "-relay-only"},
		{"no code", []string{"-server", hs.URL}, 2, "-code are required"},
		{"junk argument", []string{"-server", hs.URL, "-code", "123456789", "extra"}, 2, "required"},
		{"missing download folder", []string{"-server", hs.URL, "-code", "123456789", "-download-dir", "/nonexistent/dir"}, 2, "not a folder"},
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
