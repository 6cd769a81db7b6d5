package appsel

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// BenchmarkSettledFrame measures what ordering the window tracker after a
// capture costs a frame: a whole 1920×1080 capture alone (the baseline),
// the same with MarkEvent's marker sent on the capture's connection before
// the grab and Settled after it, as the agent does with chosen
// applications, and Mark and Settled alone, side by side under one Xvfb
// with a dozen windows. It prints the added time per frame.
func BenchmarkSettledFrame(b *testing.B) {
	display := xvfb.Start(b, 1920, 1080)
	d := newDesk(b, display)
	var chosen uint32
	for i := range 12 {
		id := d.open(app{class: "App", title: "w", pid: pid + i, rgb: uint32(i) * 0x151515,
			bounds: image.Rect(100*i, 50*i, 100*i+600, 50*i+400)}, 0)
		chosen = uint32(id)
	}
	tr, err := Open(context.Background(), Options{Display: display})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Close() })
	tr.Select([]uint32{chosen})
	marking := false
	scr, err := capture.Open(context.Background(), capture.Options{Display: display, Mark: func() capture.Marker {
		if !marking {
			return capture.Marker{}
		}
		s, w, ev := tr.MarkEvent()
		return capture.Marker{Mark: uint64(s), Window: w, Event: ev}
	}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { scr.Close() })
	ctx := context.Background()
	grab := func(b *testing.B) *capture.Frame {
		scr.Refresh()
		f, err := scr.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	var alone, settled time.Duration
	b.Run("capture", func(b *testing.B) {
		for b.Loop() {
			grab(b)
		}
		alone = perFrame(b)
	})
	b.Run("capture+settle", func(b *testing.B) {
		marking = true
		defer func() { marking = false }()
		var settle time.Duration
		for b.Loop() {
			f := grab(b)
			t0 := time.Now()
			if _, still, err := tr.Settled(ctx, Stamp(f.Mark)); err != nil || !still {
				b.Fatalf("settled: still %v, %v", still, err)
			}
			settle += time.Since(t0)
		}
		settled = perFrame(b)
		b.ReportMetric(ms(settle)/float64(b.N), "settle-ms")
	})
	b.Run("markers", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := tr.Settled(ctx, tr.Mark()); err != nil {
				b.Fatal(err)
			}
		}
		perFrame(b)
	})
	if alone > 0 && settled > 0 {
		b.Logf("1080p frame: capture %.3f ms, with the markers %.3f ms: +%.3f ms (%.2fx)",
			ms(alone), ms(settled), ms(settled-alone), float64(settled)/float64(alone))
	}
}

func perFrame(b *testing.B) time.Duration {
	d := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(ms(d), "ms/frame")
	return d
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
