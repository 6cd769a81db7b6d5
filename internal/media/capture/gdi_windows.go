//go:build windows

package capture

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// GDI is the Windows screen source: GDI BitBlt of the selected monitor
// (or the whole virtual screen) into one DIB section kept for the size,
// compared tile by tile with the previous frame, since GDI reports no
// damage. It keeps the X11 source's contract: Next returns a frame only
// when something changed (a still screen costs one BitBlt and one compare
// per poll, every Options.PollInterval, four times less often after a
// second without change and ten times after ten seconds, and sends
// nothing), Frame.Dirty lists the changed tiles, and
// coordinates are the virtual screen's (Windows screen coordinates: the
// primary monitor starts at 0,0, others may be negative).
//
// Desktop Duplication (DXGI) would report damage and the pointer itself;
// it is the better source on real Windows and is not written yet.
type GDI struct {
	opts    Options
	log     *slog.Logger
	wake    chan struct{}
	curWake chan struct{} // NextCursor samples at once (Wake)
	closing chan struct{}
	once    sync.Once
	refresh atomic.Bool
	active  atomic.Int64 // UnixNano of the last frame or Wake

	mu       sync.Mutex
	selected int
	mons     []Monitor
	screen   image.Rectangle // the virtual screen, read with mons
	layoutAt time.Time

	capMu   sync.Mutex // Next, Prepare and Close
	dib     *dib
	prev    []byte
	frame   Frame
	area    image.Rectangle
	monitor int
	scratch []image.Rectangle

	curMu  sync.Mutex // NextCursor, CursorNow
	cursor gdiCursor
}

// OpenGDI starts capturing the whole virtual screen. The process is made
// DPI-aware first, so that GDI hands out real pixels, not scaled ones.
func OpenGDI(ctx context.Context, opts Options) (*GDI, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open screen: %w", err)
	}
	procSetProcessDPIAware.Call()
	s := &GDI{opts: opts, log: opts.logger(), wake: make(chan struct{}, 1), curWake: make(chan struct{}, 1), closing: make(chan struct{}), selected: All}
	if err := s.loadLayout(); err != nil {
		return nil, fmt.Errorf("open screen: %w", err)
	}
	s.log.Info("capture: GDI BitBlt", "monitors", len(s.mons), "screen", virtualScreen().String())
	return s, nil
}

func (s *GDI) loadLayout() error {
	ms, err := monitors()
	if err != nil {
		return err
	}
	screen := virtualScreen()
	s.mu.Lock()
	s.mons, s.screen, s.layoutAt = ms, screen, time.Now()
	s.mu.Unlock()
	return nil
}

// Monitors returns the monitors as last read (at most a second old while
// frames flow).
func (s *GDI) Monitors() []Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Monitor(nil), s.mons...)
}

// Select shares one monitor by ID, or All.
func (s *GDI) Select(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != All && !hasMonitor(s.mons, id) {
		return fmt.Errorf("select monitor %d: no such monitor", id)
	}
	s.selected = id
	signal(s.wake)
	return nil
}

func hasMonitor(ms []Monitor, id int) bool {
	for _, m := range ms {
		if m.ID == id {
			return true
		}
	}
	return false
}

// Refresh makes the next frame whole and wakes Next for it.
func (s *GDI) Refresh() {
	s.refresh.Store(true)
	signal(s.wake)
}

// Next blocks until the selected area changed and returns a frame of it;
// the first call returns a whole frame at once. The Frame and its Pix are
// the GDI's until the next call to Next or Close.
func (s *GDI) Next(ctx context.Context) (*Frame, error) {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		f, err := s.tryFrame()
		if f != nil || err != nil {
			s.active.Store(time.Now().UnixNano())
			return f, err
		}
		t.Reset(s.pollWait())
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("next frame: %w", ctx.Err())
		case <-s.closing:
			return nil, ErrClosed
		case <-s.wake:
		case <-t.C:
		}
	}
}

// idleAfter is how long the screen must be still before it is polled
// idleSlowdown times less often, and stillAfter before stillSlowdown times
// less often (every 200 and 500 ms by default): a grab costs milliseconds
// of CPU (GDI has no damage report), and under Wine each wake-up about one
// more, which a still screen does not deserve. Wake, called for every
// input event the agent injects and, on the Windows platform with a
// window, every one of the customer's own (GetLastInputInfo), brings back
// the fast pace at once, so a change that input causes is not late; one
// that comes by itself (a clock, a video) is seen within the slow pace.
const (
	idleAfter     = time.Second
	idleSlowdown  = 4
	stillAfter    = 10 * time.Second
	stillSlowdown = 10
)

func (s *GDI) pollWait() time.Duration {
	return s.opts.pollInterval() * slowdown(time.Since(time.Unix(0, s.active.Load())))
}

// slowdown is how many times slower than the fast pace a screen still
// for so long is polled.
func slowdown(still time.Duration) time.Duration {
	switch {
	case still > stillAfter:
		return stillSlowdown
	case still > idleAfter:
		return idleSlowdown
	}
	return 1
}

// Wake brings back the fast pace, polling the screen and the pointer at
// once if the screen was idle: the agent calls it for each input event it
// injects and each the customer makes (the screen is about to change), so
// it polls no more often than the fast pace.
func (s *GDI) Wake() {
	idle := time.Since(time.Unix(0, s.active.Swap(time.Now().UnixNano()))) > idleAfter
	if idle {
		signal(s.wake)
		signal(s.curWake)
	}
}

// Prepare makes the DIB section for the next frame's size, so that the
// first frame after the customer's consent does not pay for it, and
// returns that size.
func (s *GDI) Prepare(ctx context.Context) (image.Point, error) {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	if err := ctx.Err(); err != nil {
		return image.Point{}, fmt.Errorf("prepare capture: %w", err)
	}
	area, _, err := s.target()
	if err != nil {
		return image.Point{}, fmt.Errorf("prepare capture: %w", err)
	}
	s.refresh.Store(true)
	return area.Size(), nil
}

// tryFrame grabs the selected area and returns a frame when any tile
// changed, nil otherwise.
func (s *GDI) tryFrame() (*Frame, error) {
	select {
	case <-s.closing:
		return nil, ErrClosed
	default:
	}
	area, mon, err := s.target()
	if err != nil {
		return nil, fmt.Errorf("next frame: %w", err)
	}
	full := s.frame.Seq == 0 || area != s.area || mon != s.monitor || s.refresh.Swap(false)
	mark := s.opts.marker().Mark
	if err := s.dib.grab(area); err != nil {
		return nil, fmt.Errorf("next frame: %w", err)
	}
	size := area.Size()
	pix, n := s.dib.pix, 4*size.X*size.Y
	dirty := s.scratch[:0]
	if full || len(s.prev) != n {
		s.prev = append(s.prev[:0], pix[:n]...)
		dirty = append(dirty, image.Rectangle{Max: size})
	} else {
		dirty = coalesce(diffTiles(dirty, s.prev, pix, 4*size.X, size.X, size.Y), image.Rectangle{Max: size})
	}
	s.scratch = dirty
	if len(dirty) == 0 {
		return nil, nil
	}
	s.area, s.monitor = area, mon
	f := &s.frame
	f.Pix, f.Stride, f.Width, f.Height = pix, 4*size.X, size.X, size.Y
	f.Origin, f.Monitor, f.Dirty, f.Mark = area.Min, mon, dirty, mark
	f.Captured = time.Now()
	f.Seq++
	return f, nil
}

// target returns the selected area in screen coordinates, rereading the
// layout (monitors and virtual screen: under Wine each GetSystemMetrics is
// a round trip to wineserver) once a second, and makes the DIB section
// fit it.
func (s *GDI) target() (image.Rectangle, int, error) {
	s.mu.Lock()
	stale := time.Since(s.layoutAt) >= time.Second
	s.mu.Unlock()
	if stale {
		if err := s.loadLayout(); err != nil {
			return image.Rectangle{}, 0, err
		}
	}
	s.mu.Lock()
	sel, ms, area := s.selected, s.mons, s.screen
	s.mu.Unlock()
	mon := All
	for _, m := range ms {
		if m.ID == sel {
			area, mon = m.Bounds(), sel
		}
	}
	if area.Empty() {
		return image.Rectangle{}, 0, fmt.Errorf("the screen is empty (%v)", area)
	}
	if s.dib == nil || s.dib.size != area.Size() {
		s.dib.free()
		s.dib = nil
		d, err := newDIB(area.Size())
		if err != nil {
			return image.Rectangle{}, 0, err
		}
		s.dib = d
	}
	return area, mon, nil
}

// Close stops capture and frees the DIB section; frames returned before
// are invalid afterwards. It is safe to call more than once.
func (s *GDI) Close() error {
	s.once.Do(func() { close(s.closing) })
	s.capMu.Lock()
	defer s.capMu.Unlock()
	s.dib.free()
	s.dib = nil
	return nil
}

// signal wakes a waiter without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
