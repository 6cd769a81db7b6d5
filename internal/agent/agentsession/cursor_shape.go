package agentsession

import (
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// fitCursor turns a captured pointer shape into one the wire accepts: at
// most proto.MaxCursorSize on each side (larger ones, such as HiDPI themes
// or drag-and-drop icons, are scaled down by averaging, keeping the aspect
// ratio) and at least 1×1 (an empty shape becomes one transparent pixel).
func fitCursor(c capture.Cursor) proto.CursorShape {
	if c.W <= 0 || c.H <= 0 || len(c.Pixels) < 4*c.W*c.H {
		return proto.CursorShape{Serial: c.Serial, W: 1, H: 1, Pix: make([]byte, 4)}
	}
	s := proto.CursorShape{Serial: c.Serial, W: c.W, H: c.H, HotX: c.HotX, HotY: c.HotY, Pix: c.Pixels[:4*c.W*c.H]}
	if big := max(c.W, c.H); big > proto.MaxCursorSize {
		s.W = max(1, c.W*proto.MaxCursorSize/big)
		s.H = max(1, c.H*proto.MaxCursorSize/big)
		s.HotX, s.HotY = c.HotX*s.W/c.W, c.HotY*s.H/c.H
		s.Pix = shrink(c.Pixels, c.W, c.H, s.W, s.H)
	}
	s.HotX = min(max(s.HotX, 0), s.W-1)
	s.HotY = min(max(s.HotY, 0), s.H-1)
	return s
}

// shrink scales premultiplied RGBA pixels from w×h down to nw×nh, each
// new pixel the average of the source pixels it covers (averaging is
// exact for premultiplied colour).
func shrink(pix []byte, w, h, nw, nh int) []byte {
	out := make([]byte, 4*nw*nh)
	for y := 0; y < nh; y++ {
		y0, y1 := y*h/nh, max((y+1)*h/nh, y*h/nh+1)
		for x := 0; x < nw; x++ {
			x0, x1 := x*w/nw, max((x+1)*w/nw, x*w/nw+1)
			var sum [4]int
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					for i := range sum {
						sum[i] += int(pix[4*(sy*w+sx)+i])
					}
				}
			}
			n := (y1 - y0) * (x1 - x0)
			for i := range sum {
				out[4*(y*nw+x)+i] = byte(sum[i] / n)
			}
		}
	}
	return out
}
