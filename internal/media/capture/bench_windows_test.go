//go:build windows

package capture

import (
	"context"
	"testing"
)

// BenchmarkGDI measures the Windows source on the desktop it runs on (run
// it under Wine with `go test -c` and wine64, see README): grab is one
// BitBlt of the whole virtual screen into the DIB section, still is what a
// poll of an unchanged screen costs (the BitBlt and the tile compare that
// finds nothing).
func BenchmarkGDI(b *testing.B) {
	s, err := OpenGDI(context.Background(), Options{})
	if err != nil {
		b.Skip("no desktop to capture:", err)
	}
	defer s.Close()
	area, _, err := s.target()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("virtual screen %v", area)
	b.Run("grab", func(b *testing.B) {
		for b.Loop() {
			if err := s.dib.grab(area); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("still", func(b *testing.B) {
		if _, err := s.tryFrame(); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if f, err := s.tryFrame(); err != nil || f != nil {
				b.Fatalf("a still screen gave frame %v, err %v", f != nil, err)
			}
		}
	})
}
