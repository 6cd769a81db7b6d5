package screen

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/media/capture"
)

// switchState is an on/off state a Gate waits on.
type switchState struct {
	mu      sync.Mutex
	on      bool
	changed chan struct{}
}

func newSwitch(on bool) *switchState { return &switchState{on: on, changed: make(chan struct{})} }

func (s *switchState) set(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = on
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *switchState) state() (bool, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on, s.changed
}

// countedFrames hands out frames numbered by Mark from 1 and logs each
// call, in order: "next 1", "refresh", …; during, if set, runs inside the
// call that captures frame n.
type countedFrames struct {
	mu     sync.Mutex
	calls  []string
	n      uint64
	during map[uint64]func()
}

func (c *countedFrames) Next(ctx context.Context) (*capture.Frame, error) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.calls = append(c.calls, "next")
	hook := c.during[n]
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return &capture.Frame{Mark: n}, nil
}

func (c *countedFrames) Refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, "refresh")
}

func (c *countedFrames) log() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// TestGateWaitsWhileOff: while the gate is off Next captures nothing; once
// it is on, the first frame is a whole fresh one (Refresh first).
func TestGateWaitsWhileOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw := newSwitch(false)
		src := &countedFrames{}
		g := &Gate{Source: src, State: sw.state}
		got := make(chan *capture.Frame, 1)
		go func() {
			f, err := g.Next(t.Context())
			if err != nil {
				t.Error(err)
			}
			got <- f
		}()
		synctest.Wait()
		if calls := src.log(); len(calls) != 0 {
			t.Fatalf("the gate is off and the source saw %q", calls)
		}
		sw.set(true)
		f := <-got
		if calls := src.log(); f.Mark != 1 || len(calls) != 2 || calls[0] != "refresh" || calls[1] != "next" {
			t.Errorf("frame %d after %q; want frame 1 after [refresh next]", f.Mark, calls)
		}
	})
}

// TestGateDropsFrameCapturedAsItCloses: a frame whose capture ends after
// the gate closed is never returned; after the gate opens again the next
// one is whole.
func TestGateDropsFrameCapturedAsItCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw := newSwitch(true)
		src := &countedFrames{during: map[uint64]func(){1: func() {
			sw.set(false)
			go func() { time.Sleep(time.Second); sw.set(true) }()
		}}}
		g := &Gate{Source: src, State: sw.state}
		f, err := g.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if calls := src.log(); f.Mark != 2 || len(calls) != 3 || calls[1] != "refresh" {
			t.Errorf("frame %d after %q; want frame 2 after [next refresh next]", f.Mark, calls)
		}
	})
}

// TestGateFilter: a frame the filter refuses is dropped and the gate
// captures again; the filter's error ends Next.
func TestGateFilter(t *testing.T) {
	src := &countedFrames{}
	on := func() (bool, <-chan struct{}) { return true, nil }
	g := &Gate{Source: src, State: on, Filter: func(_ context.Context, f *capture.Frame) (bool, error) {
		return f.Mark == 3, nil
	}}
	f, err := g.Next(context.Background())
	if err != nil || f.Mark != 3 {
		t.Fatalf("Next = frame %v, %v; want frame 3 (1 and 2 refused)", f, err)
	}
	broken := errors.New("no window list")
	g.Filter = func(context.Context, *capture.Frame) (bool, error) { return false, broken }
	if _, err := g.Next(context.Background()); !errors.Is(err, broken) {
		t.Errorf("Next with a failing filter: %v, want %v", err, broken)
	}
}

// TestGateEndsWithContext: Next waiting on a closed gate returns the
// context's error when it ends.
func TestGateEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := &Gate{Source: &countedFrames{}, State: newSwitch(false).state}
	if _, err := g.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Next = %v, want context.Canceled", err)
	}
}
