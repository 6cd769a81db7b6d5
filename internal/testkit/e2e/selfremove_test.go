package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// freshAgent copies the agent binary into a new directory, as a customer's
// download would sit, and returns the directory and the copy's path.
func freshAgent(t *testing.T, src string) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "tandem-agent")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

// startIn runs the program at path with dir as its working directory (a
// customer double-clicking a download); the shell execs it, so the
// process is the program itself.
func startIn(t *testing.T, dir, path string, env []string, args ...string) *proc {
	t.Helper()
	return start(t, "/bin/sh", env, append([]string{"-c", `cd "$0" && exec "$@"`, dir, "./" + filepath.Base(path)}, args...)...)
}

// TestSelfRemoval: an agent run from a fresh directory is gone from it
// when the session ends — by the technician hanging up, the customer's
// Stop, SIGINT, SIGTERM, SIGHUP, the link lost, and even SIGKILL or its X
// connection killed, when no Remove runs — and no process of it runs on.
func TestSelfRemoval(t *testing.T) {
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool not installed (scripts/install-deps.sh installs it)")
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	for _, c := range []struct {
		name   string
		end    func(t *testing.T, tech, agent *proc, display string)
		status int // the agent's exit status: 1 when the link was lost
	}{
		{"technician hangs up", func(t *testing.T, tech, agent *proc, display string) {
			tech.cmd.Process.Signal(syscall.SIGINT)
		}, 0},
		{"customer stops", func(t *testing.T, tech, agent *proc, display string) {
			p := agent.next(t, "panel")
			clicked := time.Now()
			clickControl(t, display, p["controls"].(map[string]any)["stop"])
			tech.next(t, "ended")
			t.Logf("Stop clicked → technician told: %v (includes xdotool's own run)", time.Since(clicked))
		}, 0},
		{"SIGINT", func(t *testing.T, tech, agent *proc, display string) { agent.cmd.Process.Signal(syscall.SIGINT) }, 0},
		{"SIGTERM", func(t *testing.T, tech, agent *proc, display string) { agent.cmd.Process.Signal(syscall.SIGTERM) }, 0},
		{"link lost", func(t *testing.T, tech, agent *proc, display string) { tech.cmd.Process.Kill() }, 1},
		// The customer closes the terminal the agent runs in.
		{"SIGHUP", func(t *testing.T, tech, agent *proc, display string) { agent.cmd.Process.Signal(syscall.SIGHUP) }, 0},
		// No Remove runs in these two: the agent's guardian cleans up.
		{"SIGKILL", func(t *testing.T, tech, agent *proc, display string) { agent.cmd.Process.Kill() }, -1},
		// Xlib ends the process when its X connection breaks (xkill, the
		// desktop session ending).
		{"X connection killed", func(t *testing.T, tech, agent *proc, display string) {
			xdo(t, display, "windowkill", xdoSearch(t, display, "Tandem"))
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			display := xvfb.Start(t, 1280, 800)
			dir, path := freshAgent(t, b["agent"])
			tech := start(t, b["technician"], nil, "-headless", "-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json")
			code := tech.next(t, "code")["code"].(string)
			agent := startIn(t, dir, path, nil, "-server", srv.url, "-ca", srv.ca, "-code", code, "-json", "-display", display, "-v")
			answer(t, agent, display, "allow")
			agent.next(t, "mode")
			c.end(t, tech, agent, display)
			st := agent.wait(t, 90*time.Second)
			if want := c.status; st != want {
				t.Errorf("agent exit %d, want %d\n%s", st, want, agent.stderr.String())
			}
			if c.name == "customer stops" {
				if e := tech.last("ended"); e["reason"] != "stopped" {
					t.Errorf("technician told %v, want reason stopped", e)
				}
			}
			// After Remove the agent waits for its guardian; without it,
			// the guardian works once the agent is gone.
			var left []os.DirEntry
			var pids []string
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				left, _ = os.ReadDir(dir)
				if pids = processesOf(t, path); len(left) == 0 && len(pids) == 0 {
					break
				}
			}
			if len(left) != 0 {
				t.Errorf("the agent's directory still holds %v", left)
			}
			if len(pids) != 0 {
				t.Errorf("processes of the agent still run: %v", pids)
			}
		})
	}
}

// processesOf lists the PIDs whose executable is path (deleted or not).
func processesOf(t *testing.T, path string) []string {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.TrimSuffix(exe, " (deleted)") == path {
			out = append(out, e.Name())
		}
	}
	return out
}
