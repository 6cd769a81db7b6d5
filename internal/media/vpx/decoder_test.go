package vpx

import (
	"strings"
	"testing"
)

// keyframe returns a small encoded keyframe, a seed for the fuzzer.
func keyframe(t testing.TB, c Codec) []byte {
	e, err := NewEncoder(Config{Codec: c, Width: 64, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pkt, _, err := e.Encode(newDesktop(64, 48, 9).i420(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), pkt...)
}

func TestDecodeRejectsGarbage(t *testing.T) {
	codec(t, func(t *testing.T, c Codec) {
		d, err := NewDecoder(c)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.Decode(nil); err == nil {
			t.Error("empty packet accepted")
		}
		kf := keyframe(t, c)
		_, err = d.Decode(kf[:len(kf)/3])
		if err == nil || !strings.HasPrefix(err.Error(), "vpx: decode: ") {
			t.Errorf("truncated keyframe: error %v, want libvpx's decode error", err)
		}
		t.Logf("truncated keyframe: %v", err)
		got, err := d.Decode(kf)
		if err != nil || got == nil || got.Width != 64 || got.Height != 48 {
			t.Fatalf("whole keyframe after a bad one: %v, %v", got, err)
		}
		d.Close()
		if _, err := d.Decode(kf); err == nil {
			t.Error("closed decoder decoded")
		}
	})
}

// FuzzDecode feeds the VP8 decoder, the parser that faces the network,
// arbitrary packets: it may fail but must not crash or return a picture
// that lies outside its planes.
func FuzzDecode(f *testing.F) {
	kf := keyframe(f, VP8)
	f.Add(kf)
	f.Add(kf[:20])
	f.Add([]byte{0x9d, 0x01, 0x2a})
	d, err := NewDecoder(VP8)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { d.Close() })
	f.Fuzz(func(t *testing.T, pkt []byte) {
		img, err := d.Decode(pkt)
		if err != nil || img == nil {
			return
		}
		if err := img.check(); err != nil {
			t.Fatal(err)
		}
	})
}
