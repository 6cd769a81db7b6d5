package e2e

import (
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestViewerFiles: in the technician's viewer window, with real clicks and
// typing, the Files pane sends a file to the customer and fetches one from
// their computer; the customer allows each in the agent's window and both
// copies match.
func TestViewerFiles(t *testing.T) {
	b := binaries(t)
	customer := xvfb.Start(t, 1280, 800)
	technician := xvfb.Start(t, 1600, 1000)
	srv := server(t, b)
	user, pw := srv.operator(t)
	techDir, custDir, custFiles := t.TempDir(), t.TempDir(), t.TempDir()
	up, upSum := randomFile(t, techDir, "to customer.bin", 2<<20+3)
	down, downSum := randomFile(t, custFiles, "from customer.bin", 2<<20+5)
	os.Mkdir(techDir+"/in", 0o700)

	tech := start(t, b["technician"], []string{"DISPLAY=" + technician, "LIBGL_ALWAYS_SOFTWARE=1"},
		"-server", srv.url, "-ca", srv.ca, "-user", user, "-password-file", pw, "-json", "-mode", "view",
		"-download-dir", techDir+"/in", "-end-after", "60s")
	code := tech.next(t, "code")["code"].(string)
	agent := start(t, b["agent"], nil, "-keep", "-server", srv.url, "-ca", srv.ca, "-code", code, "-json",
		"-display", customer, "-download-dir", custDir)
	answer(t, agent, customer, "allow")
	win := windowAt(t, technician, xdoSearch(t, technician, "Tandem"))

	// control waits until the viewer's latest report shows name (and, when
	// editing is set, that field holding the keyboard) and returns its
	// rectangle on the screen. It reads the recorded events, which a busy
	// technician cannot crowd out.
	control := func(name, editing string) any {
		deadline := time.Now().Add(30 * time.Second)
		for ; time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			ev := tech.last("viewer")
			if ev == nil {
				continue
			}
			c, ok := ev["controls"].(map[string]any)[name].(map[string]any)
			if ok && (editing == "" || ev["editing"] == editing) {
				r := map[string]any{"x": c["x"].(float64) + float64(win.X), "y": c["y"].(float64) + float64(win.Y), "w": c["w"], "h": c["h"]}
				return r
			}
		}
		t.Fatalf("the viewer does not show %s (editing %q); last report %v", name, editing, tech.last("viewer"))
		return nil
	}
	clickControl(t, technician, control("files", ""))
	clickControl(t, technician, control("file-send-path", ""))
	control("file-send-path", "file-send-path")
	xdo(t, technician, "type", up)
	xdo(t, technician, "key", "Return")
	if q := answer(t, agent, customer, "allow"); q["kind"] != "file-in" {
		t.Fatalf("question %v, want the file offered", q)
	}
	if end := tech.nextOf(t, "transfer-done", "transfer-failed"); end["sha256"] != upSum {
		t.Fatalf("technician saw %v, want done with sha256 %s", end, upSum)
	}
	if got := fileSum(t, filepath.Join(custDir, "to customer.bin")); got != upSum {
		t.Fatalf("the customer's copy has sha256 %s, want %s", got, upSum)
	}

	control("file-transfer-0", "") // the pane grew a line for it: wait for the new layout
	clickControl(t, technician, control("file-fetch-path", ""))
	control("file-fetch-path", "file-fetch-path")
	xdo(t, technician, "type", down)
	clickControl(t, technician, control("file-fetch", ""))
	if q := answer(t, agent, customer, "allow"); q["kind"] != "file-out" {
		t.Fatalf("question %v, want the download asked", q)
	}
	if end := tech.nextOf(t, "transfer-done", "transfer-failed"); end["sha256"] != downSum {
		t.Fatalf("technician saw %v, want done with sha256 %s", end, downSum)
	}
	if got := fileSum(t, filepath.Join(techDir, "in", "from customer.bin")); got != downSum {
		t.Fatalf("the technician's copy has sha256 %s, want %s", got, downSum)
	}
	tech.cmd.Process.Signal(os.Interrupt)
	tech.wait(t, 20*time.Second)
	agent.wait(t, 20*time.Second)
}

// windowAt is where window id is on display's root window.
func windowAt(t *testing.T, display, id string) image.Point {
	t.Helper()
	cmd := exec.Command("xdotool", "getwindowgeometry", "--shell", id)
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool getwindowgeometry: %v", err)
	}
	var p image.Point
	for _, l := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(l, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			p.X = n
		case "Y":
			p.Y = n
		}
	}
	return p
}
