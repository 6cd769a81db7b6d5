package viewer

import (
	"context"
	"slices"
	"testing"
	"time"

	"gioui.org/app"
	"gioui.org/io/system"
	"gioui.org/op"
)

// BenchmarkOpen measures how long the viewer takes from Run to its first
// drawn window frame (the bar is 300 ms), beside a bare Gio window that
// draws nothing, opened the same way in the same run. Each iteration opens
// and closes a window; the median and the slowest are reported.
//
// Every Gio window opened and closed leaves one X connection open inside
// Gio or Mesa (seen under Xvfb: one more client per window), so each run
// gets a fresh Xvfb to stay clear of its 256-client limit.
func BenchmarkOpen(b *testing.B) {
	b.Run("baseline-bare-gio-window", func(b *testing.B) { reportMedian(b, openBare) })
	b.Run("viewer", func(b *testing.B) { reportMedian(b, openViewer) })
}

func reportMedian(b *testing.B, open func(testing.TB) time.Duration) {
	startXvfb(b)
	var ds []time.Duration
	for range b.N {
		ds = append(ds, open(b))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-open-median")
	b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, "ms-open-max")
}

func openViewer(tb testing.TB) time.Duration {
	v := New(Config{Title: title})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	waitFor(tb, "the first window frame", func() bool { return v.Stats().Redraws >= 1 })
	cancel()
	<-done
	return v.Stats().Opened
}

func openBare(testing.TB) time.Duration {
	start := time.Now()
	var opened time.Duration
	w := new(app.Window)
	w.Option(app.Title(title), app.Size(1280, 800))
	var ops op.Ops
	for {
		switch e := w.Event().(type) {
		case app.DestroyEvent:
			return opened
		case app.FrameEvent:
			ops.Reset()
			e.Frame(&ops)
			if opened == 0 {
				opened = time.Since(start)
				w.Perform(system.ActionClose)
			}
		}
	}
}
