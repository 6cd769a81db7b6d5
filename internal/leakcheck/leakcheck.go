// Package leakcheck is a test helper: it fails a test whose goroutines
// outlive it. Every goroutine in Tandem has an owner that stops it; this is
// how tests hold the code to that.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Check records the goroutine count now and, when the test's cleanups run,
// fails it if more goroutines are still running after a grace period. Call
// it first in a test so that its cleanup runs after every other one.
func Check(t testing.TB) {
	t.Helper()
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(15 * time.Second)
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("goroutine leak: %d running, %d before the test\n%s", runtime.NumGoroutine(), base, buf[:n])
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
