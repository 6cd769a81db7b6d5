package e2e

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// appsSession is a session in which the customer shares one xterm (class
// Shared, green, at 100,100) chosen in the agent's apps chooser with real
// clicks; it returns once the technician heard that applications only are
// shared.
func appsSession(t *testing.T, display string, techArgs ...string) *session {
	t.Helper()
	for _, tool := range []string{"xterm", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh installs it)", tool)
		}
	}
	b := binaries(t)
	srv := server(t, b)
	user, pw := srv.operator(t)
	start(t, "xterm", []string{"DISPLAY=" + display}, "-class", "Shared", "-title", "Shared", "-bg", "#20c040", "-geometry", "40x10+100+100")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		cmd := exec.Command("xdotool", "search", "--name", "^Shared$")
		cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
		if out, _ := cmd.Output(); len(strings.TrimSpace(string(out))) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the xterm never showed")
		}
	}
	s := newSession(t, srv, user, pw, display, append([]string{"-mode", "view"}, techArgs...)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("agent:\n%s\n%s", s.agent.output(), s.agent.stderr.String())
		}
	})
	clickControl(t, display, s.control(t, "apps"))
	clickControl(t, display, s.control(t, "app-"+xdoSearch(t, display, "Shared")))
	clickControl(t, display, s.control(t, "share"))
	for m := s.tech.nextOf(t, "mode"); m["apps_only"] != true; m = s.tech.nextOf(t, "mode") {
	}
	return s
}

// TestApplicationSelectionHidesPointer: with one application shared, the
// customer's pointer (moved with xdotool) reaches the technician over the
// shared xterm; over a window that is not shared, where the pointer takes
// that window's crosshair shape, the technician hears "hidden" and
// nothing else: no position, no shape. Back over the xterm, positions
// come again, naming the shape last sent.
func TestApplicationSelectionHidesPointer(t *testing.T) {
	display := xvfb.Start(t, 1280, 800)
	mouse := newPointer(t, display)
	private := image.Rect(600, 100, 900, 400)
	mouse.cursorWindow(t, private, 0xe020e0, xcCrosshair, green, green)
	s := appsSession(t, display)

	xdo(t, display, "mousemove", "--sync", "150", "150")
	waitCursor(t, s.tech, func(ev map[string]any) bool { return ev["x"] == 150.0 && ev["y"] == 150.0 && ev["hidden"] != true })

	seen, shapes := len(s.tech.all("cursor")), len(s.tech.all("cursor-shape"))
	for _, p := range []image.Point{{700, 200}, {750, 250}, {800, 300}, {720, 380}} {
		xdo(t, display, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(time.Second) // what the agent sent had time to arrive
	var hidden bool
	for _, ev := range s.tech.all("cursor")[seen:] {
		x, _ := ev["x"].(float64)
		y, _ := ev["y"].(float64)
		if image.Pt(int(x), int(y)).In(private) {
			t.Errorf("the technician saw the pointer over the window that is not shared: %v", ev)
		}
		hidden = hidden || ev["hidden"] == true
	}
	if !hidden {
		t.Errorf("the technician never heard the pointer left the shared window: %v", s.tech.all("cursor")[seen:])
	}
	if more := s.tech.all("cursor-shape")[shapes:]; len(more) > 0 {
		t.Errorf("the pointer's shape over the window that is not shared reached the technician: %v", more)
	}

	xdo(t, display, "mousemove", "--sync", "160", "170")
	ev := waitCursor(t, s.tech, func(ev map[string]any) bool { return ev["x"] == 160.0 && ev["y"] == 170.0 && ev["hidden"] != true })
	if last := s.tech.last("cursor-shape"); last == nil || last["shape"] != ev["shape"] {
		t.Errorf("back over the xterm the position names shape %v, the last shape sent is %v", ev["shape"], last)
	}
	s.end(t)
}

// TestApplicationSelectionWindowMovedOver: while frames flow, xdotool
// moves a magenta window that is not shared onto the shared xterm and off
// again, over and over. No picture the technician decodes may show it:
// the window tracker and the capture have separate X connections, and a
// frame captured after a move must not be masked with the region from
// before it. (150 small override-redirect windows with long titles make
// each reading of the window tree take longer, as on a busy desktop.)
func TestApplicationSelectionWindowMovedOver(t *testing.T) {
	display := xvfb.Start(t, 1280, 800)
	x := newWindows(t, display)
	long := strings.Repeat("busy ", 800)
	for i := range 150 {
		x.title(x.open(image.Rect(1270-i%8, 790-i/8%8, 1271-i%8, 791-i/8%8), 0, true), long)
	}
	magenta := x.open(image.Rect(700, 500, 900, 650), 0xff00ff, false)
	frames := t.TempDir()
	s := appsSession(t, display, "-frames", frames)
	xdo(t, display, "mousemove", "--sync", "5", "795") // the pointer rests out of the way
	time.Sleep(time.Second)                            // pictures from before the choice are saved by now
	old, _ := filepath.Glob(filepath.Join(frames, "frame-*.png"))
	for _, name := range old {
		os.Remove(name)
	}

	id := fmt.Sprint(magenta)
	xdo(t, display, "windowraise", id) // above the xterm, which opened later
	for i := range 60 {
		at := []string{"700", "500"}
		if i%2 == 0 {
			at = []string{fmt.Sprint(110 + 7*(i%10)), fmt.Sprint(110 + 5*(i%6))}
		}
		xdo(t, display, append([]string{"windowmove", id}, at...)...)
		time.Sleep(90 * time.Millisecond)
	}
	time.Sleep(time.Second)
	s.end(t)

	names, _ := filepath.Glob(filepath.Join(frames, "frame-*.png"))
	if len(names) < 10 {
		t.Fatalf("only %d pictures saved while the window moved; frames did not flow", len(names))
	}
	for _, name := range append(names, filepath.Join(frames, "last.png")) {
		img := readPNG(t, name)
		if n, box := countColour(img, isMagenta); n > 40 {
			t.Errorf("%s shows %d pixels of the window that is not shared, within %v", filepath.Base(name), n, box)
		}
	}
	t.Logf("%d pictures checked", len(names)+1)
}

func isMagenta(r, g, b uint8) bool { return r > 190 && b > 190 && g < 80 }

// countColour counts the pixels of img for which is holds and bounds them.
func countColour(img image.Image, is func(r, g, b uint8) bool) (int, image.Rectangle) {
	var n int
	var box image.Rectangle
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if is(uint8(r>>8), uint8(g>>8), uint8(b>>8)) {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return n, box
}

// windows is a test's X client that opens plain windows and keeps them
// open until the test ends.
type windows struct {
	t    *testing.T
	conn *xgb.Conn
}

func newWindows(t *testing.T, display string) *windows {
	t.Helper()
	c, err := xconn.Dial(display)
	if err != nil {
		t.Fatalf("connect to %s: %v", display, err)
	}
	t.Cleanup(c.Close)
	return &windows{t: t, conn: c}
}

// title names window id.
func (w *windows) title(id uint32, name string) {
	xproto.ChangeProperty(w.conn, xproto.PropModeReplace, xproto.Window(id), xproto.AtomWmName, xproto.AtomString,
		8, uint32(len(name)), []byte(name))
}

// open maps a window of colour rgb at r (override-redirect if asked) and
// returns its ID once the server has drawn it.
func (w *windows) open(r image.Rectangle, rgb uint32, override bool) uint32 {
	w.t.Helper()
	c := w.conn
	scr := xproto.Setup(c).DefaultScreen(c)
	id, err := xproto.NewWindowId(c)
	if err != nil {
		w.t.Fatal(err)
	}
	var or uint32
	if override {
		or = 1
	}
	err = xproto.CreateWindowChecked(c, scr.RootDepth, id, scr.Root, int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), 0, xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{rgb, or}).Check()
	if err == nil {
		err = xproto.MapWindowChecked(c, id).Check()
	}
	if err != nil {
		w.t.Fatalf("create window: %v", err)
	}
	return uint32(id)
}
