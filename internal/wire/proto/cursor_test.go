package proto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"reflect"
)

// onePixelShape is a 1×1 shape whose pixels are a stored (uncompressed)
// DEFLATE block, so its bytes do not depend on the compressor's version.
var onePixelShape = unhex(
	"02 00 00000007 0001 0001 0000 0000" + // kind, flags, serial 7, 1×1, hot spot 0,0
		"01 0400 fbff 80402010") // final stored block of 4 bytes: one pixel

func init() {
	golden = append(golden,
		struct {
			name string
			typ  Type
			body any
		}{"cursor-shape", TypeCursorShape, CursorShapeMsg{Data: onePixelShape}},
	)
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestCursorPosGolden pins the position's 16 bytes.
func TestCursorPosGolden(t *testing.T) {
	tests := []struct {
		name string
		pos  CursorPos
		wire string
	}{
		{"origin", CursorPos{}, "01 00 0000 00000000 00000000 00000000"},
		{"moved", CursorPos{Seq: 0x0102, Serial: 0xa0b0c0d0, X: 1919, Y: 1079}, "01 00 0102 a0b0c0d0 0000077f 00000437"},
		{"negative", CursorPos{Seq: 0xffff, Serial: 3, X: -5, Y: -1}, "01 00 ffff 00000003 fffffffb ffffffff"},
		{"hidden", CursorPos{Seq: 9, Hidden: true, Serial: 3}, "01 01 0009 00000003 00000000 00000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendCursorPos(nil, tt.pos)
			if want := unhex(tt.wire); !bytes.Equal(got, want) {
				t.Fatalf("AppendCursorPos = % x\nwant            % x", got, want)
			}
			back, err := DecodeCursorPos(got)
			if err != nil || back != tt.pos {
				t.Fatalf("DecodeCursorPos = %+v, %v; want %+v", back, err, tt.pos)
			}
		})
	}
}

func TestCursorPosNewer(t *testing.T) {
	for _, tt := range []struct {
		p, q uint16
		want bool
	}{{2, 1, true}, {1, 2, false}, {1, 1, false}, {0, 0xffff, true}, {0xffff, 0, false}, {0x8001, 2, true}} {
		if got := (CursorPos{Seq: tt.p}).Newer(CursorPos{Seq: tt.q}); got != tt.want {
			t.Errorf("seq %d newer than %d = %v, want %v", tt.p, tt.q, got, tt.want)
		}
	}
}

func TestCursorShapeGolden(t *testing.T) {
	s, err := DecodeCursorShape(onePixelShape)
	want := CursorShape{Serial: 7, W: 1, H: 1, Pix: []byte{0x80, 0x40, 0x20, 0x10}}
	if err != nil || !reflect.DeepEqual(s, want) {
		t.Fatalf("DecodeCursorShape = %+v, %v; want %+v", s, err, want)
	}
	// The encoder compresses, so its bytes are pinned by the header only.
	enc, err := AppendCursorShape(nil, want)
	if err != nil || !bytes.Equal(enc[:cursorShapeHeader], onePixelShape[:cursorShapeHeader]) {
		t.Fatalf("AppendCursorShape header = % x, %v", enc, err)
	}
}

// TestCursorShapeCompresses round-trips a typical 32×32 pointer and checks
// that the mostly transparent image shrinks, as the layout promises.
func TestCursorShapeCompresses(t *testing.T) {
	s := CursorShape{Serial: 42, W: 32, H: 32, HotX: 31, HotY: 3, Pix: make([]byte, 32*32*4)}
	for i := 0; i < 16; i++ { // a diagonal stroke
		copy(s.Pix[4*(i*32+i):], []byte{0xff, 0xff, 0xff, 0xff})
	}
	enc, err := AppendCursorShape(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) > 400 {
		t.Errorf("32×32 shape encodes to %d bytes, want a few hundred at most", len(enc))
	}
	back, err := DecodeCursorShape(enc)
	if err != nil || !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip: %v, got %+v", err, back)
	}
}

// TestCursorShapeFitsEnvelope: the largest shape, incompressible, still
// fits one control-channel envelope.
func TestCursorShapeFitsEnvelope(t *testing.T) {
	s := CursorShape{W: MaxCursorSize, H: MaxCursorSize, Pix: make([]byte, 4*MaxCursorSize*MaxCursorSize)}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range s.Pix {
		s.Pix[i] = byte(rnd.Uint32())
	}
	data, err := AppendCursorShape(nil, s)
	if err != nil {
		t.Fatal(err)
	}
	env, err := Encode(TypeCursorShape, CursorShapeMsg{Data: data})
	if err != nil || len(env) > MaxMessageSize {
		t.Fatalf("envelope of %d bytes (max %d), err %v", len(env), MaxMessageSize, err)
	}
	back, err := Decode(env)
	if err == nil {
		_, err = Body[CursorShapeMsg](back)
	}
	if err != nil {
		t.Fatalf("decode the envelope: %v", err)
	}
}

func TestCursorDecodeErrors(t *testing.T) {
	big := append(unhex("02 00 00000001 0041 0001 0000 0000"), onePixelShape[cursorShapeHeader:]...)
	tests := []struct {
		name string
		data []byte
		pos  bool
	}{
		{"empty position", nil, true},
		{"short position", unhex("01 00 0000 00000000 00000000 000000"), true},
		{"shape as position", onePixelShape, true},
		{"unknown flag", unhex("01 02 0000 00000000 00000000 00000000"), true},
		{"hidden with coordinates", unhex("01 01 0000 00000000 00000001 00000000"), true},
		{"short shape", onePixelShape[:10], false},
		{"too wide", big, false},
		{"zero size", unhex("02 00 00000001 0000 0000 0000 0000"), false},
		{"hot spot outside", unhex("02 00 00000001 0001 0001 0001 0000 01 0400 fbff 00000000"), false},
		{"pixels short", unhex("02 00 00000001 0001 0002 0000 0000 01 0400 fbff 00000000"), false},
		{"pixels long", unhex("02 00 00000001 0001 0001 0000 0000 01 0500 faff 0000000000"), false},
		{"pixels corrupt", unhex("02 00 00000001 0001 0001 0000 0000 07"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.pos {
				_, err = DecodeCursorPos(tt.data)
			} else {
				_, err = DecodeCursorShape(tt.data)
			}
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("err = %v, want ErrBadCursor", err)
			}
		})
	}
	if _, err := AppendCursorShape(nil, CursorShape{W: 65, H: 1, Pix: make([]byte, 260)}); !errors.Is(err, ErrBadCursor) {
		t.Errorf("encoding a 65×1 shape: err = %v, want ErrBadCursor", err)
	}
}

// FuzzDecodeCursor feeds both decoders; whatever decodes must re-encode to
// something that decodes to the same value.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(AppendCursorPos(nil, CursorPos{Seq: 1, Serial: 2, X: 3, Y: 4}))
	f.Add(onePixelShape)
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := DecodeCursorPos(data); err == nil {
			if !bytes.Equal(AppendCursorPos(nil, p), data) {
				t.Fatalf("position %+v does not re-encode to % x", p, data)
			}
		}
		s, err := DecodeCursorShape(data)
		if err != nil {
			return
		}
		enc, err := AppendCursorShape(nil, s)
		if err != nil {
			t.Fatalf("re-encode %dx%d: %v", s.W, s.H, err)
		}
		back, err := DecodeCursorShape(enc)
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
