package viewer

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"testing"
	"time"
)

var magenta = color.RGBA{0xff, 0x00, 0xff, 0xff}

// cursorImage is a 12×12 magenta square with its hot spot at 2,2: a colour
// the test pattern does not have.
func cursorImage() CursorShape {
	img := image.NewRGBA(image.Rect(0, 0, 12, 12))
	draw.Draw(img, img.Bounds(), image.NewUniform(magenta), image.Point{}, draw.Src)
	return CursorShape{Serial: 5, Image: img, Hot: image.Pt(2, 2)}
}

// TestCursorDrawn checks that the remote pointer appears over the picture
// where the fit transform puts its remote position, follows SetCursor
// without the picture being uploaded again, and disappears when hidden or
// when the technician's own pointer is over the picture with control.
func TestCursorDrawn(t *testing.T) {
	const w, h = 1024, 768
	r := openPattern(t, w, h)
	away := r.win.Max.Add(image.Pt(10, 10)) // outside the window
	xdotool(t, "mousemove", "--sync", fmt.Sprint(away.X), fmt.Sprint(away.Y))
	drawn := r.v.Stats().Drawn

	r.v.SetCursorShape(cursorImage())
	r.v.SetCursor(CursorPos{X: 300, Y: 200, Serial: 5})
	waitFor(t, "the pointer to be drawn", func() bool { return r.info().cursor })
	shot := screenshot(t)
	t.Logf("screenshot: %s", savePNG(t, "viewer-cursor.png", shot))
	// The square spans remote pixels 298..309 on each axis.
	r.checkColour(t, shot, "pointer", 304, 204, magenta)
	r.checkColour(t, shot, "beside the pointer", 330, 204, patternAt(330, 204, w, h))

	r.v.SetCursor(CursorPos{X: 700, Y: 500, Serial: 5})
	// A screenshot is read in bands and may tear while the window
	// redraws, so wait for one that shows the move whole.
	waitFor(t, "the pointer to move", func() bool {
		shot = screenshot(t)
		return r.colourIs(shot, 706, 506, magenta) && r.colourIs(shot, 304, 204, patternAt(304, 204, w, h))
	})
	if got := r.v.Stats().Drawn; got != drawn {
		t.Errorf("moving the pointer drew %d new pictures, want none (no texture upload)", got-drawn)
	}

	r.v.SetCursor(CursorPos{Hidden: true, Serial: 5})
	waitFor(t, "the pointer to be hidden", func() bool { return !r.info().cursor })
	r.v.SetCursor(CursorPos{X: 100, Y: 100, Serial: 5})
	waitFor(t, "the pointer to be back", func() bool { return r.info().cursor })

	// The technician's pointer moving over the picture is the cursor
	// while they have control.
	p := r.screenPoint(512, 384)
	whileMoving(t, p, "the pointer to give way to the local one", func() bool { return !r.info().cursor })
	r.v.SetViewOnly(true)
	whileMoving(t, p, "the pointer to show in view-only mode", func() bool { return r.info().cursor })
	r.v.SetViewOnly(false)
	whileMoving(t, p, "the pointer to give way again", func() bool { return !r.info().cursor })
	// Gone to another window (Gio's X11 backend reports no leave then), or
	// at rest, the local pointer gives way to the remote one after
	// localIdle.
	xdotool(t, "mousemove", "--sync", fmt.Sprint(away.X), fmt.Sprint(away.Y))
	waitFor(t, "the pointer to show when the local one left", func() bool { return r.info().cursor })
}

// wiggles counts whileMoving's moves, so that each goes somewhere else
// than the last: `xdotool mousemove --sync` to where the pointer already is
// waits for a move that never comes.
var wiggles int

// whileMoving moves the local pointer to and fro beside p until cond
// holds, so that it keeps counting as moving however slowly the window
// draws.
func whileMoving(t *testing.T, p image.Point, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); wiggles++ {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		d := 8 * (wiggles % 2)
		xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X+d), fmt.Sprint(p.Y+d))
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCursorShapeBySerial checks that a position is drawn with the shape
// its serial names, and with the latest shape until that one arrives.
func TestCursorShapeBySerial(t *testing.T) {
	v := New(Config{})
	a, b := cursorImage(), cursorImage()
	b.Serial = 6
	v.SetCursorShape(a)
	v.SetCursorShape(b)
	for _, tt := range []struct {
		serial, want uint32
	}{{5, 5}, {6, 6}, {7, 6}} {
		v.SetCursor(CursorPos{Serial: tt.serial})
		v.mu.Lock()
		_, s, ok := v.cursorSnapshot()
		v.mu.Unlock()
		if !ok || s.Serial != tt.want {
			t.Errorf("position with serial %d drawn with shape %d (ok %v), want %d", tt.serial, s.Serial, ok, tt.want)
		}
	}
}

// colourIs reports whether the screen over remote pixel (x, y) is want.
func (r *running) colourIs(shot *image.RGBA, x, y int, want color.RGBA) bool {
	p := r.screenPoint(x, y)
	return near(shot.RGBAAt(p.X, p.Y), want, 24)
}

// checkColour compares the screen over remote pixel (x, y) with want.
func (r *running) checkColour(t *testing.T, shot *image.RGBA, what string, x, y int, want color.RGBA) {
	t.Helper()
	p := r.screenPoint(x, y)
	if got := shot.RGBAAt(p.X, p.Y); !near(got, want, 24) {
		t.Errorf("%s at remote %d,%d (screen %v) is %v, want %v", what, x, y, p, got, want)
	}
}
