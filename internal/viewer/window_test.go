package viewer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"
	"time"

	"gioui.org/f32"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/input"
	"github.com/tandem-remote/tandem/internal/leakcheck"
)

const title = "tandem-viewer-test"

// openPattern opens a viewer showing the test pattern at w×h.
func openPattern(t *testing.T, w, h int) *running {
	t.Helper()
	leakcheck.Check(t)
	startXvfb(t)
	r := open(t, Config{Title: title}, Frame{Image: pattern(w, h)})
	t.Logf("window %v opened in %v (Run to first window frame)", r.win, r.v.Stats().Opened)
	return r
}

// screenPoint is the screen position over remote pixel (x, y).
func (r *running) screenPoint(x, y int) image.Point {
	info := r.info()
	d := info.geom.dest()
	sx := float64(d.Dx()) / float64(info.geom.Remote.X)
	sy := float64(d.Dy()) / float64(info.geom.Remote.Y)
	p := image.Pt(d.Min.X+int((float64(x)+0.5)*sx), d.Min.Y+int((float64(y)+0.5)*sy))
	return p.Add(info.screen.Min).Add(r.win.Min)
}

// expectedAt is what the mapping says the remote pixel under screen point p is.
func (r *running) expectedAt(p image.Point) (image.Point, bool) {
	info := r.info()
	q := p.Sub(r.win.Min).Sub(info.screen.Min)
	return info.geom.toRemote(f32.Pt(float32(q.X), float32(q.Y)))
}

// button is the screen position of a toolbar button's centre.
func (r *running) button(t *testing.T, name string) image.Point {
	t.Helper()
	b, ok := r.info().buttons[name]
	if !ok {
		t.Fatalf("no %s button on the toolbar", name)
	}
	return b.Min.Add(b.Max).Div(2).Add(r.win.Min)
}

func (r *running) click(t *testing.T, name string) {
	t.Helper()
	p := r.button(t, name)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
}

// next returns the next input event, failing after 5 s.
func (r *running) next(t *testing.T) input.Event {
	t.Helper()
	select {
	case ev := <-r.v.Input():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no input event within 5 s")
	}
	return input.Event{}
}

// expect reads len(want) input events, skipping pointer moves when
// skipMoves, and compares them with want.
func (r *running) expect(t *testing.T, skipMoves bool, want ...string) {
	t.Helper()
	var got []string
	for len(got) < len(want) {
		ev := r.next(t)
		if skipMoves && ev.Type == input.PointerMove {
			continue
		}
		got = append(got, describe(ev))
	}
	if !slices.Equal(got, want) {
		t.Errorf("input events\ngot  %q\nwant %q", got, want)
	}
}

// action returns the next toolbar action, failing after 5 s.
func (r *running) action(t *testing.T) Action {
	t.Helper()
	select {
	case a := <-r.v.Actions():
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no action within 5 s")
	}
	return Action{}
}

// TestWindowShowsPattern checks that a 4:3 remote screen appears scaled to
// fit, pillarboxed, with its quadrants in the right places, and pixel for
// pixel in 1:1 mode.
func TestWindowShowsPattern(t *testing.T) {
	const w, h = 1024, 768
	r := openPattern(t, w, h)
	shot := screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-fit.png", shot))
	info := r.info()
	if d := info.geom.dest(); d.Min.X < 50 || d.Min.Y != 0 {
		t.Fatalf("a 4:3 screen in a wide viewport should fill the height with borders left and right; dest %v in %v", d, info.geom.View)
	}
	checks := []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"top left", w / 4, h / 4, patRed}, {"top right", 3 * w / 4, h / 4, patGreen},
		{"bottom left", w / 4, 3 * h / 4, patBlue}, {"bottom right", 3 * w / 4, 3 * h / 4, patWhite},
	}
	for _, c := range checks {
		p := r.screenPoint(c.x, c.y)
		if got := shot.RGBAAt(p.X, p.Y); !near(got, c.want, 24) {
			t.Errorf("%s quadrant at screen %v is %v, want %v", c.name, p, got, c.want)
		}
	}
	border := r.screenPoint(0, h/2).Sub(image.Pt(20, 0))
	if got := shot.RGBAAt(border.X, border.Y); !near(got, color.RGBA{A: 255}, 8) {
		t.Errorf("left border at %v is %v, want black", border, got)
	}
	bar := r.win.Min.Add(image.Pt(r.win.Dx()-5, 2))
	if got := shot.RGBAAt(bar.X, bar.Y); !near(got, color.RGBA(barBg), 8) {
		t.Errorf("toolbar background at %v is %v, want %v", bar, got, barBg)
	}

	r.v.Show(Frame{Image: pattern(1920, 1080)})
	r.click(t, btnMode)
	waitFor(t, "1:1 mode", func() bool { return r.info().geom.Mode == ModeActual && r.info().geom.Remote.X == 1920 })
	shot = screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-1to1.png", shot))
	origin := r.win.Min.Add(r.info().screen.Min)
	for y := 0; y < 300; y += 7 { // pixel for pixel, stripes included
		for x := 0; x < 1200; x += 13 {
			want := patternAt(x, y, 1920, 1080)
			if got := shot.RGBAAt(origin.X+x, origin.Y+y); !near(got, want, 8) {
				t.Fatalf("1:1 pixel %d,%d is %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestPointerAndKeys drives the window with xdotool and checks the input
// events, with positions mapped to the remote screen's pixels.
func TestPointerAndKeys(t *testing.T) {
	const w, h = 1920, 1080
	r := openPattern(t, w, h)
	xdotool(t, "windowfocus", "--sync", r.id)

	for _, target := range []image.Point{{100, 100}, {1900, 1000}, {960, 540}} {
		p := r.screenPoint(target.X, target.Y)
		xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
		ev := r.next(t)
		want, _ := r.expectedAt(p)
		if ev.Type != input.PointerMove || int(ev.X) != want.X || int(ev.Y) != want.Y {
			t.Fatalf("move to screen %v: got %s, want move 0 %d,%d", p, describe(ev), want.X, want.Y)
		}
		if abs(want.X-target.X) > 2 || abs(want.Y-target.Y) > 2 {
			t.Errorf("screen %v maps to remote %v, want about %v", p, want, target)
		}
	}

	// Over the letterbox border: dropped. The next move inside is the
	// next event.
	d := r.info().geom.dest()
	if d.Min.Y > 2 {
		b := r.win.Min.Add(r.info().screen.Min).Add(image.Pt(300, d.Min.Y/2))
		xdotool(t, "mousemove", "--sync", fmt.Sprint(b.X), fmt.Sprint(b.Y))
	}
	p := r.screenPoint(400, 300)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1", "click", "3", "click", "5")
	want, _ := r.expectedAt(p)
	r.expect(t, false, fmt.Sprintf("move 0 %d,%d", want.X, want.Y))
	r.expect(t, true, "button-down 1", "button-up 1", "button-down 3", "button-up 3")
	if dy := r.wheel(t); dy != input.WheelDetent {
		t.Errorf("one wheel notch down: DY %d, want %d", dy, input.WheelDetent)
	}

	// xdotool lets go of Shift before the key it shifted.
	xdotool(t, "type", "aB! ")
	r.expect(t, false,
		"down KeyA 0x61", "up KeyA 0x61",
		"down ShiftLeft 0xffe1", "down KeyB 0x42", "up ShiftLeft 0xffe1", "up KeyB 0x42",
		"down ShiftLeft 0xffe1", "down Digit1 0x21", "up ShiftLeft 0xffe1", "up Digit1 0x21",
		"down Space 0x20", "up Space 0x20")
	// A character no key of a US layout has: mapped onto a spare key for
	// good (xdotool's own remapping races with the window reading the new
	// map), it arrives as text.
	mapSpareKey(t, 0x6d6) // Cyrillic_zhe
	xdotool(t, "key", "Cyrillic_zhe")
	r.expect(t, false, `text "ж"`)

	xdotool(t, "key", "ctrl+c", "Return", "Tab", "BackSpace", "Left")
	r.expect(t, false,
		"down ControlLeft 0xffe3", "down KeyC 0x63", "up ControlLeft 0xffe3", "up KeyC 0x63",
		"down Enter 0xff0d", "up Enter 0xff0d", "down Tab 0xff09", "up Tab 0xff09",
		"down Backspace 0xff08", "up Backspace 0xff08", "down ArrowLeft 0xff51", "up ArrowLeft 0xff51")

	// Focus moves to another window while Shift is held: everything is
	// released on the customer's side.
	xdotool(t, "keydown", "shift")
	r.expect(t, false, "down ShiftLeft 0xffe1")
	other := otherWindow(t)
	xdotool(t, "windowfocus", "--sync", fmt.Sprint(other))
	r.expect(t, false, "release-all")
	xdotool(t, "keyup", "shift")
}

// wheel sums the Wheel events of one notch (one or two events, depending
// on whether the press and release of the wheel button share a frame).
func (r *running) wheel(t *testing.T) int {
	t.Helper()
	dy := 0
	for dy < input.WheelDetent {
		ev := r.next(t)
		if ev.Type != input.Wheel {
			t.Fatalf("got %s, want wheel", describe(ev))
		}
		dy += int(ev.DY)
	}
	return dy
}

// mapSpareKey puts keysym on a keycode that has none, for the rest of the
// test.
func mapSpareKey(t *testing.T, keysym uint32) {
	t.Helper()
	c := xconn(t)
	setup := xproto.Setup(c)
	first, n := setup.MinKeycode, int(setup.MaxKeycode-setup.MinKeycode)+1
	m, err := xproto.GetKeyboardMapping(c, first, byte(n)).Reply()
	if err != nil {
		t.Fatal(err)
	}
	per := int(m.KeysymsPerKeycode)
	for i := n - 1; i >= 0; i-- {
		if !slices.ContainsFunc(m.Keysyms[i*per:(i+1)*per], func(k xproto.Keysym) bool { return k != 0 }) {
			syms := []xproto.Keysym{xproto.Keysym(keysym), xproto.Keysym(keysym)}
			if err := xproto.ChangeKeyboardMappingChecked(c, 1, first+xproto.Keycode(i), 2, syms).Check(); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no spare keycode")
}

func abs(x int) int { return max(x, -x) }

// otherWindow maps a second, plain X window to take the focus.
func otherWindow(t *testing.T) xproto.Window {
	t.Helper()
	c := xconn(t)
	scr := xproto.Setup(c).DefaultScreen(c)
	id, err := xproto.NewWindowId(c)
	if err != nil {
		t.Fatal(err)
	}
	xproto.CreateWindow(c, scr.RootDepth, id, scr.Root, 1500, 900, 100, 100, 0,
		xproto.WindowClassInputOutput, scr.RootVisual, 0, nil)
	if err := xproto.MapWindowChecked(c, id).Check(); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestViewOnly checks that nothing goes out in view-only mode, whichever
// way it is switched on, and that input resumes when it is switched off.
func TestViewOnly(t *testing.T) {
	r := openPattern(t, 1280, 720)
	xdotool(t, "windowfocus", "--sync", r.id)
	r.click(t, btnViewOnly)
	if a := r.action(t); a.Kind != ActionViewOnly || !a.ViewOnly {
		t.Fatalf("view-only button: got %+v", a)
	}
	// Switching control off releases what might be held. Moves before the
	// click may come first.
	r.expect(t, true, "release-all")

	p := r.screenPoint(640, 360)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y), "click", "1")
	xdotool(t, "type", "secret")
	r.click(t, btnCtrlAltDel)
	r.click(t, btnGetClip) // a barrier: the window has handled all of the above
	if a := r.action(t); a.Kind != ActionGetClipboard {
		t.Fatalf("get-clipboard button: got %+v", a)
	}
	if n := len(r.v.Input()); n != 0 {
		t.Errorf("view-only mode sent %d input events, first %s", n, describe(<-r.v.Input()))
	}

	r.v.SetViewOnly(false)
	p = r.screenPoint(10, 10)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
	want, _ := r.expectedAt(p)
	r.expect(t, false, fmt.Sprintf("move 0 %d,%d", want.X, want.Y))
}

// TestToolbar clicks every toolbar button and checks what comes out.
func TestToolbar(t *testing.T) {
	r := openPattern(t, 1280, 720)
	r.v.SetStatus(Status{Path: "direct udp host→host", RTTms: 12, FPS: 30, Kbps: 4100, Peer: "agent 123 456 789",
		Monitors: []Monitor{{Name: "DP-1", Width: 1920, Height: 1080}, {Name: "HDMI-1", Width: 1280, Height: 1024}}})
	waitFor(t, "monitor buttons", func() bool { _, ok := r.info().buttons[btnMonitor(1)]; return ok })
	t.Logf("screenshot: %s", savePNG(t, "viewer-toolbar.png", screenshot(t)))

	r.click(t, btnMonitor(1))
	if a := r.action(t); a.Kind != ActionSelectMonitor || a.Monitor != 1 {
		t.Errorf("monitor button: got %+v, want select-monitor 1", a)
	}
	for name, keys := range chords {
		r.click(t, name)
		var want []string
		for _, ev := range chordEvents(keys) {
			want = append(want, describe(ev))
		}
		r.expect(t, true, want...)
	}

	clip := x11Clipboard(t)
	if err := clip.Set("from the technician ✓"); err != nil {
		t.Fatal(err)
	}
	r.click(t, btnSendClip)
	if a := r.action(t); a.Kind != ActionSendClipboard || a.Text != "from the technician ✓" {
		t.Errorf("send-clipboard button: got %+v", a)
	}
	r.click(t, btnGetClip)
	if a := r.action(t); a.Kind != ActionGetClipboard {
		t.Errorf("get-clipboard button: got %+v", a)
	}
	r.v.SetClipboard("from the customer ✓")
	waitFor(t, "the clipboard to be set", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s, _ := clip.Get(ctx)
		return s == "from the customer ✓"
	})
	r.click(t, btnDisconnect)
	if a := r.action(t); a.Kind != ActionDisconnect {
		t.Errorf("disconnect button: got %+v", a)
	}
}

func x11Clipboard(t *testing.T) *input.X11Clipboard {
	t.Helper()
	c, err := input.NewX11Clipboard(input.ClipboardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestClose checks both ways the window ends: the technician closes it
// (Run returns nil) or the session ends it (Run returns the context's
// error); either way the channels are closed.
func TestClose(t *testing.T) {
	leakcheck.Check(t)
	startXvfb(t)
	for _, byUser := range []bool{true, false} {
		t.Run(fmt.Sprintf("by user %v", byUser), func(t *testing.T) {
			v := New(Config{Title: title})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- v.Run(ctx) }()
			id, _ := window(t, title)
			if byUser {
				deleteWindow(t, id)
			} else {
				cancel()
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
			if byUser && err != nil || !byUser && !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
			if _, open := <-v.Input(); open {
				t.Error("Input not closed")
			}
			if _, open := <-v.Actions(); open {
				t.Error("Actions not closed")
			}
			if err := v.Run(context.Background()); !errors.Is(err, ErrRunning) {
				t.Errorf("second Run = %v, want ErrRunning", err)
			}
		})
	}
}

// deleteWindow asks the window to close as a window manager's close button
// does (WM_DELETE_WINDOW).
func deleteWindow(t *testing.T, id string) {
	t.Helper()
	c := xconn(t)
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return r.Atom
	}
	var win uint32
	fmt.Sscan(strings.TrimSpace(id), &win)
	ev := xproto.ClientMessageEvent{Format: 32, Window: xproto.Window(win), Type: atom("WM_PROTOCOLS"),
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom("WM_DELETE_WINDOW")), 0, 0, 0, 0})}
	if err := xproto.SendEventChecked(c, false, xproto.Window(win), 0, string(ev.Bytes())).Check(); err != nil {
		t.Fatal(err)
	}
}
