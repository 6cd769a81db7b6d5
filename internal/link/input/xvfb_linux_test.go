package input

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// startXvfb starts a private 1280x800 Xvfb (see package xvfb) and returns
// its display.
func startXvfb(t testing.TB) string { return xvfb.Start(t, 1280, 800) }

func kill(cmd *exec.Cmd) {
	cmd.Process.Kill()
	cmd.Wait()
}

// run runs an X client tool against display and fails the test on error.
func run(t *testing.T, display string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startXterm opens a UTF-8 xterm in the top-left corner whose shell copies
// what is typed into a file, waits until its window is mapped, and returns
// the file's path.
func startXterm(t *testing.T, display string) string {
	t.Helper()
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Skip("xterm is not installed (apt-get install xterm)")
	}
	out := filepath.Join(t.TempDir(), "typed")
	cmd := exec.Command("xterm", "-en", "UTF-8", "-geometry", "80x24+0+0", "-title", "tandem-input-test",
		"-e", "sh", "-c", `exec cat > "$0"`, out)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xterm: %v", err)
	}
	t.Cleanup(func() { kill(cmd) })
	id := strings.Fields(run(t, display, "xdotool", "search", "--sync", "--onlyvisible", "--name", "tandem-input-test"))[0]
	run(t, display, "xdotool", "windowfocus", "--sync", id)
	return out
}

// waitFile waits until the file holds want, and fails with what it holds.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	var got []byte
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got, _ = os.ReadFile(path)
		if bytes.Equal(got, []byte(want)) {
			return
		}
	}
	t.Fatalf("file holds %q (% x), want %q (% x)", got, got, want, want)
}

// dial opens a second client connection, as another program on the desktop.
func dial(t *testing.T, display string) *xgb.Conn {
	t.Helper()
	xconn.Quiet()
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	return c
}

// keysDown returns the keycodes the server holds down.
func keysDown(t *testing.T, c *xgb.Conn) []int {
	t.Helper()
	r, err := xproto.QueryKeymap(c).Reply()
	if err != nil {
		t.Fatal(err)
	}
	var down []int
	for i, b := range r.Keys {
		for bit := range 8 {
			if b&(1<<bit) != 0 {
				down = append(down, i*8+bit)
			}
		}
	}
	return down
}

// keycodeOf returns the first keycode whose first keysym is ks.
func keycodeOf(t *testing.T, c *xgb.Conn, ks uint32) int {
	t.Helper()
	m, err := loadKeymap(c)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := m.lookup(ks)
	if !ok {
		t.Fatalf("no key for keysym %#x", ks)
	}
	return int(p.code)
}
