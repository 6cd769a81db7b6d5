package screen

import (
	"context"

	"github.com/tandem-remote/tandem/internal/media/capture"
)

// RefreshSource is a capture that can be asked for a whole fresh frame;
// *capture.Screen is one.
type RefreshSource interface {
	Source
	// Refresh makes the next frame whole, every pixel marked dirty.
	Refresh()
}

// Gate is a Source that lets a capture's frames through only while State
// says so: the agent's screen while the customer shares it, the
// technician's in demonstration mode. While it is off, Next waits and
// captures nothing; a frame captured as it turned off is never sent; and
// the first frame after it turned on again is whole, since the receiver's
// picture predates the pause.
type Gate struct {
	Source RefreshSource
	// State says whether frames go out now, and gives a channel closed at
	// the next change.
	State func() (on bool, changed <-chan struct{})
	// Filter, if set, sees each frame that would go out and may change it
	// (the agent masks windows that are not shared); false drops the
	// frame and Next captures again.
	Filter func(ctx context.Context, f *capture.Frame) (bool, error)

	stale bool // the receiver's picture predates a pause
}

// Next returns the next frame to send. It blocks while the gate is off.
func (g *Gate) Next(ctx context.Context) (*capture.Frame, error) {
	for {
		if err := g.waitOn(ctx); err != nil {
			return nil, err
		}
		if g.stale {
			g.Source.Refresh()
			g.stale = false
		}
		f, err := g.Source.Next(ctx)
		if err != nil {
			return nil, err
		}
		if on, _ := g.State(); !on {
			g.stale = true // captured as the gate closed: never sent
			continue
		}
		if g.Filter == nil {
			return f, nil
		}
		ok, err := g.Filter(ctx, f)
		if err != nil {
			return nil, err
		}
		if ok {
			return f, nil
		}
	}
}

// waitOn returns once the gate is on, or with ctx's error.
func (g *Gate) waitOn(ctx context.Context) error {
	for {
		on, changed := g.State()
		if on {
			return nil
		}
		g.stale = true
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
