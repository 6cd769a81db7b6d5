package techsession

import (
	"context"
	"errors"
	"time"

	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// cursorReportGap spaces the headless "cursor" events: a few a second say
// where the pointer went without flooding a script's log.
const cursorReportGap = 200 * time.Millisecond

// cursorLoop receives the agent's pointer positions, drops those that
// arrive after a newer one (the channel keeps no order), and hands the rest
// to the events (CursorEvent) and, at most every cursorReportGap, to the report. The last
// position of a movement is always reported, a little late if need be.
func (v *techView) cursorLoop(ctx context.Context) {
	v.followCursor(ctx, v.r.Link().Channel(peer.ChannelCursor).Recv)
}

// followCursor is cursorLoop reading from recv, so that its timing can be
// tested without a link.
func (v *techView) followCursor(ctx context.Context, recv func(context.Context) ([]byte, error)) {
	var (
		last     proto.CursorPos
		have     bool
		pending  bool // last is not reported yet
		reported time.Time
	)
	for {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if pending {
			rctx, cancel = context.WithDeadline(ctx, reported.Add(cursorReportGap))
		}
		b, err := recv(rctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			v.r.Report().Cursor(last)
			pending, reported = false, time.Now()
			continue
		case err != nil:
			return
		}
		p, err := proto.DecodeCursorPos(b)
		if err != nil {
			v.log.Warn("bad cursor message", "err", err)
			continue
		}
		if have && !p.Newer(last) {
			continue
		}
		last, have = p, true
		v.emit(CursorEvent{p})
		pending = true
		if time.Since(reported) >= cursorReportGap {
			v.r.Report().Cursor(p)
			pending, reported = false, time.Now()
		}
	}
}

// onCursorShape decodes a pointer shape from the control channel for
// the events (CursorShapeEvent).
func (v *techView) onCursorShape(env proto.Envelope) {
	m, err := proto.Body[proto.CursorShapeMsg](env)
	if err != nil {
		v.log.Warn("bad cursor shape", "err", err)
		return
	}
	s, err := proto.DecodeCursorShape(m.Data)
	if err != nil {
		v.log.Warn("bad cursor shape", "err", err)
		return
	}
	v.r.Report().CursorShape(s)
	v.emit(CursorShapeEvent{s})
}
