package vpx

/*
#include "tandem_vpx.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// ClockRate is the encoder's time base: pts values are in 90 kHz ticks, the
// RTP video clock, so an RTP timestamp can be passed as it is.
const ClockRate = 90000

// Config describes an encoder. Zero fields take the defaults noted.
type Config struct {
	Codec         Codec
	Width, Height int
	BitrateKbps   int // target of the CBR rate control; default 4000
	FPS           int // nominal frame rate, for rate control; default 30
	// Threads defaults to 1 for VP8 and min(2, NumCPU) for VP9. VP8's
	// row threads spin-wait on each other: with other processes on a
	// 2-core machine, 2 threads measured 1-6x slower than 1 here, while
	// VP9's row-mt degrades gracefully.
	Threads int
	// CPUUsed is libvpx's speed/quality trade-off; default -16 for VP8
	// (range -16..16, fastest at the ends) and 9 for VP9 (-9..9; 8 and 9
	// are the realtime speeds).
	CPUUsed int
	// KeyframeMax is the longest run of frames without a keyframe; default
	// 3000. Keyframes are meant to come on demand (Encode's forceKey).
	KeyframeMax int
}

func (c Config) withDefaults() Config {
	if c.BitrateKbps == 0 {
		c.BitrateKbps = 4000
	}
	if c.FPS == 0 {
		c.FPS = 30
	}
	if c.Threads == 0 {
		c.Threads = 1
		if c.Codec == VP9 {
			c.Threads = defaultThreads()
		}
	}
	if c.CPUUsed == 0 {
		c.CPUUsed = -16
		if c.Codec == VP9 {
			c.CPUUsed = 9
		}
	}
	if c.KeyframeMax == 0 {
		c.KeyframeMax = 3000
	}
	return c
}

// Validate reports the first field that libvpx would refuse.
func (c Config) Validate() error {
	switch {
	case !c.Codec.valid():
		return fmt.Errorf("vpx: unknown codec %v", c.Codec)
	case c.Width <= 0 || c.Height <= 0 || c.Width > 16384 || c.Height > 16384:
		return fmt.Errorf("vpx: frame size %dx%d out of range", c.Width, c.Height)
	case c.BitrateKbps < 0 || c.FPS < 0 || c.Threads < 0 || c.KeyframeMax < 0:
		return errors.New("vpx: bitrate, frame rate, threads and keyframe interval must not be negative")
	}
	return nil
}

// Encoder is one libvpx encoder. It is not safe for concurrent use. The
// frame size is fixed: to change it, Close the encoder and make a new one
// (VP8 cannot grow a running encoder, and a new stream starts with a
// keyframe either way).
type Encoder struct {
	c        *C.tv_enc
	cfg      Config
	duration C.ulong
	buf      []byte
}

// NewEncoder starts an encoder in realtime mode. Close releases it.
func NewEncoder(cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := C.tv_enc_new()
	if c == nil {
		return nil, errors.New("vpx: out of memory")
	}
	p := C.tv_enc_params{
		vp9: boolInt(cfg.Codec == VP9), width: C.int(cfg.Width), height: C.int(cfg.Height),
		kbps: C.int(cfg.BitrateKbps), fps: C.int(cfg.FPS), threads: C.int(cfg.Threads),
		cpu_used: C.int(cfg.CPUUsed), kf_max: C.int(cfg.KeyframeMax),
	}
	if rc := C.tv_enc_init(c, &p); rc != C.VPX_CODEC_OK {
		err := codecError(c.op, &c.ctx, c.inited, rc)
		C.tv_enc_free(c)
		return nil, fmt.Errorf("new %v encoder: %w", cfg.Codec, err)
	}
	openEncoders.Add(1)
	return &Encoder{c: c, cfg: cfg, duration: C.ulong(ClockRate / cfg.FPS)}, nil
}

// openEncoders counts the encoders made and not yet closed.
var openEncoders atomic.Int64

// OpenEncoders returns how many encoders this process holds now (made
// and not yet closed). A 1080p VP8 encoder holds about 55 MB: the agent's
// tests use this to check that a session, however it ended, released the
// encoder it prepared.
func OpenEncoders() int { return int(openEncoders.Load()) }

// Encode compresses one picture, which must have the encoder's size. pts is
// the capture time in ClockRate ticks and must increase from call to call;
// forceKey asks for a keyframe (send one on a PLI). It returns the encoded
// frame, ready to packetize, and whether it is a keyframe. The frame is nil
// when rate control dropped the picture to stay within the bitrate.
//
// The returned slice is the encoder's own buffer: it is valid until the
// next call to Encode and must not be kept beyond that.
func (e *Encoder) Encode(img *I420, pts int64, forceKey bool) (frame []byte, keyframe bool, err error) {
	if e.c == nil {
		return nil, false, errClosed
	}
	if err := img.check(); err != nil {
		return nil, false, err
	}
	if img.Width != e.cfg.Width || img.Height != e.cfg.Height {
		return nil, false, fmt.Errorf("vpx: picture is %dx%d, encoder is %dx%d", img.Width, img.Height, e.cfg.Width, e.cfg.Height)
	}
	rc := C.tv_enc_encode(e.c,
		(*C.uint8_t)(unsafe.Pointer(&img.Y[0])),
		(*C.uint8_t)(unsafe.Pointer(&img.U[0])),
		(*C.uint8_t)(unsafe.Pointer(&img.V[0])),
		C.int(img.StrideY), C.int(img.StrideUV), C.int64_t(pts), e.duration, boolInt(forceKey))
	if rc != C.VPX_CODEC_OK {
		return nil, false, codecError(e.c.op, &e.c.ctx, e.c.inited, rc)
	}
	e.buf = e.buf[:0]
	for C.tv_enc_next(e.c) != 0 {
		e.buf = append(e.buf, unsafe.Slice((*byte)(unsafe.Pointer(e.c.pkt_buf)), int(e.c.pkt_size))...)
		keyframe = keyframe || e.c.pkt_key != 0
	}
	if len(e.buf) == 0 {
		return nil, false, nil
	}
	return e.buf, keyframe, nil
}

// SetBitrate changes the CBR target, for congestion control. It takes
// effect from the next frame.
func (e *Encoder) SetBitrate(kbps int) error {
	if e.c == nil {
		return errClosed
	}
	if kbps <= 0 {
		return fmt.Errorf("vpx: bitrate %d kbit/s must be positive", kbps)
	}
	if rc := C.tv_enc_set_bitrate(e.c, C.int(kbps)); rc != C.VPX_CODEC_OK {
		// libvpx leaves the old configuration in force; keep cfg in step.
		e.c.cfg.rc_target_bitrate = C.uint(e.cfg.BitrateKbps)
		return codecError(e.c.op, &e.c.ctx, e.c.inited, rc)
	}
	e.cfg.BitrateKbps = kbps
	return nil
}

// Close frees the encoder's C memory. It is safe to call more than once.
func (e *Encoder) Close() error {
	if e.c == nil {
		return nil
	}
	C.tv_enc_free(e.c)
	e.c = nil
	openEncoders.Add(-1)
	return nil
}

var errClosed = errors.New("vpx: use of closed codec")

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
