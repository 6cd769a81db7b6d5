package agentsession

import (
	"context"
	"fmt"
	"image"
	"slices"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/link/screen"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// gatedSource stands between the capture and the video sender and lets
// through only what the customer shares: its screen.Gate lets nothing out
// before consent or while paused (Next then waits without capturing), and
// its filter, when the customer chose applications, only their windows —
// every other pixel of every frame is blacked out here, in the agent,
// before encoding.
type gatedSource struct {
	src screen.RefreshSource
	// state says whether frames go out now, and gives a channel closed at
	// the next change.
	state func() (on bool, changed <-chan struct{})
	// apps says what of the screen is shared; nil means all of it.
	apps sharedWindows

	gate *screen.Gate  // made by the first Next, from the fields above
	last appsel.Region // region of the last frame let through
}

// Next returns the next frame to send. It blocks while nothing is shared.
func (g *gatedSource) Next(ctx context.Context) (*capture.Frame, error) {
	if g.gate == nil {
		g.gate = &screen.Gate{Source: g.src, State: g.state, Filter: g.filter}
	}
	return g.gate.Next(ctx)
}

// sharedWindows is the window tracker as the gate uses it (see
// appsel.Tracker.Settled for why a frame waits for it).
type sharedWindows interface {
	Region() appsel.Region
	Settled(ctx context.Context, s appsel.Stamp) (appsel.Region, bool, error)
}

// sharing is the agent's gate state: the customer shares the screen.
func (c *consent) sharing() (bool, <-chan struct{}) {
	st, changed := c.watch()
	return st.Sharing(), changed
}

// filter masks f to the shared region. It returns false when a window
// moved while f was captured (f.Mark names the tracker's marker from just
// before), or when the region changed since the last frame and f is not
// whole: the capture is then asked for a whole fresh frame, because pixels
// blacked out before may now be shared, and pixels shared before must now
// be blacked out.
func (g *gatedSource) filter(ctx context.Context, f *capture.Frame) (bool, error) {
	if g.apps == nil {
		return true, nil
	}
	r := g.apps.Region()
	if !r.All {
		var still bool
		var err error
		if r, still, err = g.apps.Settled(ctx, appsel.Stamp(f.Mark)); err != nil {
			g.src.Refresh() // what f brought was never sent
			return false, fmt.Errorf("follow the shared windows: %w", err)
		}
		if !still {
			g.src.Refresh()
			return false, nil
		}
	}
	if !sameRegion(r, g.last) {
		if !wholeFrame(f) {
			g.src.Refresh()
			return false, nil
		}
		g.last = appsel.Region{All: r.All, Rects: slices.Clone(r.Rects)}
	}
	if r.All {
		return true, nil
	}
	for _, d := range f.Dirty {
		off := d.Min.Y*f.Stride + d.Min.X*4
		appsel.MaskBGRX(f.Pix[off:], f.Stride, f.Origin.Add(d.Min), d.Size(), r)
	}
	return true, nil
}

func sameRegion(a, b appsel.Region) bool {
	return a.All == b.All && slices.Equal(a.Rects, b.Rects)
}

func wholeFrame(f *capture.Frame) bool {
	return len(f.Dirty) == 1 && f.Dirty[0] == image.Rect(0, 0, f.Width, f.Height)
}
