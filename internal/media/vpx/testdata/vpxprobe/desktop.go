package main

// desktop is a deterministic synthetic screen in BGRX: a gradient
// wallpaper, a window full of text-like glyphs that scrolls a few rows per
// frame, and a second window that moves across it, so every frame has
// motion, edges and flat areas like a real desktop.
type desktop struct {
	w, h, stride int
	pix          []byte
	text         []byte // one glyph bit per 4x8 cell, scrolled by step
	seed         uint64
}

func newDesktop(w, h int) *desktop {
	d := &desktop{w: w, h: h, stride: w * 4, pix: make([]byte, w*h*4), seed: 0x9e3779b97f4a7c15}
	d.text = make([]byte, (w/4)*(h/8+64))
	for i := range d.text {
		d.text[i] = byte(d.rand() & 1)
	}
	return d
}

func (d *desktop) rand() uint64 {
	d.seed ^= d.seed << 13
	d.seed ^= d.seed >> 7
	d.seed ^= d.seed << 17
	return d.seed
}

// step draws frame i.
func (d *desktop) step(i int) {
	for y := range d.h {
		row := d.pix[y*d.stride : (y+1)*d.stride]
		for x := range d.w {
			row[x*4+0] = byte(96 + y*64/d.h)
			row[x*4+1] = byte(64 + x*64/d.w)
			row[x*4+2] = 48
			row[x*4+3] = 0
		}
	}
	// The text window scrolls one 2-pixel step per frame.
	tx, ty, tw, th := d.w/16, d.h/12, d.w*5/8, d.h*3/4
	cols := d.w / 4
	for y := ty; y < ty+th; y++ {
		row := d.pix[y*d.stride : (y+1)*d.stride]
		line := ((y - ty) + 2*i) / 8 % (len(d.text) / cols) * cols
		on := (y-ty+2*i)%8 < 6
		for x := tx; x < tx+tw; x++ {
			v := byte(250)
			if on && (x-tx)%4 < 3 && d.text[line+(x-tx)/4] == 1 {
				v = 20
			}
			row[x*4+0], row[x*4+1], row[x*4+2] = v, v, v
		}
	}
	// A small window moves diagonally over everything.
	mx, my := (40+i*23)%(d.w-320), (60+i*11)%(d.h-200)
	for y := my; y < my+200; y++ {
		row := d.pix[y*d.stride : (y+1)*d.stride]
		for x := mx; x < mx+320; x++ {
			row[x*4+0], row[x*4+1], row[x*4+2] = 200, 120, byte(x-mx)
		}
	}
}
