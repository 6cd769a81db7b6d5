package viewer

import (
	"image"
	"image/color"
)

// Quadrant colours of the test pattern.
var (
	patRed   = color.RGBA{0xe0, 0x20, 0x20, 0xff}
	patGreen = color.RGBA{0x20, 0xc0, 0x40, 0xff}
	patBlue  = color.RGBA{0x20, 0x40, 0xe0, 0xff}
	patWhite = color.RGBA{0xf0, 0xf0, 0xf0, 0xff}
)

// pattern draws quadrants of distinct colours (red, green / blue, white)
// with a band of thin dark stripes, like lines of text, across the middle
// of each.
func pattern(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, patternAt(x, y, w, h))
		}
	}
	return img
}

func patternAt(x, y, w, h int) color.RGBA {
	c := patRed
	switch {
	case x >= w/2 && y < h/2:
		c = patGreen
	case x < w/2 && y >= h/2:
		c = patBlue
	case x >= w/2 && y >= h/2:
		c = patWhite
	}
	// Text-like stripes: rows 8..24 of each quadrant's second eighth,
	// two-pixel dark dashes.
	qy := y % (h / 2)
	if qy >= h/16 && qy < h/16+16 && (x/2)%3 == 0 {
		return color.RGBA{0x10, 0x10, 0x10, 0xff}
	}
	return c
}
