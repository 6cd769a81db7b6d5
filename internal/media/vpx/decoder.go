package vpx

/*
#include "tandem_vpx.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// Decoder is one libvpx decoder. It is not safe for concurrent use.
type Decoder struct {
	c     *C.tv_dec
	frame I420
}

// NewDecoder starts a decoder for codec. Close releases it.
func NewDecoder(codec Codec) (*Decoder, error) {
	if !codec.valid() {
		return nil, fmt.Errorf("vpx: unknown codec %v", codec)
	}
	c := C.tv_dec_new()
	if c == nil {
		return nil, errors.New("vpx: out of memory")
	}
	if rc := C.tv_dec_init(c, boolInt(codec == VP9), C.int(defaultThreads())); rc != C.VPX_CODEC_OK {
		err := codecError(c.op, &c.ctx, c.inited, rc)
		C.tv_dec_free(c)
		return nil, fmt.Errorf("new %v decoder: %w", codec, err)
	}
	return &Decoder{c: c}, nil
}

// Decode decodes one encoded frame as Encoder.Encode produced it. It returns
// nil and no error when the packet completed no visible frame.
//
// The picture is a view of the decoder's own frame memory: it is valid
// until the next call to Decode or Close and must not be written to. Copy
// or convert it (I420ToRGBA) before then.
func (d *Decoder) Decode(pkt []byte) (*I420, error) {
	if d.c == nil {
		return nil, errClosed
	}
	if len(pkt) == 0 {
		return nil, errors.New("vpx: empty packet")
	}
	rc := C.tv_dec_decode(d.c, (*C.uint8_t)(unsafe.Pointer(&pkt[0])), C.size_t(len(pkt)))
	if rc != C.VPX_CODEC_OK {
		return nil, codecError(d.c.op, &d.c.ctx, d.c.inited, rc)
	}
	img := d.c.img
	if img == nil {
		return nil, nil
	}
	if img.fmt != C.VPX_IMG_FMT_I420 {
		return nil, fmt.Errorf("vpx: decoded pixel format %d is not I420", int(img.fmt))
	}
	if img.stride[C.VPX_PLANE_V] != img.stride[C.VPX_PLANE_U] {
		return nil, errors.New("vpx: decoded chroma planes have different strides")
	}
	w, h := int(img.d_w), int(img.d_h)
	_, ch := chromaSize(w, h)
	sy, suv := int(img.stride[C.VPX_PLANE_Y]), int(img.stride[C.VPX_PLANE_U])
	d.frame = I420{
		Y:        unsafe.Slice((*byte)(unsafe.Pointer(img.planes[C.VPX_PLANE_Y])), sy*h),
		U:        unsafe.Slice((*byte)(unsafe.Pointer(img.planes[C.VPX_PLANE_U])), suv*ch),
		V:        unsafe.Slice((*byte)(unsafe.Pointer(img.planes[C.VPX_PLANE_V])), suv*ch),
		StrideY:  sy,
		StrideUV: suv,
		Width:    w,
		Height:   h,
	}
	return &d.frame, nil
}

// Close frees the decoder's C memory; pictures it returned become invalid.
// It is safe to call more than once.
func (d *Decoder) Close() error {
	C.tv_dec_free(d.c)
	d.c = nil
	d.frame = I420{}
	return nil
}
