// Package xvfb gives tests a real X server: a private Xvfb per test, and a
// small X client to shape it — monitors, coloured windows, the pointer.
// Tests of capture, input, the viewer and the end-to-end binaries use it so
// that what they prove holds on a real display server, not a mock.
package xvfb

import (
	"bufio"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// Start runs a private w×h Xvfb (24-bit, MIT-SHM, black root) and returns
// its display name (":N"). Xvfb picks a free display number itself
// (-displayfd), so parallel test binaries never collide. It is stopped, by
// its PID, when the test ends. The test is skipped, with the install
// command, when Xvfb is missing.
func Start(tb testing.TB, w, h int) string {
	tb.Helper()
	path, err := exec.LookPath("Xvfb")
	if err != nil {
		tb.Skip("Xvfb not installed (apt-get install xvfb; scripts/install-deps.sh does it)")
	}
	r, wr, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(path, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h),
		"+extension", "MIT-SHM", "-nolisten", "tcp", "-noreset", "-br")
	cmd.ExtraFiles = []*os.File{wr}
	err = cmd.Start()
	wr.Close()
	if err != nil {
		tb.Fatalf("start Xvfb: %v", err)
	}
	tb.Cleanup(func() { stop(cmd) })
	r.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		tb.Fatalf("Xvfb did not report its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// stop ends Xvfb: SIGTERM lets it remove its socket and lock file; SIGKILL
// if it has not gone within five seconds.
func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// Client is an X connection a test uses to arrange the display. Monitors
// defined through it last as long as it stays open (RandR ties them to the
// client), so keep it until the test ends; it is closed at cleanup.
type Client struct {
	tb   testing.TB
	conn *xgb.Conn
	root xproto.Window
}

// Connect opens a Client on display.
func Connect(tb testing.TB, display string) *Client {
	tb.Helper()
	c, err := xconn.Dial(display)
	if err != nil {
		tb.Fatalf("connect to %s: %v", display, err)
	}
	tb.Cleanup(c.Close)
	return &Client{tb: tb, conn: c, root: xproto.Setup(c).DefaultScreen(c).Root}
}

// Window maps an undecorated window of colour rgb (0xRRGGBB) at r and
// waits until the server has drawn it.
func (c *Client) Window(r image.Rectangle, rgb uint32) {
	c.tb.Helper()
	id, err := xproto.NewWindowId(c.conn)
	if err != nil {
		c.tb.Fatal(err)
	}
	scr := xproto.Setup(c.conn).DefaultScreen(c.conn)
	err = xproto.CreateWindowChecked(c.conn, scr.RootDepth, id, c.root, int16(r.Min.X), int16(r.Min.Y),
		uint16(r.Dx()), uint16(r.Dy()), 0, xproto.WindowClassInputOutput, scr.RootVisual,
		xproto.CwBackPixel|xproto.CwOverrideRedirect, []uint32{rgb, 1}).Check()
	if err == nil {
		err = xproto.MapWindowChecked(c.conn, id).Check()
	}
	if err != nil {
		c.tb.Fatalf("create window: %v", err)
	}
	c.sync()
}

// Monitors splits the screen into RandR monitors, the first primary.
func (c *Client) Monitors(rects ...image.Rectangle) {
	c.tb.Helper()
	if err := xconn.Ext(c.conn, "RANDR", randr.Init); err != nil {
		c.tb.Fatalf("randr: %v", err)
	}
	randr.QueryVersion(c.conn, 1, 5).Reply()
	res, err := randr.GetScreenResourcesCurrent(c.conn, c.root).Reply()
	if err != nil || len(res.Outputs) == 0 {
		c.tb.Fatalf("randr resources: %v", err)
	}
	for i, r := range rects {
		name := fmt.Sprintf("TEST-%d", i+1)
		atom, err := xproto.InternAtom(c.conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			c.tb.Fatal(err)
		}
		m := randr.MonitorInfo{Name: atom.Atom, Primary: i == 0, X: int16(r.Min.X), Y: int16(r.Min.Y),
			Width: uint16(r.Dx()), Height: uint16(r.Dy()), WidthInMillimeters: 300, HeightInMillimeters: 200}
		if i == 0 {
			// The first monitor takes over the real output, which
			// retires the automatic whole-screen monitor.
			m.NOutput, m.Outputs = 1, res.Outputs[:1]
		}
		if err := randr.SetMonitorChecked(c.conn, c.root, m).Check(); err != nil {
			c.tb.Fatalf("set monitor %s: %v", name, err)
		}
	}
	c.sync()
}

// Pointer returns the pointer's position on the root window.
func (c *Client) Pointer() image.Point {
	c.tb.Helper()
	q, err := xproto.QueryPointer(c.conn, c.root).Reply()
	if err != nil {
		c.tb.Fatalf("query pointer: %v", err)
	}
	return image.Pt(int(q.RootX), int(q.RootY))
}

// sync waits until the server has processed every request so far.
func (c *Client) sync() {
	xproto.GetInputFocus(c.conn).Reply()
}

// Screenshot returns the whole screen as it is now.
func (c *Client) Screenshot() *image.RGBA {
	c.tb.Helper()
	scr := xproto.Setup(c.conn).DefaultScreen(c.conn)
	w, h := int(scr.WidthInPixels), int(scr.HeightInPixels)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// GetImage replies are limited in size: fetch in bands of rows.
	for y := 0; y < h; y += 128 {
		bh := min(128, h-y)
		rep, err := xproto.GetImage(c.conn, xproto.ImageFormatZPixmap, xproto.Drawable(c.root),
			0, int16(y), uint16(w), uint16(bh), 0xffffffff).Reply()
		if err != nil {
			c.tb.Fatalf("screenshot: %v", err)
		}
		for i := 0; i < w*bh; i++ {
			o := (y*w + i) * 4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = rep.Data[i*4+2], rep.Data[i*4+1], rep.Data[i*4], 255
		}
	}
	return img
}
