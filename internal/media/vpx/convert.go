package vpx

/*
#include "tandem_vpx.h"
*/
import "C"

import (
	"fmt"
	"image"
	"unsafe"
)

// BGRXToI420 converts a whole BGRX frame (4 bytes a pixel, in memory B, G,
// R, X — X11's 32-bit ZPixmap on little-endian machines) into dst, whose
// size it must match. stride is the distance between the frame's rows in
// bytes.
func BGRXToI420(dst *I420, src []byte, stride int) error {
	_, err := BGRXToI420Rect(dst, src, stride, image.Rect(0, 0, dst.Width, dst.Height))
	return err
}

// BGRXToI420Rect converts only the part of a BGRX frame inside r into the
// same place in dst, leaving the rest of dst as it was. r is first grown to
// even coordinates (one chroma sample covers 2×2 pixels) and clipped to the
// frame; the rectangle actually converted is returned. Converting only the
// damaged region keeps an idle or typing screen nearly free.
func BGRXToI420Rect(dst *I420, src []byte, stride int, r image.Rectangle) (image.Rectangle, error) {
	if err := dst.check(); err != nil {
		return image.Rectangle{}, err
	}
	r = alignEven(r).Intersect(image.Rect(0, 0, dst.Width, dst.Height))
	if r.Empty() {
		return image.Rectangle{}, nil
	}
	if stride < dst.Width*4 || len(src) < stride*(dst.Height-1)+dst.Width*4 {
		return image.Rectangle{}, fmt.Errorf("vpx: BGRX frame too small for %dx%d with stride %d", dst.Width, dst.Height, stride)
	}
	cx, cy := r.Min.X/2, r.Min.Y/2
	rc := C.ARGBToI420(
		(*C.uint8_t)(unsafe.Pointer(&src[r.Min.Y*stride+r.Min.X*4])), C.int(stride),
		(*C.uint8_t)(unsafe.Pointer(&dst.Y[r.Min.Y*dst.StrideY+r.Min.X])), C.int(dst.StrideY),
		(*C.uint8_t)(unsafe.Pointer(&dst.U[cy*dst.StrideUV+cx])), C.int(dst.StrideUV),
		(*C.uint8_t)(unsafe.Pointer(&dst.V[cy*dst.StrideUV+cx])), C.int(dst.StrideUV),
		C.int(r.Dx()), C.int(r.Dy()))
	if rc != 0 {
		return image.Rectangle{}, fmt.Errorf("vpx: libyuv ARGBToI420 failed (%d)", int(rc))
	}
	return r, nil
}

// alignEven grows r outwards to even coordinates.
func alignEven(r image.Rectangle) image.Rectangle {
	r = r.Canon()
	r.Min.X &^= 1
	r.Min.Y &^= 1
	r.Max.X += r.Max.X & 1
	r.Max.Y += r.Max.Y & 1
	return r
}

// I420ToRGBA converts src into dst, which must have src's size; alpha is
// set to 255. Use it to save PNG files and to draw the remote screen.
func I420ToRGBA(dst *image.RGBA, src *I420) error {
	if err := src.check(); err != nil {
		return err
	}
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if w != src.Width || h != src.Height {
		return fmt.Errorf("vpx: RGBA image is %dx%d, picture is %dx%d", w, h, src.Width, src.Height)
	}
	if dst.Stride < w*4 || len(dst.Pix) < dst.Stride*(h-1)+w*4 {
		return fmt.Errorf("vpx: RGBA image buffer too small for %dx%d", w, h)
	}
	// libyuv names formats by their order in a little-endian 32-bit word:
	// its "ABGR" is R, G, B, A in memory, which is image.RGBA's layout.
	rc := C.I420ToABGR(
		(*C.uint8_t)(unsafe.Pointer(&src.Y[0])), C.int(src.StrideY),
		(*C.uint8_t)(unsafe.Pointer(&src.U[0])), C.int(src.StrideUV),
		(*C.uint8_t)(unsafe.Pointer(&src.V[0])), C.int(src.StrideUV),
		(*C.uint8_t)(unsafe.Pointer(&dst.Pix[0])), C.int(dst.Stride),
		C.int(w), C.int(h))
	if rc != 0 {
		return fmt.Errorf("vpx: libyuv I420ToABGR failed (%d)", int(rc))
	}
	return nil
}
