package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickStart runs the server the way `make run` does — data directory
// given relative to the working directory, embedded relay on — and checks
// that what it prints is enough for a technician and an agent to connect.
func TestQuickStart(t *testing.T) {
	b := binaries(t)
	dir := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(b["signaling"], "-data", "data", "-addr", "127.0.0.1:"+port,
		"-relay-udp", "127.0.0.1:0", "-relay-tcp", "127.0.0.1:0")
	cmd.Dir = dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	summary := make([]byte, 4096)
	var n int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(string(summary[:n]), "Customer:"); {
		m, err := out.Read(summary[n:])
		n += m
		if err != nil {
			break
		}
	}
	text := string(summary[:n])
	for _, want := range []string{"SHA-256 fingerprint", "setup token", "Technician:", "Customer:", "turn:"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Fatalf("start-up summary lacks %q:\n%s\n%s", want, text, stderr.String())
		}
	}
	data := filepath.Join(dir, "data")
	for _, f := range []string{"cert.pem", "technician-token", "turn-secret", "tandem.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Fatalf("data/%s: %v", f, err)
		}
	}
	url := "https://127.0.0.1:" + port
	ca, token := filepath.Join(data, "cert.pem"), filepath.Join(data, "technician-token")
	tech := start(t, b["technician"], nil, "-headless", "-server", url, "-ca", ca, "-token-file", token, "-json", "-end-after", "1s")
	code := tech.next(t, "code")["code"].(string)
	start(t, b["agent"], nil, "-server", url, "-ca", ca, "-code", code, "-json")
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}
