package vpx

import (
	"image"
	"math"
	"math/rand/v2"
)

// desktop is a synthetic BGRX screen that looks like a desktop to a codec:
// flat backgrounds, a title bar, and lines of small high-contrast glyphs.
type desktop struct {
	w, h, stride int
	pix          []byte
	rng          *rand.Rand
	cursor       image.Point // where typeGlyph draws next
}

const glyphW, glyphH = 8, 16 // one character cell

func newDesktop(w, h int, seed uint64) *desktop {
	d := &desktop{w: w, h: h, stride: w * 4, pix: make([]byte, w*h*4), rng: rand.New(rand.NewPCG(seed, 1))}
	d.fill(image.Rect(0, 0, w, h), 0x30, 0x60, 0x90)  // desktop background
	d.fill(image.Rect(0, 0, w, 28), 0x2b, 0x57, 0x9a) // title bar
	d.fill(image.Rect(0, 28, 240, h), 0xe8, 0xe8, 0xe8)
	d.fill(image.Rect(240, 28, w, h), 0xff, 0xff, 0xff)
	d.writeText(image.Rect(240+16, 40, w-16, h-8))
	d.cursor = image.Pt(256, 40)
	return d
}

// fill paints r with an RGB colour.
func (d *desktop) fill(r image.Rectangle, red, green, blue byte) {
	r = r.Intersect(image.Rect(0, 0, d.w, d.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := d.pix[y*d.stride:]
		for x := r.Min.X; x < r.Max.X; x++ {
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = blue, green, red, 0
		}
	}
}

// glyph draws a random character-like shape (strokes of a 6×11 pattern)
// into the cell at p.
func (d *desktop) glyph(p image.Point) {
	d.fill(image.Rectangle{Min: p, Max: p.Add(image.Pt(glyphW, glyphH))}, 0xff, 0xff, 0xff)
	bits := d.rng.Uint64()
	for i := range 6 * 11 {
		if bits>>(i%64)&1 == 1 && (i%3 != 0) {
			x, y := p.X+1+i%6, p.Y+3+i/6
			d.fill(image.Rect(x, y, x+1, y+1), 0x10, 0x10, 0x10)
		}
	}
}

// writeText fills r with lines of words.
func (d *desktop) writeText(r image.Rectangle) {
	for y := r.Min.Y; y+glyphH <= r.Max.Y; y += glyphH + 4 {
		end := r.Min.X + d.rng.IntN(r.Dx())
		for x := r.Min.X; x+glyphW <= end; x += glyphW {
			if d.rng.IntN(7) != 0 { // spaces between words
				d.glyph(image.Pt(x, y))
			}
		}
	}
}

// typeGlyph draws the next character, as a user typing would, and returns
// the cell it changed.
func (d *desktop) typeGlyph() image.Rectangle {
	p := d.cursor
	d.glyph(p)
	d.cursor.X += glyphW
	if d.cursor.X+glyphW > d.w-16 {
		d.cursor = image.Pt(256, d.cursor.Y+glyphH+4)
		if d.cursor.Y+glyphH > d.h-8 {
			d.cursor.Y = 40
		}
	}
	return image.Rectangle{Min: p, Max: p.Add(image.Pt(glyphW, glyphH))}
}

// i420 converts the whole desktop into a new picture.
func (d *desktop) i420() *I420 {
	f := NewI420(d.w, d.h)
	if err := BGRXToI420(f, d.pix, d.stride); err != nil {
		panic(err)
	}
	return f
}

// scroller is a tall document converted once; frame(i) is a view of it
// scrolled down by i*step rows, so scrolling costs the benchmark nothing.
type scroller struct {
	doc        *I420
	w, h, step int
	view       I420
}

func newScroller(w, h, step int, seed uint64) *scroller {
	d := newDesktop(w, 3*h, seed)
	return &scroller{doc: d.i420(), w: w, h: h, step: step}
}

func (s *scroller) frame(i int) *I420 {
	off := (i * s.step) % (2 * s.h) &^ 1 // even, so chroma rows line up
	s.view = I420{
		Y:        s.doc.Y[off*s.doc.StrideY:],
		U:        s.doc.U[off/2*s.doc.StrideUV:],
		V:        s.doc.V[off/2*s.doc.StrideUV:],
		StrideY:  s.doc.StrideY,
		StrideUV: s.doc.StrideUV,
		Width:    s.w,
		Height:   s.h,
	}
	return &s.view
}

// psnr compares the luma planes of two pictures of one size, in dB.
func psnr(a, b *I420) float64 {
	var sse float64
	for y := range a.Height {
		ra, rb := a.Y[y*a.StrideY:][:a.Width], b.Y[y*b.StrideY:][:a.Width]
		for x := range ra {
			d := float64(ra[x]) - float64(rb[x])
			sse += d * d
		}
	}
	if sse == 0 {
		return math.Inf(1)
	}
	mse := sse / float64(a.Width*a.Height)
	return 10 * math.Log10(255*255/mse)
}
