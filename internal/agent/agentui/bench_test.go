//go:build linux

package agentui

import (
	"context"
	"fmt"
	"image"
	"slices"
	"testing"
	"time"

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

// BenchmarkQuestionShown measures how long a question takes from Ask to a
// window frame that shows it, fitted and in place. The baseline, in the
// same run, is a status change reaching the screen the same way (one
// redraw of the panel); questions report their ratio to it as x-redraw.
func BenchmarkQuestionShown(b *testing.B) {
	o := openUI(b)
	var base float64
	b.Run("baseline-status-redraw", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			op := fmt.Sprintf("Operator %d", i)
			o.u.SetStatus(Status{Operator: op, Mode: ModeView})
			o.poll(b, func(li layoutInfo) bool { return li.fits && slices.Contains(li.Texts, op+" is viewing your screen.") })
		}
		base = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(1, "x-redraw")
	})
	b.Run("question", func(b *testing.B) {
		for b.Loop() {
			done := make(chan struct{})
			go func() {
				o.u.Ask(context.Background(), Request{Kind: KindMode, Operator: "Ana", Mode: ModeControl})
				close(done)
			}()
			var id uint64
			o.poll(b, func(li layoutInfo) bool { id = li.prompt; return li.fits && li.prompt != 0 })
			b.StopTimer()
			o.u.model.answer(id, Deny)
			<-done
			o.poll(b, func(li layoutInfo) bool { return li.fits && li.prompt == 0 })
			b.StartTimer()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-redraw")
	})
}

// poll waits, for at most 10 s, for a frame that satisfies cond.
func (o *opened) poll(b *testing.B, cond func(layoutInfo) bool) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Microsecond) {
		o.u.mu.Lock()
		li := o.u.layout
		o.u.mu.Unlock()
		if cond(li) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal("no such frame within 10 s")
		}
	}
}
