package vpx

import (
	"errors"
	"fmt"
)

// I420 is a planar YUV 4:2:0 picture (BT.601, limited range, as libvpx and
// libyuv use it): a full-resolution luma plane Y and quarter-size chroma
// planes U and V. Row r of a plane starts at r*stride; chroma planes have
// (Width+1)/2 × (Height+1)/2 samples.
type I420 struct {
	Y, U, V           []byte
	StrideY, StrideUV int
	Width, Height     int
}

// NewI420 allocates a w×h picture in one block with tight strides. Allocate
// once and reuse it for every frame: fresh frame-sized buffers are slow.
func NewI420(w, h int) *I420 {
	if w <= 0 || h <= 0 {
		panic(fmt.Sprintf("vpx: NewI420(%d, %d): size must be positive", w, h))
	}
	cw, ch := chromaSize(w, h)
	buf := make([]byte, w*h+2*cw*ch)
	ySize, cSize := w*h, cw*ch
	return &I420{
		Y:        buf[:ySize:ySize],
		U:        buf[ySize : ySize+cSize : ySize+cSize],
		V:        buf[ySize+cSize:],
		StrideY:  w,
		StrideUV: cw,
		Width:    w,
		Height:   h,
	}
}

func chromaSize(w, h int) (int, int) { return (w + 1) / 2, (h + 1) / 2 }

var errBadI420 = errors.New("vpx: malformed I420")

// check reports whether every row the dimensions and strides describe lies
// inside its plane, so C code can never read or write past a slice.
func (f *I420) check() error {
	if f == nil || f.Width <= 0 || f.Height <= 0 {
		return fmt.Errorf("%w: empty picture", errBadI420)
	}
	cw, ch := chromaSize(f.Width, f.Height)
	if !planeFits(f.Y, f.StrideY, f.Width, f.Height) {
		return fmt.Errorf("%w: Y plane too small for %dx%d", errBadI420, f.Width, f.Height)
	}
	if !planeFits(f.U, f.StrideUV, cw, ch) || !planeFits(f.V, f.StrideUV, cw, ch) {
		return fmt.Errorf("%w: chroma plane too small for %dx%d", errBadI420, f.Width, f.Height)
	}
	return nil
}

// planeFits reports whether a plane of h rows of w bytes, rows stride
// apart, lies within p.
func planeFits(p []byte, stride, w, h int) bool {
	return stride >= w && len(p) >= stride*(h-1)+w
}
