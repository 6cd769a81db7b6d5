package agentui

import (
	"image"
	"testing"

	"github.com/jezek/xgb/xproto"
)

// BenchmarkBounds measures what the agent pays per remote pointer event to
// keep it off the window: Covers asks the X server where the window is now.
// The baseline, in the same run, is the cheapest X round trip there is
// (GetInputFocus on the keeper's connection); each result reports its
// ratio to it as x-round-trips.
func BenchmarkBounds(b *testing.B) {
	o := openUI(b)
	k := o.u.keeper
	var base float64
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"baseline-one-round-trip", func() { xproto.GetInputFocus(k.conn).Reply() }},
		{"Bounds", func() { o.u.Bounds() }},
		{"Covers", func() { o.u.Covers(image.Pt(1000, 20)) }},
		{"Focused", func() { o.u.Focused() }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.f()
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if base == 0 {
				base = ns
			}
			b.ReportMetric(ns/base, "x-round-trips")
		})
	}
}
