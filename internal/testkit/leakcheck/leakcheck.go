// Package leakcheck is a test helper: it fails a test whose goroutines
// outlive it. Every goroutine in Tandem has an owner that stops it; this is
// how tests hold the code to that.
//
// It names the goroutines that leaked (go.uber.org/goleak compares stacks
// by goroutine ID), rather than counting them: a count lets one goroutine
// that ended stand in for one that leaked, and says nothing of which.
package leakcheck

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// grace is how long goroutines may take to end after a test's cleanups:
// links and windows end theirs asynchronously, and a loaded machine is slow.
const grace = 15 * time.Second

// Check notes the goroutines running now and, when the test's cleanups run,
// fails the test if any goroutine started since is still running after
// the grace period, with the stacks of those that remain. Call it first in
// a test so that its cleanup runs after every other one.
//
// Check looks at the whole process, so a test that calls it must not run
// in parallel with others (t.Parallel): their goroutines would count as its
// leaks. A package whose tests run in parallel uses Main instead.
func Check(t testing.TB) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if err := settle(before); err != nil {
			t.Errorf("goroutine leak: %v", err)
		}
	})
}

// Main runs a package's tests and fails the run if any goroutine outlives
// them all (after the grace period). Call it from TestMain in packages
// whose tests run in parallel.
func Main(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := settle(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutine leak after all tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// settle retries goleak.Find until nothing is left or grace has passed.
func settle(opts ...goleak.Option) error {
	deadline := time.Now().Add(grace)
	for {
		err := goleak.Find(opts...)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
