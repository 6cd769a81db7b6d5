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
// So a frame is masked only with a region known to match it. Markers order
// the two connections: a marker is a ClientMessage sent to a window of the
// tracker's own, which the server sends back on the tracker's connection,
// behind every event it generated before. The capture sends one on its
// own connection just before it asks for the pixels (MarkEvent; Mark for a
// caller without a connection), and the tracker another (Settled) once
// they came back; the tracker counts the window changes between the two in
// its event stream. None means that no window changed while the frame was
// captured, and the region the tracker reads after the second marker is
// the one the frame shows, provided no window changed while it read the
// tree either. Otherwise the caller captures again. A busy tracker (a
// slow read of a large tree) delays the answer but does not make it
// "changed": only changes in the server between the two markers do.

// ErrClosed is returned by Settled once the tracker is closed or its
// connection is gone.
var ErrClosed = errors.New("appsel: window tracker closed")

// Stamp names a marker sent by Mark.
type Stamp uint32

// markRing is how many markers the tracker remembers: far more than can be
// sent between a frame's two.
const markRing = 256

// markRecord is what the tracker noted of a marker.
type markRecord struct {
	mark    uint32
	foreign bool   // sent on another connection (MarkEvent)
	changes uint64 // window changes in the event stream before it
	// certain: no window changed between it and the read of the tree
	// whose region Settled returns.
	certain bool
}

// Mark sends a marker to the tracker's connection and returns its name
// for Settled once the server has handled it (a round trip, which does not
// wait for the tracker itself). Call it just before capturing.
func (t *Tracker) Mark() Stamp {
	m, err := t.sendMarker()
	if err != nil {
		return 0
	}
	if _, err := xproto.GetInputFocus(t.conn).Reply(); err != nil {
		return 0
	}
	return Stamp(m)
}

// MarkEvent returns a marker for another X connection to send, with
// SendEvent to window and an empty event mask, right before it asks for a
// frame's pixels: the server handles the two in that order, so this saves
// Mark's round trip. Hand the stamp to Settled after the capture.
func (t *Tracker) MarkEvent() (s Stamp, window uint32, event []byte) {
	t.markMu.Lock()
	defer t.markMu.Unlock()
	select {
	case <-t.done:
		return 0, 0, nil
	default:
	}
	m := t.nextMark()
	return Stamp(m), uint32(t.marker), t.markerEvent(m, foreignMark)
}

// Settled waits until the tracker has handled every event the X server
// sent it before this call (a round trip on the tracker's connection) and
// returns the shared region then. still reports whether no window changed
// (position, size, stacking, mapping, or what program it belongs to; not
// its title) between Mark's marker s and now, nor while the region was
// read: the region then is also the one at any moment since s.
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
			from, to := t.marksSeen[uint32(s)%markRing], t.marksSeen[seq%markRing]
			still = from.mark == uint32(s) && s != 0 && to.mark == seq && to.certain && from.changes == to.changes
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
// are numbered and sent under markMu, so that the tracker's own come back
// in the order of their numbers.
func (t *Tracker) sendMarker() (uint32, error) {
	t.markMu.Lock()
	defer t.markMu.Unlock()
	select {
	case <-t.done:
		return 0, ErrClosed
	default:
	}
	m := t.nextMark()
	xproto.SendEvent(t.conn, false, t.marker, 0, string(t.markerEvent(m, 0)))
	return m, nil
}

// foreignMark flags a marker sent on another connection (MarkEvent): it
// may overtake the tracker's own, so it does not count as handled ones.
const foreignMark = 1

// nextMark numbers the next marker; markMu held.
func (t *Tracker) nextMark() uint32 {
	if t.marks++; t.marks == 0 {
		t.marks++ // 0 names no marker
	}
	return t.marks
}

func (t *Tracker) markerEvent(m, flags uint32) []byte {
	ev := xproto.ClientMessageEvent{
		Format: 32, Window: t.marker, Type: xproto.AtomInteger,
		Data: xproto.ClientMessageDataUnionData32New([]uint32{m, flags, 0, 0, 0}),
	}
	return ev.Bytes()
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
	events  int  // events and errors taken
	dirty   bool // the list or the region may have changed
	changes int  // window changes (see Settled)
	marks   []markRecord
}

// take adds one event (or error) to b. Window changes and markers are
// counted in the order of the event stream.
func (t *Tracker) take(b *burst, ev xgb.Event, xerr xgb.Error) {
	b.events++
	if m, ok := ev.(xproto.ClientMessageEvent); ok && m.Window == t.marker {
		b.marks = append(b.marks, markRecord{mark: m.Data.Data32[0], foreign: m.Data.Data32[1] == foreignMark, changes: t.changes})
		return
	}
	if !t.relevant(ev, xerr) {
		return
	}
	b.dirty = true
	if p, ok := ev.(xproto.PropertyNotifyEvent); !ok || !isTitle(p.Atom, t.atoms) {
		b.changes++
		t.changes++
	}
}

func isTitle(a xproto.Atom, at atoms) bool { return a == at.netWMName || a == xproto.AtomWmName }

// finish publishes the markers a burst held, once the tree was read after
// them. The region shows the windows as of a marker only if no window
// changed after it: neither later in the burst (drained is the count of
// changes the read followed) nor during the read (quiet also says that the
// read succeeded).
func (t *Tracker) finish(b burst, drained uint64, quiet bool) {
	if len(b.marks) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	own := false
	for _, m := range b.marks {
		m.certain = quiet && m.changes == drained
		t.marksSeen[m.mark%markRing] = m
		if !m.foreign {
			t.settled, own = m.mark, true
		}
	}
	if own {
		close(t.settledCh)
		t.settledCh = make(chan struct{})
	}
}
