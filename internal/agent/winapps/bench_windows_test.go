//go:build windows

package winapps

import "testing"

// BenchmarkList measures one read of the desktop's windows (EnumWindows
// and what is read of each window), which a poll costs and a frame costs
// twice while applications are chosen. Run it on the desktop to measure,
// under Wine with `go test -c` and wine64 as TestWindowsAgentUnderWine
// does.
func BenchmarkList(b *testing.B) {
	list := NewLister()
	l, err := list()
	if err != nil {
		b.Skip("no windows to list:", err)
	}
	for b.Loop() {
		if _, err := list(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(l.Windows)), "windows")
}
