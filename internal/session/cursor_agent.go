package session

import (
	"context"
	"errors"
	"image"
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
	var (
		last    capture.Cursor // latest pointer read
		sent    proto.CursorPos
		have    bool // last holds a pointer
		settled bool // the position at rest went out again
		buf     []byte
	)
	for {
		wctx, cancel := context.WithTimeout(ctx, cursorSettle)
		c, err := a.scr.NextCursor(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			pos := a.cursorPos(last, sent.Seq+1)
			if !have || (settled && samePlace(pos, sent)) {
				continue
			}
			sent, settled = pos, true
		case err != nil:
			a.log.Warn("pointer not followed", "err", err)
			return
		default:
			if c.Pixels != nil {
				a.sendShape(ctx, c)
			}
			last, have, settled = c, true, false
			sent = a.cursorPos(c, sent.Seq+1)
		}
		buf = proto.AppendCursorPos(buf[:0], sent)
		if err := ch.Send(ctx, append([]byte(nil), buf...)); err != nil {
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
