package input

import (
	"errors"
	"image"
	"slices"
	"strings"
	"testing"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

func newInjector(t *testing.T, display string, monitor func(uint8) (image.Rectangle, bool)) *X11 {
	t.Helper()
	x, err := NewX11(Options{Display: display, Monitor: monitor})
	if err != nil {
		t.Fatalf("NewX11: %v", err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return x
}

// inject sends each event through the wire format, as the agent receives
// it, and waits until the server has processed them.
func inject(t *testing.T, x *X11, evs ...Event) {
	t.Helper()
	for _, ev := range evs {
		got, err := Decode(Encode(nil, ev))
		if err != nil {
			t.Fatalf("decode %+v: %v", ev, err)
		}
		if err := x.Inject(got); err != nil {
			t.Fatalf("inject %+v: %v", ev, err)
		}
	}
	if err := x.Sync(); err != nil {
		t.Fatal(err)
	}
}

func key(code string, ks uint32) (down, up Event) {
	c := ParseCode(code)
	return Event{Type: KeyDown, Code: c, Keysym: ks}, Event{Type: KeyUp, Code: c, Keysym: ks}
}

func tap(code string, ks uint32) []Event {
	down, up := key(code, ks)
	return []Event{down, up}
}

func TestTypeTextIntoXterm(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	x := newInjector(t, display, nil)
	file := startXterm(t, display)
	other := dial(t, display)

	// Capitals, punctuation, and characters the US keyboard lacks: é is
	// Latin-1, Ж and € need Unicode keysyms on a remapped spare key.
	text := "Hello, World! #42 (ok)?\r\nЖé€ ~_{}|\"'<>\n" // \r\n is one Return
	inject(t, x, Event{Type: Text, Text: text})
	waitFile(t, file, strings.ReplaceAll(text, "\r\n", "\n"))
	if down := keysDown(t, other); len(down) != 0 {
		t.Fatalf("keycodes %v still down after typing (Shift stuck?)", down)
	}
}

// TestTypeManyForeignCharacters types more distinct characters than there
// are spare keys, so spares are remapped while xterm may still be reading
// earlier presses of them.
func TestTypeManyForeignCharacters(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	x := newInjector(t, display, nil)
	file := startXterm(t, display)
	if n := len(x.spares.keys); n >= 33 {
		t.Fatalf("%d spare keys: the test needs more distinct characters than that", n)
	}
	text := "Съешь же ещё этих мягких французских булок, да выпей чаю. ЁЩЪ ∑∞≠ 日本語\n"
	inject(t, x, TextEvents(text)...)
	waitFile(t, file, text)
}

func TestKeyEventsIntoXterm(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	x := newInjector(t, display, nil)
	file := startXterm(t, display)
	other := dial(t, display)
	shift := keycodeOf(t, other, ksShiftL)

	shiftDown, shiftUp := key("ShiftLeft", ksShiftL)
	inject(t, x, shiftDown)
	if down := keysDown(t, other); !slices.Equal(down, []int{shift}) {
		t.Fatalf("keys down after ShiftLeft = %v, want [%d]", down, shift)
	}
	inject(t, x, tap("KeyH", 'H')...)
	inject(t, x, shiftUp)
	inject(t, x, tap("KeyI", 'i')...)
	inject(t, x, tap("Digit1", '!')...)              // the injector adds Shift itself
	inject(t, x, tap("KeyB", 0)...)                  // no keysym: the physical key, read as US
	inject(t, x, tap("Unidentified", 0x01000416)...) // Ж, on a spare key
	inject(t, x, tap("Unidentified", 0x010020ac)...) // €, on another
	inject(t, x, tap("Unidentified", 0x01000416)...) // Ж again, reusing its spare
	inject(t, x, tap("Enter", 0xff0d)...)
	waitFile(t, file, "Hi!bЖ€Ж\n")
	if down := keysDown(t, other); len(down) != 0 {
		t.Fatalf("keycodes %v still down after the key events", down)
	}
}

func TestReleaseAll(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	other := dial(t, display)
	root := xproto.Setup(other).DefaultScreen(other).Root
	press := func(x *X11) {
		t.Helper()
		for _, k := range []struct {
			code string
			ks   uint32
		}{{"ShiftLeft", ksShiftL}, {"ControlLeft", 0xffe3}, {"KeyA", 'a'}, {"Unidentified", 0x01000416}} {
			down, _ := key(k.code, k.ks)
			inject(t, x, down)
		}
		inject(t, x, Event{Type: ButtonDown, Button: ButtonLeft})
		if down := keysDown(t, other); len(down) != 4 {
			t.Fatalf("keys down = %v, want 4", down)
		}
		if buttons(t, other, root) == 0 {
			t.Fatal("button 1 not down")
		}
	}
	released := func(when string) {
		t.Helper()
		if down := keysDown(t, other); len(down) != 0 {
			t.Errorf("%s: keycodes %v still down", when, down)
		}
		if b := buttons(t, other, root); b != 0 {
			t.Errorf("%s: button mask %#x still down", when, b)
		}
	}

	before := keyboardMap(t, other)
	x := newInjector(t, display, nil)
	press(x)
	inject(t, x, Event{Type: ReleaseAll})
	released("after a ReleaseAll message")

	press(x)
	if err := x.ReleaseAll(); err != nil {
		t.Fatal(err)
	}
	released("after ReleaseAll")

	press(x)
	if slices.Equal(before, keyboardMap(t, other)) {
		t.Fatal("typing Ж changed no key: no spare was remapped")
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	released("after Close")
	if !slices.Equal(before, keyboardMap(t, other)) {
		t.Error("Close left a spare key remapped")
	}
	if err := x.Inject(Event{Type: ReleaseAll}); !errors.Is(err, ErrClosed) {
		t.Errorf("Inject after Close = %v, want ErrClosed", err)
	}
}

func buttons(t *testing.T, c *xgb.Conn, root xproto.Window) uint16 {
	t.Helper()
	r, err := xproto.QueryPointer(c, root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r.Mask & (xproto.ButtonMask1 | xproto.ButtonMask2 | xproto.ButtonMask3 | xproto.ButtonMask4 | xproto.ButtonMask5)
}

func keyboardMap(t *testing.T, c *xgb.Conn) []xproto.Keysym {
	t.Helper()
	m, err := loadKeymap(c)
	if err != nil {
		t.Fatal(err)
	}
	return m.syms
}

func TestPointerMove(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	other := dial(t, display)
	root := xproto.Setup(other).DefaultScreen(other).Root
	twoMonitors := func(id uint8) (image.Rectangle, bool) {
		ms := []image.Rectangle{image.Rect(0, 0, 640, 800), image.Rect(640, 0, 1280, 800)}
		if int(id) >= len(ms) {
			return image.Rectangle{}, false
		}
		return ms[id], true
	}
	tests := []struct {
		name     string
		monitors func(uint8) (image.Rectangle, bool)
		ev       Event
		x, y     int16
	}{
		{"whole screen", nil, Event{Monitor: 0, X: 100, Y: 200}, 100, 200},
		{"first of two", twoMonitors, Event{Monitor: 0, X: 639, Y: 799}, 639, 799},
		{"second of two", twoMonitors, Event{Monitor: 1, X: 10, Y: 20}, 650, 20},
		{"clamped to the monitor", twoMonitors, Event{Monitor: 1, X: 5000, Y: 5000}, 1279, 799},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newInjector(t, display, tc.monitors)
			tc.ev.Type = PointerMove
			inject(t, x, tc.ev)
			r, err := xproto.QueryPointer(other, root).Reply()
			if err != nil {
				t.Fatal(err)
			}
			if r.RootX != tc.x || r.RootY != tc.y {
				t.Fatalf("pointer at (%d, %d), want (%d, %d)", r.RootX, r.RootY, tc.x, tc.y)
			}
		})
	}
	x := newInjector(t, display, twoMonitors)
	if err := x.Inject(Event{Type: PointerMove, Monitor: 2}); !errors.Is(err, ErrUnknownMonitor) {
		t.Fatalf("move on monitor 2 of 2: %v, want ErrUnknownMonitor", err)
	}
}

// BenchmarkTypeText measures typing a line of ASCII text through XTEST,
// including a round trip to the server; b.N lines.
func BenchmarkTypeText(b *testing.B) {
	display := startXvfb(b)
	x, err := NewX11(Options{Display: display})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	line := "The quick brown fox jumps over the lazy dog, 0123456789!\n"
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if err := x.Inject(Event{Type: Text, Text: line}); err != nil {
			b.Fatal(err)
		}
		if err := x.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}
