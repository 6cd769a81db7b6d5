package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestKilledAgentKeyboardRestored: the technician types a Cyrillic letter
// the customer's US keyboard lacks, so the agent remaps a spare keycode to
// type it; the agent is then killed with SIGKILL, which runs none of its
// own clean-up. Its guardian must put the customer's keyboard map back as
// it was before the session (xmodmap -pke), and exit.
func TestKilledAgentKeyboardRestored(t *testing.T) {
	for _, tool := range []string{"xmodmap", "xterm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	b := binaries(t)
	display := xvfb.Start(t, 1280, 800)
	before := keymapOf(t, display)

	typed := filepath.Join(t.TempDir(), "typed.txt")
	start(t, "xterm", []string{"DISPLAY=" + display, "LANG=C.UTF-8"},
		"-geometry", "60x8+50+50", "-fa", "", "-e", "sh", "-c", "cat > "+typed)
	waitFile(t, typed)

	srv := server(t, b)
	user, pw := srv.operator(t)
	const text = "Ж\n"
	tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json",
		"-move", "1:200,100", "-type", text)
	code := tech.next(t, "code")["code"].(string)
	dir, path := freshAgent(t, b["agent"])
	agent := startIn(t, dir, path, nil, "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display)
	answer(t, agent, display, "allow")

	// The letter reached the xterm: a spare keycode was remapped for it.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, _ := os.ReadFile(typed); string(got) == text {
			break
		}
	}
	if got, _ := os.ReadFile(typed); string(got) != text {
		t.Fatalf("xterm received %q, want %q\n%s", got, text, agent.stderr.String())
	}
	during := keymapOf(t, display)
	if during == before {
		t.Fatal("the keyboard map did not change while typing Ж: the test needs a remapped spare key")
	}

	agent.cmd.Process.Kill()
	agent.wait(t, 10*time.Second)
	var after string
	var pids []string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		after, pids = keymapOf(t, display), processesOf(t, path)
		if after == before && len(pids) == 0 {
			break
		}
	}
	if after != before {
		t.Errorf("after the agent was killed the keyboard map still differs from before the session:\n%s", keymapDiff(before, after))
	}
	if len(pids) != 0 {
		t.Errorf("processes of the agent still run: %v", pids)
	}
}

// keymapOf returns the display's keyboard map as xmodmap prints it.
func keymapOf(t *testing.T, display string) string {
	t.Helper()
	cmd := exec.Command("xmodmap", "-display", display, "-pke")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xmodmap -pke: %v", err)
	}
	return string(out)
}

// keymapDiff lists the lines of after that are not in before.
func keymapDiff(before, after string) string {
	old := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		old[l] = true
	}
	var d []string
	for _, l := range strings.Split(after, "\n") {
		if !old[l] {
			d = append(d, l)
		}
	}
	return strings.Join(d, "\n")
}
