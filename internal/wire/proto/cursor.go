package proto

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The remote pointer travels apart from the video so that it stays smooth
// when the video is throttled. Two compact binary messages describe it:
//
// A position goes on the "cursor" data channel (unordered, no
// retransmissions: a lost position is superseded by the next one), at most
// about 60 a second while the pointer moves. It is 16 bytes, big-endian:
//
//	off size field
//	0   1    kind = 1 (CursorKindPos)
//	1   1    flags: bit 0 = hidden (the pointer is outside what is shared:
//	         on another monitor, or over a window the customer did not
//	         choose; x and y are then 0, and the serial is that of the
//	         last shape sent); other bits 0. The agent sends it as the
//	         pointer leaves and once more, then nothing until it is back.
//	2   2    seq, one more per position sent (wrapping); the receiver drops
//	         a position older than the newest it has seen, since the
//	         channel does not keep order
//	4   4    serial of the shape to draw (see below)
//	8   4    x, signed: the hot spot relative to the shared monitor's
//	12  4    y  top-left corner, that is in the video frame's pixels
//
// A shape is sent only when the pointer's shape serial changes. It goes on
// the control channel, inside a CursorShapeMsg envelope, because it must
// not be lost (a lost shape would leave the wrong pointer drawn until the
// next change) and because it is larger than one SCTP packet, and a
// fragmented message on a channel without retransmissions is lost when any
// fragment is. Shapes change a few times a second at most, so the reliable
// channel costs nothing noticeable. Layout, big-endian:
//
//	off size field
//	0   1    kind = 2 (CursorKindShape)
//	1   1    flags, 0
//	2   4    serial
//	6   2    width,  1..MaxCursorSize
//	8   2    height, 1..MaxCursorSize
//	10  2    hot spot x, < width
//	12  2    hot spot y, < height
//	14  …    width*height*4 bytes of premultiplied RGBA (the layout of
//	         image.RGBA), compressed with DEFLATE (RFC 1951); pointers are
//	         mostly transparent, so 32×32 typically takes a few hundred bytes
const (
	CursorKindPos   = 1
	CursorKindShape = 2

	// CursorPosSize is the length of an encoded position.
	CursorPosSize = 16
	// MaxCursorSize bounds a shape's width and height; the agent scales
	// larger shapes down.
	MaxCursorSize = 64

	cursorShapeHeader = 14
	cursorHidden      = 1 << 0
)

// TypeCursorShape carries a shape on the control channel (agent → technician).
const TypeCursorShape Type = "cursor-shape"

// CursorShapeMsg wraps an encoded shape (AppendCursorShape) for the
// control channel.
type CursorShapeMsg struct {
	Data []byte `json:"data"`
}

func (m *CursorShapeMsg) check() error {
	if len(m.Data) < cursorShapeHeader || m.Data[0] != CursorKindShape {
		return errors.New("not a cursor shape")
	}
	return nil
}

// ErrBadCursor is wrapped by the errors of the cursor decoders.
var ErrBadCursor = errors.New("proto: bad cursor message")

// CursorPos is where the remote pointer is.
type CursorPos struct {
	Seq    uint16
	Hidden bool   // outside what is shared; X and Y are 0
	Serial uint32 // shape to draw
	X, Y   int32  // hot spot, relative to the shared monitor
}

// Newer reports whether p was sent after q, allowing for seq wrapping
// (serial-number arithmetic, RFC 1982).
func (p CursorPos) Newer(q CursorPos) bool { return int16(p.Seq-q.Seq) > 0 }

// AppendCursorPos appends p's encoding to b.
func AppendCursorPos(b []byte, p CursorPos) []byte {
	var flags byte
	if p.Hidden {
		flags, p.X, p.Y = cursorHidden, 0, 0
	}
	b = append(b, CursorKindPos, flags)
	b = binary.BigEndian.AppendUint16(b, p.Seq)
	b = binary.BigEndian.AppendUint32(b, p.Serial)
	b = binary.BigEndian.AppendUint32(b, uint32(p.X))
	return binary.BigEndian.AppendUint32(b, uint32(p.Y))
}

// DecodeCursorPos decodes a position.
func DecodeCursorPos(b []byte) (CursorPos, error) {
	if len(b) != CursorPosSize || b[0] != CursorKindPos || b[1]&^cursorHidden != 0 {
		return CursorPos{}, fmt.Errorf("%w: not a %d-byte position", ErrBadCursor, CursorPosSize)
	}
	p := CursorPos{
		Seq:    binary.BigEndian.Uint16(b[2:]),
		Hidden: b[1]&cursorHidden != 0,
		Serial: binary.BigEndian.Uint32(b[4:]),
		X:      int32(binary.BigEndian.Uint32(b[8:])),
		Y:      int32(binary.BigEndian.Uint32(b[12:])),
	}
	if p.Hidden && (p.X != 0 || p.Y != 0) {
		return CursorPos{}, fmt.Errorf("%w: hidden position with coordinates", ErrBadCursor)
	}
	return p, nil
}

// CursorShape is the pointer's image.
type CursorShape struct {
	Serial     uint32
	W, H       int
	HotX, HotY int
	Pix        []byte // W*H premultiplied RGBA pixels
}

func (s CursorShape) valid() bool {
	return s.W >= 1 && s.H >= 1 && s.W <= MaxCursorSize && s.H <= MaxCursorSize &&
		s.HotX >= 0 && s.HotY >= 0 && s.HotX < s.W && s.HotY < s.H
}

// AppendCursorShape appends s's encoding to b. The shape must be within
// MaxCursorSize with its hot spot inside it.
func AppendCursorShape(b []byte, s CursorShape) ([]byte, error) {
	if !s.valid() || len(s.Pix) != 4*s.W*s.H {
		return b, fmt.Errorf("%w: %dx%d shape, hot spot %d,%d, %d bytes", ErrBadCursor, s.W, s.H, s.HotX, s.HotY, len(s.Pix))
	}
	b = append(b, CursorKindShape, 0)
	b = binary.BigEndian.AppendUint32(b, s.Serial)
	for _, v := range []int{s.W, s.H, s.HotX, s.HotY} {
		b = binary.BigEndian.AppendUint16(b, uint16(v))
	}
	buf := bytes.NewBuffer(b)
	zw, _ := flate.NewWriter(buf, flate.BestSpeed) // the level is valid
	zw.Write(s.Pix)                                // a bytes.Buffer does not fail
	zw.Close()
	return buf.Bytes(), nil
}

// DecodeCursorShape decodes a shape, refusing sizes beyond MaxCursorSize
// and pixel data that does not inflate to exactly W*H*4 bytes.
func DecodeCursorShape(b []byte) (CursorShape, error) {
	if len(b) < cursorShapeHeader || b[0] != CursorKindShape || b[1] != 0 {
		return CursorShape{}, fmt.Errorf("%w: not a shape", ErrBadCursor)
	}
	u16 := func(off int) int { return int(binary.BigEndian.Uint16(b[off:])) }
	s := CursorShape{Serial: binary.BigEndian.Uint32(b[2:]), W: u16(6), H: u16(8), HotX: u16(10), HotY: u16(12)}
	if !s.valid() {
		return CursorShape{}, fmt.Errorf("%w: %dx%d shape with hot spot %d,%d", ErrBadCursor, s.W, s.H, s.HotX, s.HotY)
	}
	n := 4 * s.W * s.H
	zr := flate.NewReader(bytes.NewReader(b[cursorShapeHeader:]))
	defer zr.Close()
	pix, err := io.ReadAll(io.LimitReader(zr, int64(n)+1))
	if err != nil || len(pix) != n {
		return CursorShape{}, fmt.Errorf("%w: pixels: %d bytes of %d (%v)", ErrBadCursor, len(pix), n, err)
	}
	s.Pix = pix
	return s, nil
}
