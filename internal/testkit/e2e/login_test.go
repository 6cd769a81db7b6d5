package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOperatorLogin: an administrator adds an operator with the admin
// command; the technician logs in as that operator with SCRAM (password
// from a file, never on the command line), opens a session and connects
// to an agent; a wrong password is refused with a clear message.
func TestOperatorLogin(t *testing.T) {
	b := binaries(t)
	srv := server(t, b)
	url, data := srv.url, srv.data
	ca := filepath.Join(data, "cert.pem")
	const password = "correct horse battery staple rides again"
	add := exec.Command(b["signaling"], "admin", "-data", data, "user", "add", "-name", "Alice Martin", "-org", "Helpdesk", "alice")
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("admin user add: %v\n%s", err, out)
	}
	dir := t.TempDir()
	pwFile, wrongFile := filepath.Join(dir, "pw"), filepath.Join(dir, "wrong")
	os.WriteFile(pwFile, []byte(password+"\n"), 0o600)
	os.WriteFile(wrongFile, []byte("not the password at all, sorry\n"), 0o600)

	bad := start(t, b["technician"], []string{"TANDEM_PASSWORD="}, "-headless", "-server", url, "-ca", ca, "-user", "alice", "-password-file", wrongFile, "-json")
	if st := bad.wait(t, 30*time.Second); st == 0 || !strings.Contains(bad.stderr.String(), "log in as alice") {
		t.Fatalf("wrong password: exit %d, stderr %q", st, bad.stderr.String())
	}

	tech := start(t, b["technician"], []string{"TANDEM_PASSWORD="}, "-headless", "-server", url, "-ca", ca, "-user", "alice", "-password-file", pwFile, "-json", "-end-after", "1s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json")
	if c := agent.next(t, "connected"); c["dtls"] != "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" {
		t.Fatalf("agent connected %v", c)
	}
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
	if st := agent.wait(t, 10*time.Second); st != 0 {
		t.Fatalf("agent exit %d\n%s", st, agent.stderr.String())
	}
}
