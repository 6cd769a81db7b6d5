package capture

import (
	"bytes"
	"image"
)

// tileSize is the side of the squares compared when the server cannot
// report damage itself.
const tileSize = 64

// diffTiles compares cur with prev (same stride, w×h pixels of 4 bytes)
// tile by tile, appends every changed tile to dst, and copies the changed
// tiles into prev so that it stays the previous frame. Comparing against a
// kept copy reads the same bytes a hash would, finds every change (no
// collisions) and needs no table.
func diffTiles(dst []image.Rectangle, prev, cur []byte, stride, w, h int) []image.Rectangle {
	for y := 0; y < h; y += tileSize {
		y1 := min(y+tileSize, h)
		for x := 0; x < w; x += tileSize {
			r := image.Rect(x, y, min(x+tileSize, w), y1)
			if !tileEqual(prev, cur, stride, r) {
				copyTile(prev, cur, stride, r)
				dst = append(dst, r)
			}
		}
	}
	return dst
}

func tileEqual(a, b []byte, stride int, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		lo, hi := y*stride+4*r.Min.X, y*stride+4*r.Max.X
		if !bytes.Equal(a[lo:hi], b[lo:hi]) {
			return false
		}
	}
	return true
}

func copyTile(dst, src []byte, stride int, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		lo, hi := y*stride+4*r.Min.X, y*stride+4*r.Max.X
		copy(dst[lo:hi], src[lo:hi])
	}
}
