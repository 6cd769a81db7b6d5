package page

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// icon draws the tab's icon, a white "T" on the page's blue, so browsers
// asking for /favicon.ico get an answer instead of a 404.
func icon() []byte {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue, white := color.NRGBA{0x0a, 0x3d, 0x7a, 0xff}, color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := blue
			bar := y >= 6 && y < 11 && x >= 6 && x < 26
			stem := y >= 6 && y < 27 && x >= 13 && x < 19
			if bar || stem {
				c = white
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
