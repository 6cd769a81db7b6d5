package session

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"time"

	"github.com/tandem-remote/tandem/internal/capture"
	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/proto"
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
// package proto for why). It returns when ctx ends or the link closes.
func (a *agentScreen) cursorLoop(ctx context.Context) {
	ch := a.r.link.Channel(peer.ChannelCursor)
	cs := cursorSender{
		next: a.nextCursor, place: a.cursorPos, log: a.log,
		send:  func(ctx context.Context, b []byte) error { return ch.Send(ctx, b) },
		shape: a.sendShape,
	}
	cs.run(ctx)
}

// nextCursor returns the next pointer change while the screen is shared;
// while it is not, it waits (and the pointer is not read at all).
func (a *agentScreen) nextCursor(ctx context.Context) (capture.Cursor, error) {
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
	next  func(context.Context) (capture.Cursor, error) // the next pointer change
	place func(capture.Cursor, uint16) proto.CursorPos  // position to send
	send  func(context.Context, []byte) error           // on the cursor channel
	shape func(context.Context, capture.Cursor)         // a new shape
	log   *slog.Logger
}

// run sends each pointer change, at most one every cursorGap (the
// pointer's latest position then), and the position at rest once more
// after cursorSettle. It returns when ctx ends or sending fails.
func (cs *cursorSender) run(ctx context.Context) {
	var (
		last    capture.Cursor // latest pointer read
		sent    proto.CursorPos
		have    bool // last holds a pointer
		settled bool // the position at rest went out again
		buf     []byte
	)
	for {
		wctx, cancel := context.WithTimeout(ctx, cursorSettle)
		c, err := cs.next(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			pos := cs.place(last, sent.Seq+1)
			if !have || (settled && samePlace(pos, sent)) {
				continue
			}
			sent, settled = pos, true
		case err != nil:
			cs.log.Warn("pointer not followed", "err", err)
			return
		default:
			if c.Pixels != nil {
				cs.shape(ctx, c)
			}
			last, have, settled = c, true, false
			sent = cs.place(c, sent.Seq+1)
		}
		buf = proto.AppendCursorPos(buf[:0], sent)
		if err := cs.send(ctx, append([]byte(nil), buf...)); err != nil {
			return
		}
		if !sleep(ctx, cursorGap) {
			return
		}
	}
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
// frame's origin), or hides it when it is on another monitor.
func (a *agentScreen) cursorPos(c capture.Cursor, seq uint16) proto.CursorPos {
	p := proto.CursorPos{Seq: seq, Serial: c.Serial}
	r := a.sharedBounds()
	if pt := image.Pt(c.X, c.Y); !pt.In(r) {
		p.Hidden = true
		return p
	}
	p.X, p.Y = int32(c.X-r.Min.X), int32(c.Y-r.Min.Y)
	return p
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
func (a *agentScreen) sendShape(ctx context.Context, c capture.Cursor) {
	b, err := proto.AppendCursorShape(nil, fitCursor(c))
	if err != nil {
		a.log.Warn("pointer shape not sent", "err", err)
		return
	}
	a.r.sendControl(ctx, proto.TypeCursorShape, proto.CursorShapeMsg{Data: b})
}
