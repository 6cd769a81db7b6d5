package picture

import (
	"image"
	"testing"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

func TestFit(t *testing.T) {
	tests := []struct {
		name       string
		view, size image.Point
		want       image.Rectangle
	}{
		{"same width, bands above and below", image.Pt(1280, 800), image.Pt(1280, 720), image.Rect(0, 40, 1280, 760)},
		{"shrunk to half", image.Pt(960, 1000), image.Pt(1920, 1080), image.Rect(0, 230, 960, 770)},
		{"enlarged, bands at the sides", image.Pt(1000, 400), image.Pt(500, 100), image.Rect(0, 100, 1000, 300)},
		{"taller than wide", image.Pt(1000, 400), image.Pt(100, 200), image.Rect(400, 0, 600, 400)},
		{"exact", image.Pt(640, 480), image.Pt(640, 480), image.Rect(0, 0, 640, 480)},
		{"no picture", image.Pt(640, 480), image.Point{}, image.Rect(320, 240, 320, 240)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fit(tt.view, tt.size); got != tt.want {
				t.Errorf("Fit(%v, %v) = %v, want %v", tt.view, tt.size, got, tt.want)
			}
		})
	}
}

// TestPoolReuses: a released buffer of the right size is handed out
// again, converted; one of another size is not.
func TestPoolReuses(t *testing.T) {
	var p Pool
	pic := grey(64, 32, 0xeb) // BT.601 limited-range white
	a, release, err := p.FromI420(pic)
	if err != nil {
		t.Fatal(err)
	}
	if px := a.RGBAAt(10, 10); px.R < 0xf0 || px.G < 0xf0 || px.B < 0xf0 {
		t.Fatalf("converted white is %v", px)
	}
	release()
	b, releaseB, err := p.FromI420(pic)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("a released buffer of the same size was not reused")
	}
	releaseB()
	c, _, err := p.FromI420(grey(32, 32, 0x10))
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c.Rect.Size() != image.Pt(32, 32) {
		t.Errorf("a 32×32 picture got a %v buffer (the 64×32 one: %t)", c.Rect.Size(), c == a)
	}
	if px := c.RGBAAt(1, 1); px.R > 0x10 {
		t.Errorf("converted black is %v", px)
	}
}

// TestPoolRefusesMalformed: a picture whose planes are too small is an
// error, not a crash.
func TestPoolRefusesMalformed(t *testing.T) {
	var p Pool
	pic := grey(64, 32, 0x80)
	pic.Y = pic.Y[:10]
	if _, _, err := p.FromI420(pic); err == nil {
		t.Error("FromI420 accepted a picture with a 10-byte luma plane")
	}
}

// grey is a w×h picture of one luma value with neutral chroma.
func grey(w, h int, y byte) *vpx.I420 {
	pic := vpx.NewI420(w, h)
	for i := range pic.Y {
		pic.Y[i] = y
	}
	for i := range pic.U {
		pic.U[i], pic.V[i] = 0x80, 0x80
	}
	return pic
}
