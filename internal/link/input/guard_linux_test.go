package input

import (
	"fmt"
	"image"
	"slices"
	"sync"
	"testing"

	"github.com/jezek/xgb/xproto"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// TestAllowDropsPointerAndKeys: with an Allow that refuses the right half
// of the screen and every keyboard event while the refused window has the
// focus, clicks there and typing there never reach the recorder, the
// events elsewhere do, and no stray release follows a dropped press.
func TestAllowDropsPointerAndKeys(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t) // 1280×800
	rec := newRecorder(t, display)
	refused := image.Rect(640, 0, 1280, 800)
	var mu sync.Mutex
	keysRefused := false
	x, err := NewX11(Options{Display: display, Allow: func(tg Target) bool {
		mu.Lock()
		defer mu.Unlock()
		if tg.Pointer {
			return !tg.Point.In(refused)
		}
		return !keysRefused
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()

	inject(t, x, Event{Type: PointerMove, X: 100, Y: 100},
		Event{Type: ButtonDown, Button: ButtonLeft},
		Event{Type: PointerMove, X: 900, Y: 100}, // dropped: stays at 100,100
		Event{Type: ButtonUp, Button: ButtonLeft})
	rec.expect(t, "down 1", "up 1")
	if p, _, err := x.pointer(); err != nil || p != image.Pt(100, 100) {
		t.Fatalf("pointer at %v (%v) after a refused move, want (100,100)", p, err)
	}

	// A press that starts in the refused half is dropped with its release.
	other := dial(t, display)
	xproto.WarpPointer(other, 0, xproto.Setup(other).DefaultScreen(other).Root, 0, 0, 0, 0, 1000, 400)
	if _, err := xproto.GetInputFocus(other).Reply(); err != nil { // round trip: the warp is done
		t.Fatal(err)
	}
	inject(t, x, Event{Type: ButtonDown, Button: ButtonRight}, Event{Type: ButtonUp, Button: ButtonRight},
		Event{Type: Wheel, DY: WheelDetent})
	a := fmt.Sprint(keycodeOf(t, other, 'a'))
	mu.Lock()
	keysRefused = true
	mu.Unlock()
	aDown, aUp := key("KeyA", 'a')
	inject(t, x, aDown, aUp, Event{Type: Text, Text: "zz"})
	mu.Lock()
	keysRefused = false
	mu.Unlock()
	inject(t, x, aDown, aUp)
	rec.expect(t, "press "+a, "release "+a) // nothing before: the dropped events left no trace
}

// TestInjectingJournal: every fake event is announced before it is sent.
func TestInjectingJournal(t *testing.T) {
	display := startXvfb(t)
	var mu sync.Mutex
	var got []string
	x, err := NewX11(Options{Display: display, Injecting: func(typ, detail byte, at image.Point) {
		mu.Lock()
		got = append(got, fmt.Sprint(typ, " ", detail, " ", at))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	inject(t, x, Event{Type: PointerMove, X: 10, Y: 20}, Event{Type: ButtonDown, Button: ButtonLeft}, Event{Type: ButtonUp, Button: ButtonLeft})
	mu.Lock()
	defer mu.Unlock()
	want := []string{
		fmt.Sprint(xproto.MotionNotify, " 0 (10,20)"),
		fmt.Sprint(xproto.ButtonPress, " 1 (0,0)"),
		fmt.Sprint(xproto.ButtonRelease, " 1 (0,0)"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("journal %q, want %q", got, want)
	}
}
