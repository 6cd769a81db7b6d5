package leakcheck

import (
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestSettleNamesTheLeak starts a goroutine that outlives the snapshot and
// checks that settle reports it by its function, then that it passes once
// the goroutine has ended.
func TestSettleNamesTheLeak(t *testing.T) {
	before := goleak.IgnoreCurrent()
	stop := make(chan struct{})
	done := make(chan struct{})
	go leakyWorker(stop, done)
	if err := goleak.Find(before); err == nil || !strings.Contains(err.Error(), "leakyWorker") {
		t.Fatalf("Find with a live worker = %v, want an error naming leakyWorker", err)
	}
	go func() { time.Sleep(100 * time.Millisecond); close(stop) }()
	if err := settle(before); err != nil {
		t.Fatalf("settle after the worker ends: %v", err)
	}
	<-done
}

func leakyWorker(stop, done chan struct{}) {
	defer close(done)
	<-stop
}
