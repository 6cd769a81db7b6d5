package viewer

import (
	"image"
	"math"

	"gioui.org/f32"
)

// Mode is how the remote screen fills the viewer.
type Mode int

const (
	// ModeFit scales the remote screen to fit the window, keeping its
	// aspect ratio, with borders on the sides that are left over.
	ModeFit Mode = iota
	// ModeActual shows the remote screen pixel for pixel, scrolling when it
	// is larger than the window.
	ModeActual
)

// geometry places a remote screen of size Remote in a viewport of size
// View (both in pixels). It is a value so that the mapping from window
// pixels to remote pixels is a pure function that tests can tabulate.
type geometry struct {
	View   image.Point // viewport size, window pixels
	Remote image.Point // remote monitor size, its pixels
	Mode   Mode
	Scroll image.Point // ModeActual: remote pixel at the viewport's top-left corner
}

// scale is window pixels per remote pixel.
func (g geometry) scale() float32 {
	if g.Mode == ModeActual || g.Remote.X <= 0 || g.Remote.Y <= 0 {
		return 1
	}
	sx := float32(g.View.X) / float32(g.Remote.X)
	sy := float32(g.View.Y) / float32(g.Remote.Y)
	return min(sx, sy)
}

// maxScroll is the largest useful scroll offset on each axis.
func (g geometry) maxScroll() image.Point {
	return image.Pt(max(0, g.Remote.X-g.View.X), max(0, g.Remote.Y-g.View.Y))
}

// clamped returns g with Scroll kept within the remote screen.
func (g geometry) clamped() geometry {
	m := g.maxScroll()
	g.Scroll.X = min(max(g.Scroll.X, 0), m.X)
	g.Scroll.Y = min(max(g.Scroll.Y, 0), m.Y)
	return g
}

// dest is the rectangle, in viewport pixels, that the remote screen covers.
// It may extend beyond the viewport in ModeActual.
func (g geometry) dest() image.Rectangle {
	s := g.scale()
	size := image.Pt(int(math.Round(float64(float32(g.Remote.X)*s))), int(math.Round(float64(float32(g.Remote.Y)*s))))
	min := g.View.Sub(size).Div(2)
	if g.Mode == ModeActual {
		c := g.clamped()
		if size.X > g.View.X {
			min.X = -c.Scroll.X
		}
		if size.Y > g.View.Y {
			min.Y = -c.Scroll.Y
		}
	}
	return image.Rectangle{Min: min, Max: min.Add(size)}
}

// toRemote maps a point in viewport pixels to the remote pixel under it.
// ok is false over the borders and outside the viewport.
func (g geometry) toRemote(p f32.Point) (q image.Point, ok bool) {
	if p.X < 0 || p.Y < 0 || p.X >= float32(g.View.X) || p.Y >= float32(g.View.Y) {
		return image.Point{}, false
	}
	d := g.dest()
	if d.Empty() {
		return image.Point{}, false
	}
	sx := float32(d.Dx()) / float32(g.Remote.X)
	sy := float32(d.Dy()) / float32(g.Remote.Y)
	x := int(math.Floor(float64((p.X - float32(d.Min.X)) / sx)))
	y := int(math.Floor(float64((p.Y - float32(d.Min.Y)) / sy)))
	if x < 0 || y < 0 || x >= g.Remote.X || y >= g.Remote.Y {
		return image.Point{}, false
	}
	return image.Pt(x, y), true
}
