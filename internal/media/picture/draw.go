package picture

import (
	"image"
	"image/color"
	"math"

	"gioui.org/f32"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
)

// Fit is where a picture of size goes in a view of that size: scaled to
// fit with its aspect ratio kept, centred, borders on the sides left over.
// An empty picture gets an empty rectangle.
func Fit(view, size image.Point) image.Rectangle {
	if size.X <= 0 || size.Y <= 0 {
		return image.Rectangle{Min: view.Div(2), Max: view.Div(2)}
	}
	s := min(float32(view.X)/float32(size.X), float32(view.Y)/float32(size.Y))
	scaled := image.Pt(int(math.Round(float64(float32(size.X)*s))), int(math.Round(float64(float32(size.Y)*s))))
	at := view.Sub(scaled).Div(2)
	return image.Rectangle{Min: at, Max: at.Add(scaled)}
}

// Paint draws img, a picture of size pixels, stretched over dest. The
// texture is uploaded once per new picture, when its ImageOp is first
// used. Paint sets img's filter: linear (with mipmaps, in Gio) only where
// the picture is shrunk; 1:1 and enlarged pictures stay crisp with
// nearest, and skip building mipmaps for every frame, which is costly when
// the "GPU" is Mesa's software renderer.
func Paint(ops *op.Ops, img *paint.ImageOp, size image.Point, dest image.Rectangle) {
	if size.X <= 0 || size.Y <= 0 {
		return
	}
	sx, sy := float32(dest.Dx())/float32(size.X), float32(dest.Dy())/float32(size.Y)
	img.Filter = paint.FilterNearest
	if sx < 1 || sy < 1 {
		img.Filter = paint.FilterLinear
	}
	tr := f32.AffineId().Scale(f32.Point{}, f32.Pt(sx, sy)).Offset(f32.Pt(float32(dest.Min.X), float32(dest.Min.Y)))
	defer op.Affine(tr).Push(ops).Pop()
	defer clip.Rect(image.Rectangle{Max: size}).Push(ops).Pop()
	img.Add(ops)
	paint.PaintOp{}.Add(ops)
}

// Borders fills with c the part of a view of that size that dest does not
// cover (all of it when dest is empty). Painting only the borders, not
// the whole view under the picture, saves a full-size fill per frame,
// which counts with a software renderer.
func Borders(ops *op.Ops, view image.Point, dest image.Rectangle, c color.NRGBA) {
	all := image.Rectangle{Max: view}
	d := dest.Intersect(all)
	if d.Empty() {
		paint.FillShape(ops, c, clip.Rect(all).Op())
		return
	}
	for _, r := range []image.Rectangle{
		{Max: image.Pt(view.X, d.Min.Y)},                                  // above
		{Min: image.Pt(0, d.Max.Y), Max: view},                            // below
		{Min: image.Pt(0, d.Min.Y), Max: image.Pt(d.Min.X, d.Max.Y)},      // left
		{Min: image.Pt(d.Max.X, d.Min.Y), Max: image.Pt(view.X, d.Max.Y)}, // right
	} {
		if !r.Empty() {
			paint.FillShape(ops, c, clip.Rect(r).Op())
		}
	}
}
