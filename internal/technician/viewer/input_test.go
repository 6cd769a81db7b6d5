package viewer

import (
	"fmt"
	"image"
	"slices"
	"testing"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/link/input"
)

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

	// xdotool lets go of Shift before the key it shifted. The first key
	// typed after the pointer's xdotool calls sometimes came with Shift in
	// Gio's key state: 'a' as 'A' in 2 runs of 23 typed at once, and once
	// in CI under load after a 0.3 s pause (0 of 15 quiet). A Gio/xdotool
	// interplay left for later (a person's first key comes long after
	// their last click); this test is about the mapping, so the first key
	// typed is one Shift does not change the keysym of.
	xdotool(t, "sleep", "0.3")
	xdotool(t, "type", "B! a")
	r.expect(t, false,
		"down ShiftLeft 0xffe1", "down KeyB 0x42", "up ShiftLeft 0xffe1", "up KeyB 0x42",
		"down ShiftLeft 0xffe1", "down Digit1 0x21", "up ShiftLeft 0xffe1", "up Digit1 0x21",
		"down Space 0x20", "up Space 0x20",
		"down KeyA 0x61", "up KeyA 0x61")
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

// mapSpareKey puts keysym on a keycode that has none, for the rest of the
// test.
func mapSpareKey(t *testing.T, keysym uint32) {
	t.Helper()
	c := xconnect(t)
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
	c := xconnect(t)
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
