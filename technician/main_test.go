package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tandem-remote/tandem/internal/server/signaling"
	"github.com/tandem-remote/tandem/internal/server/signaling/signalingtest"
)

// TestExitStatus runs the technician's real main logic against an
// in-process signaling server with a real operator account and checks the
// failures a technician meets.
func TestExitStatus(t *testing.T) {
	srv := signalingtest.Start(t, signaling.Config{}, nil)
	t.Setenv("TANDEM_PASSWORD", "")
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong")
	os.WriteFile(wrong, []byte("not the password at all, sorry\n"), 0o600)
	user := srv.Operator.ID

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"help", []string{"-h"}, 0, "-user ID"},
		{"no user", []string{"-server", srv.URL}, 2, "-server and -user are required"},
		{"token file", []string{"-server", srv.URL, "-token-file", filepath.Join(dir, "technician-token")}, 2,
			"-token-file was removed: log in with -user ID (see -h)"},
		{"token file with =", []string{"-server=" + srv.URL, "--token-file=x", "-user", user}, 2, "-token-file was removed"},
		{"token file as a value", []string{"-type", "-token-file", "-server", srv.URL}, 2, "-server and -user are required"},
		{"missing password file", []string{"-server", srv.URL, "-ca", srv.CAFile, "-user", user, "-password-file", filepath.Join(dir, "none")}, 1, "read password"},
		{"wrong password", []string{"-server", srv.URL, "-ca", srv.CAFile, "-user", user, "-password-file", wrong}, 1, "log in as " + user + ": login: login failed: check the ID and password"},
		{"untrusted server", []string{"-server", srv.URL, "-user", user, "-password-file", wrong}, 1, "certificate is not trusted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := run(tc.args, &stdout, &stderr); got != tc.status {
				t.Errorf("exit %d, want %d; stderr: %s", got, tc.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if tc.name == "help" && strings.Contains(stderr.String(), "token-file") {
				t.Errorf("help still offers -token-file:\n%s", stderr.String())
			}
		})
	}
}
