package viewer

import (
	"image"
	"testing"

	"gioui.org/f32"
)

func TestToRemote(t *testing.T) {
	fhd := image.Pt(1920, 1080)
	tests := []struct {
		name   string
		g      geometry
		p      f32.Point
		want   image.Point
		wantOK bool
	}{
		{"fit exact size, origin", geometry{View: fhd, Remote: fhd}, f32.Pt(0, 0), image.Pt(0, 0), true},
		{"fit exact size, last pixel", geometry{View: fhd, Remote: fhd}, f32.Pt(1919.5, 1079.5), image.Pt(1919, 1079), true},
		{"fit half size, centre", geometry{View: image.Pt(960, 540), Remote: fhd}, f32.Pt(480, 270), image.Pt(960, 540), true},
		{"fit half size, bottom right", geometry{View: image.Pt(960, 540), Remote: fhd}, f32.Pt(959.9, 539.9), image.Pt(1919, 1079), true},
		// 1000×1000 viewport, 16:9 remote: scale 1000/1920, image 1000×563
		// (rounded), top border (1000-563)/2 = 218.
		{"fit letterbox, top border", geometry{View: image.Pt(1000, 1000), Remote: fhd}, f32.Pt(500, 100), image.Point{}, false},
		{"fit letterbox, bottom border", geometry{View: image.Pt(1000, 1000), Remote: fhd}, f32.Pt(500, 900), image.Point{}, false},
		{"fit letterbox, first row", geometry{View: image.Pt(1000, 1000), Remote: fhd}, f32.Pt(0, 218), image.Pt(0, 0), true},
		{"fit letterbox, centre", geometry{View: image.Pt(1000, 1000), Remote: fhd}, f32.Pt(500, 499.5), image.Pt(960, 540), true},
		// 1000×400 viewport: scale 400/1080, image 711×400, side border 144.
		{"fit pillarbox, left border", geometry{View: image.Pt(1000, 400), Remote: fhd}, f32.Pt(100, 200), image.Point{}, false},
		{"fit pillarbox, right border", geometry{View: image.Pt(1000, 400), Remote: fhd}, f32.Pt(900, 200), image.Point{}, false},
		{"fit pillarbox, first column", geometry{View: image.Pt(1000, 400), Remote: fhd}, f32.Pt(144, 0), image.Pt(0, 0), true},
		{"fit upscales a small screen", geometry{View: image.Pt(1600, 1200), Remote: image.Pt(800, 600)}, f32.Pt(801, 3), image.Pt(400, 1), true},
		{"outside the viewport", geometry{View: fhd, Remote: fhd}, f32.Pt(-1, 10), image.Point{}, false},
		{"past the viewport", geometry{View: fhd, Remote: fhd}, f32.Pt(1920, 10), image.Point{}, false},
		{"1:1 no scroll", geometry{View: image.Pt(800, 600), Remote: fhd, Mode: ModeActual}, f32.Pt(10, 20), image.Pt(10, 20), true},
		{"1:1 scrolled", geometry{View: image.Pt(800, 600), Remote: fhd, Mode: ModeActual, Scroll: image.Pt(500, 300)}, f32.Pt(10, 20), image.Pt(510, 320), true},
		{"1:1 scroll clamped", geometry{View: image.Pt(800, 600), Remote: fhd, Mode: ModeActual, Scroll: image.Pt(5000, -7)}, f32.Pt(799, 0), image.Pt(1919, 0), true},
		{"1:1 small screen centred", geometry{View: image.Pt(1000, 800), Remote: image.Pt(800, 600), Mode: ModeActual}, f32.Pt(100, 100), image.Pt(0, 0), true},
		{"1:1 small screen border", geometry{View: image.Pt(1000, 800), Remote: image.Pt(800, 600), Mode: ModeActual}, f32.Pt(99, 100), image.Point{}, false},
		{"no picture yet", geometry{View: fhd}, f32.Pt(10, 10), image.Point{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.g.toRemote(tt.p)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("toRemote(%v) = %v, %v; want %v, %v (dest %v)", tt.p, got, ok, tt.want, tt.wantOK, tt.g.dest())
			}
		})
	}
}

func TestDest(t *testing.T) {
	tests := []struct {
		name string
		g    geometry
		want image.Rectangle
	}{
		{"fit letterbox", geometry{View: image.Pt(1000, 1000), Remote: image.Pt(1920, 1080)}, image.Rect(0, 218, 1000, 781)},
		{"fit pillarbox", geometry{View: image.Pt(1000, 400), Remote: image.Pt(1920, 1080)}, image.Rect(144, 0, 855, 400)},
		{"1:1 scrolled", geometry{View: image.Pt(800, 600), Remote: image.Pt(1920, 1080), Mode: ModeActual, Scroll: image.Pt(100, 50)}, image.Rect(-100, -50, 1820, 1030)},
		{"1:1 wide only", geometry{View: image.Pt(800, 1200), Remote: image.Pt(1920, 1080), Mode: ModeActual, Scroll: image.Pt(100, 50)}, image.Rect(-100, 60, 1820, 1140)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.dest(); got != tt.want {
				t.Errorf("dest() = %v, want %v", got, tt.want)
			}
		})
	}
}
