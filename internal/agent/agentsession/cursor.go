package agentsession

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

const (
	// cursorGap spaces the positions sent while the pointer moves: about
	// 60 a second, as smooth as a display shows it.
	cursorGap = 16 * time.Millisecond
	// cursorSettle is how long the pointer rests before its position is
	// sent once more: the cursor channel does not retransmit, so the last
	// position of a movement might have been lost. It is also how soon a
	// change of the shared monitor moves the technician's pointer.
	cursorSettle = 250 * time.Millisecond
)

// cursorLoop sends the customer's pointer to the technician: positions on
// the cursor channel, shapes on the control channel when they change (see
// package proto for why). Outside what is shared (another monitor, or a
// window the customer did not choose) it says "hidden" and nothing more:
// no position, no shape. It returns when ctx ends or the link closes.
func (a *screenShare) cursorLoop(ctx context.Context) {
	ch := a.r.Link().Channel(peer.ChannelCursor)
	cs := cursorSender{
		next: a.nextCursor, now: a.scr.CursorNow, place: a.cursorPos, log: a.log,
		send:  func(ctx context.Context, b []byte) error { return ch.Send(ctx, b) },
		shape: a.sendShape,
	}
	cs.run(ctx)
}

// nextCursor returns the next pointer change while the screen is shared;
// while it is not, it waits (and the pointer is not read at all).
func (a *screenShare) nextCursor(ctx context.Context) (capture.Cursor, error) {
	for {
		st, changed := a.consent.watch()
		if st.Sharing() {
			break
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return capture.Cursor{}, ctx.Err()
		}
	}
	return a.scr.NextCursor(ctx)
}

// cursorSender is the agent's pointer loop, apart from the screen and the
// link so that its timing can be tested.
type cursorSender struct {
	next func(context.Context) (capture.Cursor, error) // the next pointer change
	// now reads position and shape together, the shape's pixels included:
	// the pointer's shape as it comes back into what is shared.
	now   func() (capture.Cursor, error)
	place func(capture.Cursor, uint16) proto.CursorPos // position to send; Hidden outside what is shared
	send  func(context.Context, []byte) error          // on the cursor channel
	shape func(context.Context, capture.Cursor)        // a new shape
	log   *slog.Logger
}

// pointerState is what the sender remembers between pointer changes.
type pointerState struct {
	last      capture.Cursor  // latest pointer read
	have      bool            // last holds a pointer
	sent      proto.CursorPos // latest position sent
	sentAny   bool            // sent holds one
	sentAt    time.Time
	settled   bool   // the latest position went out once more
	shape     uint32 // serial of the latest shape sent
	shapeSent bool
}

// told reports whether the technician was told the pointer is hidden.
func (st *pointerState) told() bool { return st.sentAny && st.sent.Hidden }

// wait is how long to wait for a change before sending the position once
// more. "Hidden" is repeated cursorSettle after it first went out, however
// the pointer moves outside, so that the repeat says nothing of it.
func (st *pointerState) wait() time.Duration {
	if st.told() && !st.settled {
		return max(time.Millisecond, cursorSettle-time.Since(st.sentAt))
	}
	return cursorSettle
}

// run sends each pointer change, at most one every cursorGap (the
// pointer's latest position then), and the position at rest once more
// after cursorSettle. It returns when ctx ends or sending fails.
func (cs *cursorSender) run(ctx context.Context) {
	var st pointerState
	var buf []byte
	for {
		wctx, cancel := context.WithTimeout(ctx, st.wait())
		c, err := cs.next(wctx)
		cancel()
		var pos proto.CursorPos
		var ok bool
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			pos, ok = cs.atRest(ctx, &st)
		case err != nil:
			cs.log.Warn("pointer not followed", "err", err)
			return
		default:
			pos, ok = cs.moved(ctx, &st, c)
		}
		if !ok {
			continue
		}
		buf = proto.AppendCursorPos(buf[:0], pos)
		if err := cs.send(ctx, append([]byte(nil), buf...)); err != nil {
			return
		}
		st.sent, st.sentAny, st.sentAt = pos, true, time.Now()
		if !sleep(ctx, cursorGap) {
			return
		}
	}
}

// moved decides what a pointer change sends: its position while shared (a
// new shape first), and whether to send it.
func (cs *cursorSender) moved(ctx context.Context, st *pointerState, c capture.Cursor) (proto.CursorPos, bool) {
	st.last, st.have = c, true
	pos := cs.place(c, st.sent.Seq+1)
	switch {
	case pos.Hidden:
		return cs.hidden(st, pos)
	case !st.told() && st.sentAny:
		if c.Pixels != nil {
			cs.sendShape(ctx, st, c)
		}
	default:
		if pos = cs.enter(ctx, st, c); pos.Hidden {
			return cs.hidden(st, pos)
		}
	}
	st.settled = false
	return pos, true
}

// atRest decides what to send when the pointer has not moved for a while:
// its position once more, or a new one when what is shared changed
// around it.
func (cs *cursorSender) atRest(ctx context.Context, st *pointerState) (proto.CursorPos, bool) {
	if !st.have {
		return proto.CursorPos{}, false
	}
	pos := cs.place(st.last, st.sent.Seq+1)
	switch {
	case pos.Hidden:
		return cs.hidden(st, pos)
	case st.told():
		if pos = cs.enter(ctx, st, st.last); pos.Hidden {
			return cs.hidden(st, pos)
		}
		st.settled = false
		return pos, true
	case st.settled && samePlace(pos, st.sent):
		return pos, false
	}
	st.settled = true
	return pos, true
}

// hidden decides what to send while the pointer is outside what is
// shared: "hidden" as it leaves and once more cursorSettle later, naming
// the last shape sent (nothing of the shapes outside), then nothing.
func (cs *cursorSender) hidden(st *pointerState, pos proto.CursorPos) (proto.CursorPos, bool) {
	pos.Serial = st.shape
	if !st.told() {
		st.settled = false
		return pos, true
	}
	if !st.settled && time.Since(st.sentAt) >= cursorSettle {
		st.settled = true
		return pos, true
	}
	return pos, false
}

// enter reads the pointer afresh as it comes (back) into what is shared,
// position and shape together: the shape a moment ago may be one from
// outside, its change not yet announced. It sends that shape if new and
// returns the position (Hidden if the fresh read is outside after all).
func (cs *cursorSender) enter(ctx context.Context, st *pointerState, c capture.Cursor) proto.CursorPos {
	fresh, err := cs.now()
	if err != nil {
		cs.log.Warn("pointer read again", "err", err)
		fresh, fresh.Pixels = c, nil
	}
	st.last = fresh
	pos := cs.place(fresh, st.sent.Seq+1)
	if !pos.Hidden && fresh.Pixels != nil && (!st.shapeSent || fresh.Serial != st.shape) {
		cs.sendShape(ctx, st, fresh)
	}
	return pos
}

func (cs *cursorSender) sendShape(ctx context.Context, st *pointerState, c capture.Cursor) {
	cs.shape(ctx, c)
	st.shape, st.shapeSent = c.Serial, true
}

func samePlace(p, q proto.CursorPos) bool {
	p.Seq = q.Seq
	return p == q
}

// sleep waits for d or ctx and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// cursorPos places the pointer relative to the shared monitor (the video
// frame's origin), or hides it when it is on another monitor or, when the
// customer chose applications, outside their windows.
func (a *agentScreen) cursorPos(c capture.Cursor, seq uint16) proto.CursorPos {
	p := proto.CursorPos{Seq: seq, Serial: c.Serial}
	r := a.sharedBounds()
	if pt := image.Pt(c.X, c.Y); !pt.In(r) || !a.pointerShared(pt) {
		p.Hidden = true
		return p
	}
	p.X, p.Y = int32(c.X-r.Min.X), int32(c.Y-r.Min.Y)
	return p
}

// pointerShared reports whether the pointer, just read, is over a shared
// application window. The region is settled first (a round trip on the
// window tracker's connection), so that a window that moved under the
// pointer before it was read counts.
func (a *agentScreen) pointerShared(pt image.Point) bool {
	if a.apps == nil || a.apps.Region().All {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, _, err := a.apps.Settled(ctx, 0)
	return err == nil && r.Contains(pt)
}

// sharedBounds is the shared monitor's rectangle in virtual-screen
// coordinates: the whole virtual screen when all monitors are shared.
func (a *agentScreen) sharedBounds() image.Rectangle {
	a.mu.Lock()
	defer a.mu.Unlock()
	var all image.Rectangle
	for _, m := range a.monitors {
		if m.ID == a.current {
			return m.Bounds()
		}
		all = all.Union(m.Bounds())
	}
	return all
}

// sendShape sends a new pointer shape, scaled down to proto.MaxCursorSize
// when larger.
func (a *screenShare) sendShape(ctx context.Context, c capture.Cursor) {
	b, err := proto.AppendCursorShape(nil, fitCursor(c))
	if err != nil {
		a.log.Warn("pointer shape not sent", "err", err)
		return
	}
	a.r.SendControl(ctx, proto.TypeCursorShape, proto.CursorShapeMsg{Data: b})
}
