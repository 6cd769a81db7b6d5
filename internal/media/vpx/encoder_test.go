package vpx

import (
	"strings"
	"testing"
)

const frameTicks = ClockRate / 30 // pts step at 30 fps

func newTestCodecs(t *testing.T, c Codec, w, h, kbps int) (*Encoder, *Decoder) {
	t.Helper()
	e, err := NewEncoder(Config{Codec: c, Width: w, Height: h, BitrateKbps: kbps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	d, err := NewDecoder(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return e, d
}

// codec runs f once for VP8 and once for VP9.
func codec(t *testing.T, f func(t *testing.T, c Codec)) {
	for _, c := range []Codec{VP8, VP9} {
		t.Run(c.String(), func(t *testing.T) { f(t, c) })
	}
}

// step encodes img and decodes the result; dec is nil when the encoder
// dropped the frame.
func step(t *testing.T, e *Encoder, d *Decoder, img *I420, i int, forceKey bool) (size int, key bool, dec *I420) {
	t.Helper()
	pkt, key, err := e.Encode(img, int64(i*frameTicks), forceKey)
	if err != nil {
		t.Fatalf("frame %d: %v", i, err)
	}
	if pkt == nil {
		return 0, false, nil
	}
	dec, err = d.Decode(pkt)
	if err != nil || dec == nil {
		t.Fatalf("frame %d: decode: %v, %v", i, dec, err)
	}
	return len(pkt), key, dec
}

// TestRoundTripPSNR encodes a 1080p desktop at 4 Mbit/s - still, then
// typing, then scrolling - and checks that what the decoder shows is the
// picture that was encoded, and not another one.
func TestRoundTripPSNR(t *testing.T) {
	codec(t, func(t *testing.T, c Codec) {
		e, d := newTestCodecs(t, c, 1920, 1080, 4000)
		desk := newDesktop(1920, 1080, 1)
		src := desk.i420()
		other := newDesktop(1920, 1080, 2).i420()
		var last *I420
		for i := range 8 {
			if _, _, dec := step(t, e, d, src, i, false); dec != nil {
				last = dec
			}
		}
		if p := psnr(src, last); p < 30 {
			t.Errorf("still desktop: PSNR %.1f dB, want ≥ 30", p)
		}
		if p := psnr(other, last); p > 20 {
			t.Errorf("still desktop matches a different desktop: PSNR %.1f dB", p)
		}
		for i := 8; i < 20; i++ {
			BGRXToI420Rect(src, desk.pix, desk.stride, desk.typeGlyph())
			if _, _, dec := step(t, e, d, src, i, false); dec != nil {
				last = dec
			}
		}
		if p := psnr(src, last); p < 30 {
			t.Errorf("after typing: PSNR %.1f dB, want ≥ 30", p)
		}

		s := newScroller(1920, 1080, 4, 3)
		for i := 0; i < 12; i++ {
			if _, _, dec := step(t, e, d, s.frame(i), 20+i, false); dec != nil && i > 0 {
				// The decoded picture must match this scroll position
				// clearly better than the one a frame earlier.
				here := psnr(s.frame(i), dec)
				before := psnr(s.frame(i-1), dec)
				if here < 20 || here < before+3 {
					t.Errorf("scroll %d: PSNR %.1f dB here, %.1f dB one frame back", i, here, before)
				}
			}
		}
	})
}

func TestForceKey(t *testing.T) {
	codec(t, func(t *testing.T, c Codec) {
		e, d := newTestCodecs(t, c, 320, 240, 1000)
		desk := newDesktop(320, 240, 4)
		src := desk.i420()
		for i := range 6 {
			BGRXToI420Rect(src, desk.pix, desk.stride, desk.typeGlyph())
			pkt, key, err := e.Encode(src, int64(i*frameTicks), i == 4)
			if err != nil {
				t.Fatal(err)
			}
			if want := i == 0 || i == 4; key != want || (want && pkt == nil) {
				t.Errorf("frame %d: keyframe %v (%d bytes), want %v", i, key, len(pkt), want)
			}
			if i == 4 {
				// A keyframe is what a viewer that lost the stream needs:
				// a fresh decoder must decode it on its own.
				fresh, err := NewDecoder(c)
				if err != nil {
					t.Fatal(err)
				}
				defer fresh.Close()
				got, err := fresh.Decode(pkt)
				if err != nil || got == nil || psnr(src, got) < 30 {
					t.Errorf("fresh decoder on the forced keyframe: %v, %v", got, err)
				}
			}
			if _, err := d.Decode(pkt); pkt != nil && err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestUnchangedFrameIsTiny(t *testing.T) {
	codec(t, func(t *testing.T, c Codec) {
		e, d := newTestCodecs(t, c, 1920, 1080, 4000)
		src := newDesktop(1920, 1080, 5).i420()
		keySize, size := 0, 0
		// VP8 keeps refining a still picture for a second or two at this
		// bitrate before it settles.
		for i := range 80 {
			n, key, _ := step(t, e, d, src, i, false)
			if key {
				keySize = n
			}
			if n > 0 {
				size = n
			}
		}
		if size*100 > keySize || size > 2000 {
			t.Errorf("unchanged frame: %d bytes (keyframe %d), want < 1%% and ≤ 2000", size, keySize)
		}
	})
}

func TestSetBitrate(t *testing.T) {
	codec(t, func(t *testing.T, c Codec) {
		e, d := newTestCodecs(t, c, 1280, 720, 4000)
		s := newScroller(1280, 720, 8, 6)
		total := func(from, to int) (bytes int) {
			for i := from; i < to; i++ {
				n, _, _ := step(t, e, d, s.frame(i), i, false)
				bytes += n
			}
			return bytes
		}
		total(0, 30) // let rate control settle
		high := total(30, 60)
		if err := e.SetBitrate(1000); err != nil {
			t.Fatal(err)
		}
		total(60, 75)
		low := total(75, 105)
		t.Logf("%d kbit/s at 4000, %d kbit/s at 1000", high*8/1000, low*8/1000)
		if low*2 > high {
			t.Errorf("after SetBitrate(1000): %d bytes per second, before %d; want less than half", low, high)
		}
		if got := e.cfg.BitrateKbps; got != 1000 {
			t.Errorf("Config().BitrateKbps = %d after SetBitrate(1000)", got)
		}
	})
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	e, _ := newTestCodecs(t, VP8, 640, 360, 2000)
	desk := newDesktop(640, 360, 8)
	src := desk.i420()
	i := 0
	if _, _, err := e.Encode(src, 0, true); err != nil { // grows the buffer
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		i++
		BGRXToI420Rect(src, desk.pix, desk.stride, desk.typeGlyph())
		if _, _, err := e.Encode(src, int64(i*frameTicks), false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per frame, want 0", allocs)
	}
}

func TestEncoderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no codec", Config{Width: 64, Height: 64}, "unknown codec"},
		{"no size", Config{Codec: VP8}, "out of range"},
		{"negative bitrate", Config{Codec: VP9, Width: 64, Height: 64, BitrateKbps: -1}, "negative"},
		// libvpx refuses it; its message must reach the caller.
		{"too many threads", Config{Codec: VP8, Width: 64, Height: 64, Threads: 1000}, "Invalid parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := NewEncoder(tc.cfg)
			if err == nil {
				e.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}

	e, err := NewEncoder(Config{Codec: VP8, Width: 64, Height: 64})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Encode(NewI420(32, 32), 0, false); err == nil {
		t.Error("picture of the wrong size accepted")
	}
	bad := NewI420(64, 64)
	bad.V = bad.V[:10]
	if _, _, err := e.Encode(bad, 0, false); err == nil {
		t.Error("short V plane accepted")
	}
	if err := e.SetBitrate(0); err == nil {
		t.Error("SetBitrate(0) accepted")
	}
	e.Close()
	e.Close()
	if _, _, err := e.Encode(NewI420(64, 64), 0, false); err == nil {
		t.Error("closed encoder encoded")
	}
}

// TestOpenEncoders: the count follows NewEncoder and Close, a second
// Close and a refused configuration included.
func TestOpenEncoders(t *testing.T) {
	before := OpenEncoders()
	e, err := NewEncoder(Config{Codec: VP8, Width: 64, Height: 64})
	if err != nil {
		t.Fatal(err)
	}
	if n := OpenEncoders(); n != before+1 {
		t.Errorf("%d open after NewEncoder, want %d", n, before+1)
	}
	if _, err := NewEncoder(Config{Codec: VP8, Width: 64, Height: 64, Threads: 1000}); err == nil {
		t.Fatal("1000 threads accepted")
	}
	e.Close()
	e.Close()
	if n := OpenEncoders(); n != before {
		t.Errorf("%d open after Close, want %d", n, before)
	}
}
