package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestQuickStart runs the server the way `make run` does — data directory
// given relative to the working directory, embedded relay on — and checks
// that what it prints is enough for a technician and an agent to connect:
// the printed commands, run as printed, add an operator and log the
// technician in as it.
func TestQuickStart(t *testing.T) {
	b := binaries(t)
	dir := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(b["signaling"], "-data", "data", "-addr", "127.0.0.1:"+port,
		"-relay-udp", "127.0.0.1:0", "-relay-tcp", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0")
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
	summary := make([]byte, 8192)
	var n int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(string(summary[:n]), "Customer:"); {
		m, err := out.Read(summary[n:])
		n += m
		if err != nil {
			break
		}
	}
	text := string(summary[:n])
	for _, want := range []string{"SHA-256 fingerprint", "setup token", "Operators:", "Technician:", "Customer:", "turn:", "Metrics: http://127.0.0.1:"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Fatalf("start-up summary lacks %q:\n%s\n%s", want, text, stderr.String())
		}
	}
	data := filepath.Join(dir, "data")
	for _, f := range []string{"cert.pem", "turn-secret", "grant-key", "tandem.db"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Fatalf("data/%s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "technician-token")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data/technician-token: %v, want no such file (technicians log in)", err)
	}

	const password = "plum harbour quartz lantern 88"
	for _, args := range printed(text, "Operators:") {
		if args[0] != "signaling" {
			t.Fatalf("operator command %q does not run signaling", args)
		}
		admin := exec.Command(b["signaling"], args[1:]...)
		admin.Dir, admin.Stdin = dir, strings.NewReader(password+"\n")
		if out, err := admin.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	techCmd := printed(text, "Technician:")
	if len(techCmd) != 1 || techCmd[0][0] != "technician" {
		t.Fatalf("technician command: %q\n%s", techCmd, text)
	}
	args := techCmd[0][1:]
	for i := range args {
		if i > 0 && args[i-1] == "-ca" && !filepath.IsAbs(args[i]) {
			args[i] = filepath.Join(dir, args[i]) // printed relative to the server's directory
		}
	}
	tech := start(t, b["technician"], []string{"TANDEM_PASSWORD=" + password}, append(args, "-headless", "-json", "-end-after", "1s")...)
	code := tech.next(t, "code")["code"].(string)
	url, ca := "https://127.0.0.1:"+port, filepath.Join(data, "cert.pem")
	start(t, b["agent"], nil, "-keep", "-server", url, "-ca", ca, "-code", code, "-json")
	if st := tech.wait(t, 30*time.Second); st != 0 {
		t.Fatalf("technician exit %d\n%s", st, tech.stderr.String())
	}
}

// printed returns the commands the summary lists under label (its line and
// the indented lines after it), split into words as a shell would for
// these simple lines, with the placeholder ID as "alice" and the trailing
// "(...)" note dropped.
func printed(summary, label string) [][]string {
	var cmds [][]string
	in := false
	for _, line := range strings.Split(summary, "\n") {
		rest, ok := strings.CutPrefix(line, label)
		switch {
		case ok:
			in = true
		case in && strings.HasPrefix(line, " "):
			rest = line
		default:
			in = false
			continue
		}
		if i := strings.Index(rest, "("); i >= 0 {
			rest = rest[:i]
		}
		var words []string
		for _, w := range wordRE.FindAllString(rest, -1) {
			w = strings.Trim(w, `"`)
			if w == "ID" {
				w = "alice"
			}
			words = append(words, w)
		}
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
	}
	return cmds
}

var wordRE = regexp.MustCompile(`"[^"]*"|\S+`)
