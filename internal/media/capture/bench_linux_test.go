package capture

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/kbinani/screenshot"
)

// BenchmarkCapture1080p grabs a whole 1920×1080 screen: ours (one
// connection, one reused shared-memory segment) against kbinani/screenshot
// (a new connection and segment per call), side by side under one Xvfb, and
// prints the ratio. next adds what a damaged frame costs on top: a small
// change drawn by another client, DamageSubtract, FetchRegion, the grab.
func BenchmarkCapture1080p(b *testing.B) {
	display := startXvfb(b, 1920, 1080)
	b.Setenv("DISPLAY", display)
	full := image.Rect(0, 0, 1920, 1080)
	var ours, theirs time.Duration

	b.Run("tandem", func(b *testing.B) {
		s := openBench(b, display)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.cap.grab(s.conn, s.root, full); err != nil {
				b.Fatal(err)
			}
		}
		ours = perFrame(b)
	})
	b.Run("kbinani", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := screenshot.CaptureRect(full); err != nil {
				b.Fatal(err)
			}
		}
		theirs = perFrame(b)
	})
	b.Run("tandem-next", func(b *testing.B) {
		s := openBench(b, display)
		p := newPainter(b, display)
		ctx := context.Background()
		s.Next(ctx)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.fill(image.Rect(i%1900, 500, i%1900+16, 516), uint32(i))
			if _, err := s.Next(ctx); err != nil {
				b.Fatal(err)
			}
		}
		perFrame(b)
	})
	if ours > 0 && theirs > 0 {
		b.Logf("1080p capture: tandem %.3f ms/frame, kbinani %.1f ms/frame: %.0fx faster",
			ms(ours), ms(theirs), float64(theirs)/float64(ours))
	}
}

func openBench(b *testing.B, display string) *Screen {
	b.Helper()
	s, err := Open(context.Background(), Options{Display: display})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// perFrame reports and returns the mean time per iteration.
func perFrame(b *testing.B) time.Duration {
	d := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(ms(d), "ms/frame")
	return d
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
