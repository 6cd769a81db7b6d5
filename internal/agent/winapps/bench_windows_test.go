//go:build windows

package winapps

import "testing"

// BenchmarkList measures one read of the desktop's windows, which a poll
// costs and a frame costs twice while applications are chosen: enum is
// EnumWindows alone, visible adds IsWindowVisible for each window it
// returns, list is the whole read. Run it on the desktop to measure, under
// Wine with `go test -c` and wine64 as TestWindowsAgentUnderWine does.
func BenchmarkList(b *testing.B) {
	list := NewLister()
	l, err := list()
	if err != nil {
		b.Skip("no windows to list:", err)
	}
	all, _ := enumWindows()
	b.Run("enum", func(b *testing.B) {
		for b.Loop() {
			enumWindows()
		}
		b.ReportMetric(float64(len(all)), "windows")
	})
	b.Run("visible", func(b *testing.B) {
		for b.Loop() {
			hs, _ := enumWindows()
			for _, h := range hs {
				call(procIsWindowVisible, uintptr(h))
			}
		}
	})
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			if _, err := list(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(l.Windows)), "windows")
	})
}
