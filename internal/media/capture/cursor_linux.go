package capture

import (
	"context"
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xfixes"
	"github.com/jezek/xgb/xproto"
)

// cursorState is what NextCursor remembers between calls.
type cursorState struct {
	last       Cursor    // Pixels always nil here
	sent       bool      // last has been returned at least once
	shapeStale bool      // a shape-change event arrived since the last fetch
	moved      time.Time // when last changed
}

func isCursorShape(ev xgb.Event) bool {
	_, ok := ev.(xfixes.CursorNotifyEvent)
	return ok
}

// NextCursor blocks until the pointer moved or changed shape and returns it;
// the first call returns at once. The shape's pixels are included only when
// its Serial changed, so a moving pointer costs a few bytes. While a caller
// waits, the position is sampled (the X server announces shape changes but
// not moves): every Options.CursorInterval while the pointer moves, five
// times less often once it has been still for a second, which keeps an idle
// session near zero CPU. Nobody waiting, nothing sampled.
func (s *Screen) NextCursor(ctx context.Context) (Cursor, error) {
	s.curMu.Lock()
	defer s.curMu.Unlock()
	t := time.NewTimer(0)
	defer t.Stop()
	<-t.C
	for {
		c, err := s.sampleCursor()
		if err != nil {
			select {
			case <-s.closing:
				err = ErrClosed // the connection went away under us
			default:
			}
			return Cursor{}, fmt.Errorf("next cursor: %w", err)
		}
		if s.cur.changed(c) {
			return c, nil
		}
		t.Reset(s.cur.interval(s.opts.cursorInterval()))
		select {
		case <-s.shapeCh:
			s.cur.shapeStale = true
		case <-t.C:
		case <-ctx.Done():
			return Cursor{}, fmt.Errorf("next cursor: %w", ctx.Err())
		case <-s.closing:
			return Cursor{}, fmt.Errorf("next cursor: %w", ErrClosed)
		case <-s.done:
			return Cursor{}, fmt.Errorf("next cursor: x connection lost: %w", ErrClosed)
		}
	}
}

// changed records c as the last cursor and reports whether it differs.
func (cs *cursorState) changed(c Cursor) bool {
	l := cs.last
	if cs.sent && c.X == l.X && c.Y == l.Y && c.Serial == l.Serial {
		return false
	}
	cs.last, cs.sent = c, true
	cs.last.Pixels = nil
	cs.moved = time.Now()
	return true
}

// interval is how long to wait before the next sample: fast right after a
// change, slower once the pointer has rested for a second.
func (cs *cursorState) interval(fast time.Duration) time.Duration {
	if time.Since(cs.moved) < time.Second {
		return fast
	}
	return 5 * fast
}

// sampleCursor reads the position, and the shape when it may have changed.
func (s *Screen) sampleCursor() (Cursor, error) {
	if s.xfixes && s.cur.shapeStale {
		return s.fetchShape()
	}
	p, err := xproto.QueryPointer(s.conn, s.root).Reply()
	if err != nil {
		return Cursor{}, fmt.Errorf("query pointer: %w", err)
	}
	c := s.cur.last
	c.X, c.Y = int(p.RootX), int(p.RootY)
	return c, nil
}

// CursorNow reads the pointer's position and shape in one request, so
// that the shape is the one the screen shows at that position, and
// returns them with the shape's pixels whatever the serial. (NextCursor
// reads positions alone while the shape seems unchanged; the server's
// shape-change event may still be on its way.) The agent calls it when the
// pointer comes back into what is shared. Without XFIXES it returns the
// position and no shape. What it returns counts as returned by NextCursor.
func (s *Screen) CursorNow() (Cursor, error) {
	s.curMu.Lock()
	defer s.curMu.Unlock()
	var c Cursor
	var err error
	if s.xfixes {
		c, err = s.readShape(true)
	} else {
		c, err = s.sampleCursor()
	}
	if err != nil {
		return Cursor{}, fmt.Errorf("read cursor: %w", err)
	}
	s.cur.changed(c)
	return c, nil
}

// fetchShape reads position and shape in one request. Pixels are set only
// when the serial is new.
func (s *Screen) fetchShape() (Cursor, error) {
	return s.readShape(false)
}

// readShape reads position and shape in one request, with the pixels when
// always is set or the serial is new.
func (s *Screen) readShape(always bool) (Cursor, error) {
	r, err := xfixes.GetCursorImage(s.conn).Reply()
	if err != nil {
		return Cursor{}, fmt.Errorf("get cursor image: %w", err)
	}
	s.cur.shapeStale = false
	c := Cursor{
		X: int(r.X), Y: int(r.Y), HotX: int(r.Xhot), HotY: int(r.Yhot),
		W: int(r.Width), H: int(r.Height), Serial: r.CursorSerial,
	}
	if always || !s.cur.sent || c.Serial != s.cur.last.Serial {
		c.Pixels = argbToRGBA(r.CursorImage)
	}
	return c, nil
}

// argbToRGBA turns the server's premultiplied ARGB words into premultiplied
// RGBA bytes, the layout of image.RGBA.
func argbToRGBA(argb []uint32) []byte {
	out := make([]byte, 4*len(argb))
	for i, p := range argb {
		out[4*i+0] = byte(p >> 16)
		out[4*i+1] = byte(p >> 8)
		out[4*i+2] = byte(p)
		out[4*i+3] = byte(p >> 24)
	}
	return out
}
