package vpx

import (
	"fmt"
	"image"
	"testing"
	"time"
)

// Benchmarks print each figure next to its baseline from the same run, and
// a "ratio" sub-benchmark divides them, because this machine is too noisy
// for figures from separate runs to be compared.
//
//	go test -run '^$' -bench . ./internal/media/vpx

// msPerOp records the last ms/op of a named sub-benchmark for the ratios.
var msPerOp = map[string]float64{}

func record(b *testing.B, name string) float64 {
	ms := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 1e6
	msPerOp[name] = ms
	b.ReportMetric(ms, "ms/frame")
	return ms
}

func ratio(b *testing.B, name, slow, fast string) {
	b.Run(name, func(b *testing.B) {
		for range b.N {
		}
		if msPerOp[fast] > 0 {
			b.ReportMetric(msPerOp[slow]/msPerOp[fast], "x-faster")
		}
	})
}

// BenchmarkBGRXToI420 converts a 1080p desktop: libyuv against the plain-Go
// reference converter, and libyuv on one glyph-sized damaged rectangle.
func BenchmarkBGRXToI420(b *testing.B) {
	d := newDesktop(1920, 1080, 11)
	dst := NewI420(1920, 1080)
	b.Run("libyuv", func(b *testing.B) {
		for range b.N {
			if err := BGRXToI420(dst, d.pix, d.stride); err != nil {
				b.Fatal(err)
			}
		}
		record(b, "conv/libyuv")
	})
	b.Run("go-reference", func(b *testing.B) {
		for range b.N {
			refBGRXToI420(dst, d.pix, d.stride)
		}
		record(b, "conv/go")
	})
	b.Run("libyuv-glyph-rect", func(b *testing.B) {
		r := image.Rect(301, 203, 301+glyphW, 203+glyphH)
		for range b.N {
			if _, err := BGRXToI420Rect(dst, d.pix, d.stride, r); err != nil {
				b.Fatal(err)
			}
		}
		record(b, "conv/rect")
	})
	ratio(b, "ratio-libyuv-vs-go", "conv/go", "conv/libyuv")
}

// scene produces the pictures of one benchmark scene.
type scene struct {
	name  string
	frame func(i int) *I420 // may be called with the timer stopped
}

func typingScene() scene {
	d := newDesktop(1920, 1080, 12)
	img := d.i420()
	return scene{"typing", func(int) *I420 {
		for range 3 { // a few glyphs change per frame
			BGRXToI420Rect(img, d.pix, d.stride, d.typeGlyph())
		}
		return img
	}}
}

func scrollingScene() scene {
	s := newScroller(1920, 1080, 4, 13) // the screen moves up 4 rows a frame
	return scene{"scrolling", s.frame}
}

// baselineConfig is libvpx near its default speed on one thread, as
// wrappers that never set cpu-used or threads run it (cpu-used 0 is the
// default; 1 is the nearest value Config can express).
func baselineConfig(cfg Config) Config {
	cfg.CPUUsed, cfg.Threads = 1, 1
	return cfg
}

// BenchmarkEncode measures 1080p P-frames at 30 fps, CBR 4000 kbit/s: ms
// per frame (encode only) and the bitrate produced, for Tandem's settings
// and the baseline. The two encoders take turns on the same frames, so
// load from other processes falls on both alike. The VP9 baseline takes
// ~0.5 s a frame: use -benchtime 30x or more for steadier VP9 figures.
func BenchmarkEncode(b *testing.B) {
	scenes := []func() scene{typingScene, scrollingScene}
	for _, c := range []Codec{VP8, VP9} {
		for _, mk := range scenes {
			sc := mk()
			b.Run(fmt.Sprintf("%v/%s", c, sc.name), func(b *testing.B) {
				cfg := Config{Codec: c, Width: 1920, Height: 1080, BitrateKbps: 4000, FPS: 30}
				benchEncode(b, sc, cfg, baselineConfig(cfg))
			})
		}
	}
}

// timedEncoder is one side of BenchmarkEncode.
type timedEncoder struct {
	e     *Encoder
	ns    int64
	bytes int
}

func (t *timedEncoder) encode(b *testing.B, img *I420, i int) {
	start := time.Now()
	pkt, _, err := t.e.Encode(img, int64(i*frameTicks), false)
	t.ns += time.Since(start).Nanoseconds()
	if err != nil {
		b.Fatal(err)
	}
	t.bytes += len(pkt)
}

func benchEncode(b *testing.B, sc scene, cfgs ...Config) {
	encs := make([]*timedEncoder, len(cfgs))
	for k, cfg := range cfgs {
		e, err := NewEncoder(cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		encs[k] = &timedEncoder{e: e}
	}
	i := 0
	for ; i < 6; i++ { // keyframe, then let rate control settle
		img := sc.frame(i)
		for _, t := range encs {
			t.encode(b, img, i)
		}
	}
	for _, t := range encs {
		t.ns, t.bytes = 0, 0
	}
	b.ResetTimer()
	for range b.N {
		img := sc.frame(i)
		for _, t := range encs {
			t.encode(b, img, i)
		}
		i++
	}
	ours, base := encs[0], encs[1]
	b.ReportMetric(float64(ours.ns)/float64(b.N)/1e6, "ms/frame")
	b.ReportMetric(float64(ours.bytes)*8/float64(b.N)*30/1000, "kbit/s")
	b.ReportMetric(float64(base.ns)/float64(b.N)/1e6, "baseline-ms/frame")
	b.ReportMetric(float64(base.bytes)*8/float64(b.N)*30/1000, "baseline-kbit/s")
	b.ReportMetric(float64(base.ns)/float64(ours.ns), "x-faster")
}
