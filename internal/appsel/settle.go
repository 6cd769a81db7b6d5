package appsel

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// The tracker and the capture each have their own X connection, and the X
// server orders nothing between two clients' event streams: when a window
// moves, the capture may read the new picture before the tracker has heard
// of the move. A frame masked with the region the tracker had then could
// show a window that is not shared over a shared one.
//
// So a frame is masked only with a region known to match it. The capture
// notes the tracker's Stamp (how many window changes it had heard of) just
// before it asks for the pixels; after the pixels came back, Settled sends
// the tracker's connection a marker (a ClientMessage to a window of its
// own, which the server sends back on that connection) and waits until the
// tracker has handled it. The server queues a client's events in the order
// it generates them, so every change made before the capture reaches the
// tracker ahead of the marker. If none arrived since the stamp, no window
// moved between the stamp and the capture, and the region after the marker
// is the one the frame shows; otherwise the caller captures again.

// ErrClosed is returned by Settled once the tracker is closed or its
// connection is gone.
var ErrClosed = errors.New("appsel: window tracker closed")

// Stamp is how many window changes the tracker had heard of at a moment.
type Stamp uint64

// Stamp returns the tracker's count of window changes so far: changes of
// position, size, stacking, mapping or of what a window belongs to, that
// is anything that can move the shared region (not title changes).
func (t *Tracker) Stamp() Stamp {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen
}

// Settled waits until the tracker has handled every event the X server
// sent it before this call (a round trip on the tracker's connection) and
// returns the shared region then. still reports whether no window changed
// since s, nor did the tracker fail to read the tree: the region then is
// also the one at any moment between s and this call.
func (t *Tracker) Settled(ctx context.Context, s Stamp) (r Region, still bool, err error) {
	seq, err := t.sendMarker()
	if err != nil {
		return Region{}, false, err
	}
	for {
		t.mu.Lock()
		done, ch := int32(t.settled-seq) >= 0, t.settledCh
		if done {
			r = Region{All: t.region.All, Rects: slices.Clone(t.region.Rects)}
			still = t.seen == s && !t.stale
			t.mu.Unlock()
			return r, still, nil
		}
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Region{}, false, fmt.Errorf("settle window tracker: %w", ctx.Err())
		case <-t.done:
			return Region{}, false, ErrClosed
		}
	}
}

// sendMarker sends the next marker to the tracker's own window. Markers
// are numbered and sent under markMu, so that they come back in the order
// of their numbers.
func (t *Tracker) sendMarker() (uint32, error) {
	t.markMu.Lock()
	defer t.markMu.Unlock()
	select {
	case <-t.done:
		return 0, ErrClosed
	default:
	}
	t.marks++
	ev := xproto.ClientMessageEvent{
		Format: 32, Window: t.marker, Type: xproto.AtomInteger,
		Data: xproto.ClientMessageDataUnionData32New([]uint32{t.marks, 0, 0, 0, 0}),
	}
	xproto.SendEvent(t.conn, false, t.marker, 0, string(ev.Bytes()))
	return t.marks, nil
}

// createMarker makes the unmapped input-only window that markers are sent
// to: with an empty event mask, SendEvent delivers to the window's creator.
func createMarker(c *xgb.Conn, root xproto.Window) (xproto.Window, error) {
	w, err := xproto.NewWindowId(c)
	if err != nil {
		return 0, fmt.Errorf("create marker window: %w", err)
	}
	err = xproto.CreateWindowChecked(c, 0, w, root, -1, -1, 1, 1, 0, xproto.WindowClassInputOnly, 0,
		xproto.CwOverrideRedirect, []uint32{1}).Check()
	if err != nil {
		return 0, fmt.Errorf("create marker window: %w", err)
	}
	return w, nil
}

// burst is what the event loop learnt from one burst of events.
type burst struct {
	dirty   bool   // the list or the region may have changed
	changes uint64 // window changes (see Stamp)
	marked  bool   // a marker came back
	mark    uint32 // the newest marker
}

// take adds one event (or error) to b.
func (t *Tracker) take(b *burst, ev xgb.Event, xerr xgb.Error) {
	if m, ok := ev.(xproto.ClientMessageEvent); ok && m.Window == t.marker {
		b.marked, b.mark = true, m.Data.Data32[0]
		return
	}
	if !t.relevant(ev, xerr) {
		return
	}
	b.dirty = true
	if p, ok := ev.(xproto.PropertyNotifyEvent); !ok || !isTitle(p.Atom, t.atoms) {
		b.changes++
	}
}

func isTitle(a xproto.Atom, at atoms) bool { return a == at.netWMName || a == xproto.AtomWmName }

// finish publishes a burst: the changes counted, then the markers it
// answered (after the refresh the burst caused, if any).
func (t *Tracker) finish(b burst, refreshErr error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b.dirty {
		t.stale = refreshErr != nil
	}
	if b.marked {
		t.settled = b.mark
		close(t.settledCh)
		t.settledCh = make(chan struct{})
	}
}

// count records a burst's window changes before the tree is read again.
func (t *Tracker) count(n uint64) {
	if n == 0 {
		return
	}
	t.mu.Lock()
	t.seen += Stamp(n)
	t.mu.Unlock()
}
