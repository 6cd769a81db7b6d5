package appsel

import (
	"image"
	"slices"
)

// span is a half-open run of columns [x0, x1).
type span struct{ x0, x1 int }

// MaskBGRX blacks out (sets to 0) every pixel of a 4-byte-per-pixel buffer
// that lies outside r. The buffer shows size pixels of the screen whose
// top-left corner is origin in root coordinates; stride is bytes per row.
//
// The buffer is cut into horizontal bands in which the same rectangles
// cross every row; each band's hidden column runs are worked out once and
// then cleared row by row with one clear per run, so a frame costs a few
// memclr calls per row rather than a test per pixel.
func MaskBGRX(pix []byte, stride int, origin, size image.Point, r Region) {
	if r.All {
		return
	}
	frame := image.Rectangle{Min: origin, Max: origin.Add(size)}
	rects := clipAll(r.Rects, frame)
	edges := bandEdges(rects, frame)
	var scratch [32]span
	for i := 0; i+1 < len(edges); i++ {
		y0, y1 := edges[i], edges[i+1]
		hidden := hiddenSpans(scratch[:0], rects, y0, frame)
		if len(hidden) == 1 && hidden[0] == (span{frame.Min.X, frame.Max.X}) && stride == size.X*4 {
			// A band of whole hidden rows, contiguous: one clear.
			clear(pix[(y0-origin.Y)*stride : (y1-origin.Y)*stride])
			continue
		}
		for y := y0; y < y1; y++ {
			row := pix[(y-origin.Y)*stride:]
			for _, s := range hidden {
				clear(row[(s.x0-origin.X)*4 : (s.x1-origin.X)*4])
			}
		}
	}
}

// clipAll returns the non-empty intersections of rs with frame.
func clipAll(rs []image.Rectangle, frame image.Rectangle) []image.Rectangle {
	out := make([]image.Rectangle, 0, len(rs))
	for _, q := range rs {
		if q = q.Intersect(frame); !q.Empty() {
			out = append(out, q)
		}
	}
	return out
}

// bandEdges returns the sorted distinct rows where some rectangle starts or
// ends, plus the frame's top and bottom.
func bandEdges(rs []image.Rectangle, frame image.Rectangle) []int {
	edges := make([]int, 0, 2*len(rs)+2)
	edges = append(edges, frame.Min.Y, frame.Max.Y)
	for _, q := range rs {
		edges = append(edges, q.Min.Y, q.Max.Y)
	}
	slices.Sort(edges)
	return slices.Compact(edges)
}

// hiddenSpans appends to dst the column runs of row y, within frame, that
// no rectangle covers.
func hiddenSpans(dst []span, rs []image.Rectangle, y int, frame image.Rectangle) []span {
	var shownBuf [32]span
	shown := shownBuf[:0]
	for _, q := range rs {
		if y >= q.Min.Y && y < q.Max.Y {
			shown = append(shown, span{q.Min.X, q.Max.X})
		}
	}
	slices.SortFunc(shown, func(a, b span) int { return a.x0 - b.x0 })
	x := frame.Min.X
	for _, s := range shown {
		if s.x0 > x {
			dst = append(dst, span{x, s.x0})
		}
		x = max(x, s.x1)
	}
	if x < frame.Max.X {
		dst = append(dst, span{x, frame.Max.X})
	}
	return dst
}
