package capture

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/jezek/xgb/xproto"
)

// Next blocks until the selected monitor changed and returns a frame of it
// with the changed rectangles; the first call returns a full frame at once.
// An unchanged screen costs nothing: Next sleeps on the server's damage
// event. The Frame and its Pix are reused: they stay valid only until the
// next call to Next or Close.
func (s *Screen) Next(ctx context.Context) (*Frame, error) {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	var tick <-chan time.Time
	if s.damage == nil {
		t := time.NewTicker(s.opts.pollInterval())
		defer t.Stop()
		tick = t.C
	}
	for {
		f, err := s.tryFrame()
		if f != nil || err != nil {
			return f, err
		}
		if err := s.wait(ctx, s.wake, tick); err != nil {
			return nil, fmt.Errorf("next frame: %w", err)
		}
	}
}

// Refresh makes the next frame a full one, read from the screen whole, and
// wakes Next for it: for a caller that altered the pixels it was given
// (masking) or must show the screen afresh after a pause.
func (s *Screen) Refresh() {
	s.refresh.Store(true)
	signal(s.wake)
}

// Prepare readies the capture of the next frame without returning one:
// it catches up with the layout, makes the shared-memory segment for the
// screen's size, grabs the selected area into it once and reads a byte of
// every page, so that the segment's pages are mapped on both sides (the
// first conversion of a 1080p frame otherwise takes some 2 000 page
// faults, about 26 ms of CPU here). It returns the size of the
// frame Next will return next. The pixels it grabbed are never handed
// out: the next frame is read whole, afresh (and the last frame returned
// is invalid, as after Next). The agent prepares while the customer is
// still being asked whether to share.
func (s *Screen) Prepare(ctx context.Context) (image.Point, error) {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	select {
	case <-s.closing:
		return image.Point{}, ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return image.Point{}, fmt.Errorf("prepare capture: %w", err)
	}
	area, _, err := s.target()
	if err != nil {
		return image.Point{}, fmt.Errorf("prepare capture: %w", err)
	}
	if s.cap.seg != nil { // without shared memory a grab warms nothing
		pix, err := s.cap.grab(s.conn, s.root, area)
		if err != nil {
			return image.Point{}, fmt.Errorf("prepare capture: %w", err)
		}
		s.cap.touched = touchPages(pix)
	}
	s.refresh.Store(true)
	return area.Size(), nil
}

// touchPages reads one byte of every page of b, which maps them in this
// process; the result only keeps the reads from being optimized away.
func touchPages(b []byte) byte {
	var sum byte
	for i := 0; i < len(b); i += 4096 {
		sum += b[i]
	}
	return sum
}

// tryFrame captures a frame if anything in the selected area changed and
// returns nil, nil otherwise.
func (s *Screen) tryFrame() (*Frame, error) {
	select {
	case <-s.closing:
		return nil, ErrClosed
	default:
	}
	area, mon, err := s.target()
	if err != nil {
		return nil, fmt.Errorf("next frame: %w", err)
	}
	cs := &s.cap
	full := cs.frame.Seq == 0 || area != cs.area || mon != cs.monitor || s.refresh.Swap(false)
	dirty := cs.scratch[:0]
	if s.damage != nil {
		if dirty, err = s.damage.take(s.conn, dirty); err != nil {
			return nil, fmt.Errorf("next frame: %w", err)
		}
		dirty = coalesce(dirty, area)
		if !full && len(dirty) == 0 {
			return nil, nil
		}
	}
	mark := s.sendMarker()
	pix, dirty, err := s.grab(area, full, dirty)
	if err != nil {
		return nil, fmt.Errorf("next frame: %w", err)
	}
	cs.scratch = dirty
	if len(dirty) == 0 {
		return nil, nil
	}
	cs.area, cs.monitor = area, mon
	f := cs.fill(pix, area, mon, dirty)
	f.Mark = mark
	return f, nil
}

// grab reads the pixels: all of them for a full frame or without DAMAGE
// (then comparing tiles gives the dirty list), else only the dirty rows.
func (s *Screen) grab(area image.Rectangle, full bool, dirty []image.Rectangle) ([]byte, []image.Rectangle, error) {
	cs := &s.cap
	var pix []byte
	var err error
	if full || s.damage == nil {
		pix, err = cs.grab(s.conn, s.root, area)
	} else {
		pix, err = cs.grabRows(s.conn, s.root, area, dirty)
	}
	if err != nil {
		return nil, dirty, err
	}
	if s.damage == nil {
		dirty = cs.compare(dirty, pix, area.Size(), full)
	}
	if full {
		dirty = append(dirty[:0], image.Rectangle{Max: area.Size()})
	}
	return pix, dirty, nil
}

// target returns the selected area in virtual-screen coordinates, after
// catching up with layout changes the event loop reported.
func (s *Screen) target() (image.Rectangle, int, error) {
	if s.layoutStale.Load() || time.Since(s.layoutAt) >= s.layoutEvery {
		if err := s.loadLayout(); err != nil {
			return image.Rectangle{}, 0, err
		}
		s.layoutAt = time.Now()
	}
	s.mu.Lock()
	size, sel, ms := s.rootSize, s.selected, s.monitors
	s.mu.Unlock()
	if size != s.cap.size {
		s.log.Info("capture: screen size changed", "width", size.X, "height", size.Y)
		if err := s.cap.resize(s.conn, size, !s.opts.noSHM, s.log); err != nil {
			return image.Rectangle{}, 0, err
		}
	}
	screen := image.Rectangle{Max: size}
	for _, m := range ms {
		if m.ID == sel {
			return m.Bounds().Intersect(screen), sel, nil
		}
	}
	return screen, All, nil
}

// compare finds the changed tiles against the previous frame, for servers
// without DAMAGE. A full frame only refreshes the copy.
func (cs *captureState) compare(dst []image.Rectangle, pix []byte, size image.Point, full bool) []image.Rectangle {
	n := 4 * size.X * size.Y
	if full || len(cs.prev) != n {
		cs.prev = append(cs.prev[:0], pix[:n]...)
		return dst
	}
	dst = diffTiles(dst, cs.prev, pix, 4*size.X, size.X, size.Y)
	return coalesce(dst, image.Rectangle{Max: size})
}

// fill updates the one Frame handed out by Next.
func (cs *captureState) fill(pix []byte, area image.Rectangle, mon int, dirty []image.Rectangle) *Frame {
	f := &cs.frame
	f.Pix, f.Stride = pix, 4*area.Dx()
	f.Width, f.Height = area.Dx(), area.Dy()
	f.Origin, f.Monitor = area.Min, mon
	f.Dirty = dirty
	f.Captured = time.Now()
	f.Seq++
	return f
}

// sendMarker sends Options.Mark's event, without waiting: the server
// handles it before the grab that follows on this connection.
func (s *Screen) sendMarker() uint64 {
	m := s.opts.marker()
	if m.Window != 0 && len(m.Event) == 32 {
		xproto.SendEvent(s.conn, false, xproto.Window(m.Window), 0, string(m.Event))
	}
	return m.Mark
}
