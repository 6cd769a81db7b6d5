//go:build linux

package agentui

import (
	"fmt"
	"image"
	"os"
	"testing"

	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// setMonitors splits the screen into RandR monitors, the first primary,
// like xvfb.Client.Monitors but through useRandR: randr.Init there would
// rewrite xgb's package-wide tables while earlier tests' connections read
// them. The monitors last until the test ends (RandR ties them to the
// connection).
func setMonitors(t *testing.T, display string, rects ...image.Rectangle) {
	t.Helper()
	c, err := xconn.Dial(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := useRandR(c); err != nil {
		t.Fatalf("randr: %v", err)
	}
	root := xproto.Setup(c).DefaultScreen(c).Root
	res, err := randr.GetScreenResourcesCurrent(c, root).Reply()
	if err != nil || len(res.Outputs) == 0 {
		t.Fatalf("randr resources: %v", err)
	}
	for i, r := range rects {
		name := fmt.Sprintf("TEST-%d", i+1)
		atom, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		m := randr.MonitorInfo{Name: atom.Atom, Primary: i == 0, X: int16(r.Min.X), Y: int16(r.Min.Y),
			Width: uint16(r.Dx()), Height: uint16(r.Dy()), WidthInMillimeters: 300, HeightInMillimeters: 200}
		if i == 0 {
			m.NOutput, m.Outputs = 1, res.Outputs[:1] // retires the whole-screen monitor
		}
		if err := randr.SetMonitorChecked(c, root, m).Check(); err != nil {
			t.Fatalf("set monitor %s: %v", name, err)
		}
	}
}

// TestPrimaryMonitor puts the window in the primary monitor's corner, and
// back on a monitor when it is moved where no monitor shows it.
func TestPrimaryMonitor(t *testing.T) {
	left, right := image.Rect(0, 0, 640, 800), image.Rect(640, 0, 1280, 600)
	o := openUIAfter(t, func(x *xvfb.Client) { setMonitors(t, os.Getenv("DISPLAY"), left, right) })
	b := o.u.Bounds()[0]
	if b.Max.X != left.Max.X-margin || b.Min.Y != margin {
		t.Fatalf("window at %v, want the top-right corner of the primary monitor %v", b, left)
	}
	// Below the right monitor: on the root window, on no screen.
	id := fmt.Sprint(o.u.WindowIDs()[0])
	moveKept(t, id, image.Pt(800, 650))
	waitFor(t, "the window back on a monitor", func() bool {
		b := o.u.Bounds()[0]
		return b.In(left) || b.In(right)
	})
}
