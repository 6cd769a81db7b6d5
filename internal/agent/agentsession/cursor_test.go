package agentsession

import (
	"bytes"
	"image"
	"testing"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

func TestFitCursor(t *testing.T) {
	solid := func(w, h int, v byte) []byte { return bytes.Repeat([]byte{v, v, v, v}, w*h) }
	tests := []struct {
		name             string
		in               capture.Cursor
		w, h, hotX, hotY int
	}{
		{"small kept", capture.Cursor{W: 24, H: 24, HotX: 3, HotY: 5, Pixels: solid(24, 24, 9)}, 24, 24, 3, 5},
		{"limit kept", capture.Cursor{W: 64, H: 64, HotX: 63, HotY: 0, Pixels: solid(64, 64, 9)}, 64, 64, 63, 0},
		{"large halved", capture.Cursor{W: 128, H: 128, HotX: 10, HotY: 20, Pixels: solid(128, 128, 9)}, 64, 64, 5, 10},
		{"wide keeps aspect", capture.Cursor{W: 256, H: 32, HotX: 255, HotY: 31, Pixels: solid(256, 32, 9)}, 64, 8, 63, 7},
		{"empty", capture.Cursor{Pixels: []byte{}}, 1, 1, 0, 0},
		{"hot spot outside", capture.Cursor{W: 2, H: 2, HotX: 5, HotY: -1, Pixels: solid(2, 2, 9)}, 2, 2, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fitCursor(tt.in)
			if s.W != tt.w || s.H != tt.h || s.HotX != tt.hotX || s.HotY != tt.hotY {
				t.Fatalf("fitCursor = %dx%d hot %d,%d; want %dx%d hot %d,%d", s.W, s.H, s.HotX, s.HotY, tt.w, tt.h, tt.hotX, tt.hotY)
			}
			if _, err := proto.AppendCursorShape(nil, s); err != nil {
				t.Fatalf("the wire refuses the fitted shape: %v", err)
			}
			if tt.in.W > 0 && s.Pix[0] != tt.in.Pixels[0] {
				t.Errorf("first pixel %d, want the solid colour %d", s.Pix[0], tt.in.Pixels[0])
			}
		})
	}
}

// TestShrinkAverages checks that a 2×2 block becomes its average.
func TestShrinkAverages(t *testing.T) {
	pix := []byte{
		0, 0, 0, 0, 255, 255, 255, 255,
		255, 0, 0, 255, 0, 0, 0, 0,
	}
	got := shrink(pix, 2, 2, 1, 1)
	if want := []byte{127, 63, 63, 127}; !bytes.Equal(got, want) {
		t.Fatalf("shrink = %v, want %v", got, want)
	}
}

func TestCursorPos(t *testing.T) {
	a := &agentScreen{monitors: []capture.Monitor{
		{ID: 1, Width: 1920, Height: 1080},
		{ID: 2, X: 1920, Y: 100, Width: 1280, Height: 1024},
	}}
	tests := []struct {
		name    string
		current int
		x, y    int
		want    proto.CursorPos
	}{
		{"first monitor", 1, 100, 200, proto.CursorPos{X: 100, Y: 200}},
		{"second monitor relative", 2, 2000, 150, proto.CursorPos{X: 80, Y: 50}},
		{"on the other monitor", 1, 2000, 150, proto.CursorPos{Hidden: true}},
		{"above the second", 2, 2000, 50, proto.CursorPos{Hidden: true}},
		{"all monitors", capture.All, 2000, 150, proto.CursorPos{X: 2000, Y: 150}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.current = tt.current
			got := a.cursorPos(capture.Cursor{X: tt.x, Y: tt.y, Serial: 4}, 7)
			tt.want.Seq, tt.want.Serial = 7, 4
			if got != tt.want {
				t.Fatalf("cursorPos(%d,%d) = %+v, want %+v", tt.x, tt.y, got, tt.want)
			}
		})
	}
	if b := a.sharedBounds(); b != image.Rect(0, 0, 3200, 1124) {
		t.Errorf("all monitors' bounds = %v", b)
	}
}
