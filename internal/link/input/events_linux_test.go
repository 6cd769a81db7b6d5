package input

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// recorder is a full-screen window of another client that holds the input
// focus and reports the key and button events it receives, so a test sees
// exactly which keycodes, buttons and modifier states reached a client.
type recorder struct {
	evs chan string
}

func newRecorder(t *testing.T, display string) *recorder {
	t.Helper()
	c := dial(t, display)
	scr := xproto.Setup(c).DefaultScreen(c)
	win, err := xproto.NewWindowId(c)
	if err != nil {
		t.Fatal(err)
	}
	mask := uint32(xproto.EventMaskKeyPress | xproto.EventMaskKeyRelease |
		xproto.EventMaskButtonPress | xproto.EventMaskButtonRelease)
	checks := []*xgb.Cookie{
		xproto.CreateWindowChecked(c, scr.RootDepth, win, scr.Root, 0, 0, scr.WidthInPixels, scr.HeightInPixels, 0,
			xproto.WindowClassInputOutput, scr.RootVisual, xproto.CwOverrideRedirect|xproto.CwEventMask, []uint32{1, mask}).Cookie,
		xproto.MapWindowChecked(c, win).Cookie,
		xproto.SetInputFocusChecked(c, xproto.InputFocusPointerRoot, win, xproto.TimeCurrentTime).Cookie,
	}
	for _, ck := range checks {
		if err := ck.Check(); err != nil {
			t.Fatalf("recorder window: %v", err)
		}
	}
	r := &recorder{evs: make(chan string, 100)}
	go r.read(c)
	return r
}

func (r *recorder) read(c *xgb.Conn) {
	defer close(r.evs)
	for {
		ev, xerr := c.WaitForEvent()
		if ev == nil && xerr == nil {
			return
		}
		if s := describe(ev); s != "" {
			r.evs <- s
		}
	}
}

// describe writes an event as "press 38 shift": kind, keycode or button,
// and the modifiers held.
func describe(ev xgb.Event) string {
	switch e := ev.(type) {
	case xproto.KeyPressEvent:
		return fmt.Sprint("press ", e.Detail, mods(e.State))
	case xproto.KeyReleaseEvent:
		return fmt.Sprint("release ", e.Detail, mods(e.State))
	case xproto.ButtonPressEvent:
		return fmt.Sprint("down ", e.Detail)
	case xproto.ButtonReleaseEvent:
		return fmt.Sprint("up ", e.Detail)
	}
	return ""
}

func mods(state uint16) string {
	var s strings.Builder
	for _, m := range []struct {
		mask uint16
		name string
	}{{xproto.ModMaskShift, "shift"}, {xproto.ModMaskControl, "control"}, {xproto.ModMask5, "mod5"}} {
		if state&m.mask != 0 {
			s.WriteString(" " + m.name)
		}
	}
	return s.String()
}

// expect fails unless the next events are want, in order.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	var got []string
	timeout := time.After(3 * time.Second)
	for len(got) < len(want) {
		select {
		case s := <-r.evs:
			got = append(got, s)
		case <-timeout:
			t.Fatalf("got events %q, want %q", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got events\n%q\nwant\n%q", got, want)
	}
}

func TestWheelAndButtons(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	rec := newRecorder(t, display)
	x := newInjector(t, display, nil)
	inject(t, x,
		Event{Type: PointerMove, X: 100, Y: 100},
		Event{Type: Wheel, DY: 2 * WheelDetent}, // two detents down
		Event{Type: Wheel, DY: 60},              // half a detent: nothing yet
		Event{Type: Wheel, DY: 60},              // the other half
		Event{Type: Wheel, DX: -WheelDetent},    // left
		Event{Type: Wheel, DY: -WheelDetent},    // up
		Event{Type: ButtonDown, Button: ButtonBack}, Event{Type: ButtonUp, Button: ButtonBack},
		Event{Type: ButtonDown, Button: ButtonMiddle}, Event{Type: ButtonUp, Button: ButtonMiddle},
	)
	rec.expect(t, "down 5", "up 5", "down 5", "up 5", "down 5", "up 5",
		"down 6", "up 6", "down 4", "up 4", "down 8", "up 8", "down 2", "up 2")
}

func TestModifiers(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	rec := newRecorder(t, display)
	x := newInjector(t, display, nil)
	other := dial(t, display)
	code := func(ks uint32) string { return fmt.Sprint(keycodeOf(t, other, ks)) }
	shift, one, a, tab := code(ksShiftL), code('1'), code('a'), code(ksTab)
	shiftDown, shiftUp := key("ShiftLeft", ksShiftL)

	t.Run("shift added for a shifted character", func(t *testing.T) {
		inject(t, x, Event{Type: Text, Text: "!"})
		rec.expect(t, "press "+shift, "press "+one+" shift", "release "+one+" shift", "release "+shift+" shift")
	})
	t.Run("shift again on a repeated shifted key", func(t *testing.T) {
		down, up := key("Digit1", '!')
		inject(t, x, down, down, up)
		rec.expect(t, "press "+shift, "press "+one+" shift", "release "+shift+" shift",
			"press "+shift, "release "+one+" shift", "press "+one+" shift", "release "+shift+" shift", "release "+one)
	})
	t.Run("held shift lifted for a lowercase letter", func(t *testing.T) {
		inject(t, x, shiftDown)
		inject(t, x, tap("KeyA", 'a')...)
		inject(t, x, shiftUp)
		rec.expect(t, "press "+shift, "release "+shift+" shift", "press "+a, "press "+shift,
			"release "+a+" shift", "release "+shift+" shift")
	})
	t.Run("held shift kept for Shift+Tab", func(t *testing.T) {
		inject(t, x, shiftDown)
		inject(t, x, tap("Tab", ksTab)...)
		inject(t, x, shiftUp)
		rec.expect(t, "press "+shift, "press "+tab+" shift", "release "+tab+" shift", "release "+shift+" shift")
	})
}

// TestAltGrAfterMappingChange has another client put µ and ¶ on the Q key's
// AltGr levels; the injector must notice the change (MappingNotify) and
// type them with AltGr, and AltGr+Shift, instead of remapping a spare key.
func TestAltGrAfterMappingChange(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	rec := newRecorder(t, display)
	x := newInjector(t, display, nil)
	other := dial(t, display)
	q, shift, altgr := keycodeOf(t, other, 'q'), keycodeOf(t, other, ksShiftL), keycodeOf(t, other, ksISOLevel3Shift)

	syms := []xproto.Keysym{'q', 'Q', 'q', 'Q', 0xb5, 0xb6, 0} // µ, ¶ on AltGr
	if err := xproto.ChangeKeyboardMappingChecked(other, 1, xproto.Keycode(q), byte(len(syms)), syms).Check(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); !x.stale.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the injector saw no MappingNotify")
		}
	}
	before := keyboardMap(t, other)
	inject(t, x, Event{Type: Text, Text: "µ¶"})
	f := func(s string, args ...any) string { return fmt.Sprintf(s, args...) }
	rec.expect(t,
		f("press %d", altgr), f("press %d mod5", q), f("release %d mod5", q), f("release %d mod5", altgr),
		f("press %d", shift), f("press %d shift", altgr), f("press %d shift mod5", q),
		f("release %d shift mod5", q), f("release %d shift mod5", altgr), f("release %d shift", shift))
	if !slices.Equal(before, keyboardMap(t, other)) {
		t.Error("the injector remapped a key for characters the keyboard has")
	}
}
