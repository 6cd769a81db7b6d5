package viewer

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

var update = flag.Bool("update", false, "write screenshots of the viewer under testdata/ for a human to look at")

// startXvfb starts a private 1920×1080 Xvfb, points DISPLAY at it for the
// test, and returns the display. Xvfb picks a free display number itself
// (-displayfd), so parallel test binaries never collide; the test stops
// only the process it started.
func startXvfb(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Skip("Xvfb is not installed (apt-get install xvfb); viewer window tests skipped")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (apt-get install xdotool); viewer window tests skipped")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// -noreset: the server must not reset (and refuse connections for a
	// moment) each time its last client, a closed viewer, goes.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { stopProcess(cmd) })
	n, err := readLine(r, 10*time.Second)
	if err != nil || n == "" {
		t.Fatalf("Xvfb did not announce its display: %v", err)
	}
	display := ":" + n
	xvfbPIDs.Store(display, cmd.Process.Pid)
	t.Cleanup(func() { xvfbPIDs.Delete(display) })
	t.Setenv("DISPLAY", display)
	// No Wayland: Gio tries it first, and libwayland complains aloud
	// about a missing runtime directory.
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return display
}

// xvfbPIDs maps the displays of running test servers to their processes.
var xvfbPIDs sync.Map

// xvfbPID returns the process serving a display startXvfb started.
func xvfbPID(display string) string {
	pid, _ := xvfbPIDs.Load(display)
	return fmt.Sprint(pid)
}

func readLine(r io.Reader, timeout time.Duration) (string, error) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case s := <-line:
		return s, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("nothing within %v", timeout)
	}
}

// stopProcess asks a process we started to exit (SIGTERM lets Xvfb remove
// its socket and lock file) and kills it if it does not.
func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// xdotool runs xdotool against the test's display.
func xdotool(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// window finds the viewer's X window by title and returns its id and its
// rectangle on the screen.
func window(t testing.TB, title string) (string, image.Rectangle) {
	t.Helper()
	id := strings.Fields(xdotool(t, "search", "--sync", "--onlyvisible", "--name", title))[0]
	vals := map[string]int{}
	for _, l := range strings.Split(xdotool(t, "getwindowgeometry", "--shell", id), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if n, err := strconv.Atoi(v); ok && err == nil {
			vals[k] = n
		}
	}
	min := image.Pt(vals["X"], vals["Y"])
	return id, image.Rectangle{Min: min, Max: min.Add(image.Pt(vals["WIDTH"], vals["HEIGHT"]))}
}

// xconnect opens a connection to the test's display, closed at cleanup.
func xconnect(t testing.TB) *xgb.Conn {
	t.Helper()
	c, err := xconn.Dial("")
	if err != nil {
		t.Fatalf("connect to X: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// screenshot grabs the whole X screen.
func screenshot(t testing.TB) *image.RGBA {
	t.Helper()
	c := xconnect(t)
	scr := xproto.Setup(c).DefaultScreen(c)
	w, h := int(scr.WidthInPixels), int(scr.HeightInPixels)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	const band = 128 // rows a request, to stay under the request size limit
	for y := 0; y < h; y += band {
		n := min(band, h-y)
		reply, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(scr.Root),
			0, int16(y), uint16(w), uint16(n), 0xffffffff).Reply()
		if err != nil {
			t.Fatalf("GetImage: %v", err)
		}
		for i := 0; i < w*n; i++ { // BGRX
			p := reply.Data[4*i:]
			img.Pix[4*(y*w+i)+0], img.Pix[4*(y*w+i)+1], img.Pix[4*(y*w+i)+2], img.Pix[4*(y*w+i)+3] = p[2], p[1], p[0], 0xff
		}
	}
	return img
}

// savePNG writes img into the test's temporary directory and, with
// -update, under testdata for a human to look at.
func savePNG(t testing.TB, name string, img image.Image) string {
	t.Helper()
	dirs := []string{t.TempDir()}
	if *update {
		dirs = append(dirs, "testdata")
	}
	var path string
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(d, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return path
}

// near reports whether two colours differ by at most tol in each channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// running is a viewer whose window is open.
type running struct {
	v      *Viewer
	id     string          // X window id
	win    image.Rectangle // on the screen
	cancel context.CancelFunc
	done   chan error
}

// open starts a viewer on the test's display, shows it frame and waits
// until that frame is on screen (or, for a Frame without Image, until the
// window is drawn). Cleanup closes the window and checks that
// Run returned.
func open(t *testing.T, cfg Config, f Frame) *running {
	t.Helper()
	v := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{v: v, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- v.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10 s of its context ending")
		}
	})
	v.Show(f)
	r.id, r.win = window(t, cfg.Title)
	if f.Image == nil { // no picture yet: the session waits for its customer
		waitFor(t, "the window to be drawn", func() bool { return v.Stats().Redraws >= 1 })
		return r
	}
	waitFor(t, "the frame to be drawn", func() bool { return v.Stats().Drawn >= 1 })
	return r
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// info returns where the last frame put things.
func (r *running) info() layoutInfo {
	r.v.mu.Lock()
	defer r.v.mu.Unlock()
	return r.v.layout
}
