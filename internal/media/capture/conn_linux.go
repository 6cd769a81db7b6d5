package capture

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// Screen is one capture session on one X display. Next and NextCursor are
// meant to run in two goroutines (video and pointer), concurrently with
// Monitors and Select from a third; concurrent calls to Next (or to
// NextCursor) are serialized.
type Screen struct {
	log  *slog.Logger
	opts Options
	conn *xgb.Conn
	root xproto.Window

	damage  *damageState // nil without DAMAGE: Next compares tiles
	xfixes  bool         // cursor shapes available
	randr   randrInfo
	wake    chan struct{} // damage or layout change; capacity 1
	shapeCh chan struct{} // cursor shape changed; capacity 1
	closing chan struct{} // closed by Close
	done    chan struct{} // closed when the event loop ends
	once    sync.Once

	layoutStale atomic.Bool // set by events: enumerate monitors again
	refresh     atomic.Bool // set by Refresh: the next frame is a full one
	mu          sync.Mutex  // guards monitors, selected, rootSize
	monitors    []Monitor
	selected    int
	rootSize    image.Point

	atomMu sync.Mutex
	atoms  map[xproto.Atom]string // monitor names, cached

	capMu       sync.Mutex // held by Next; guards the fields below
	cap         captureState
	layoutAt    time.Time     // when Next last read the layout
	layoutEvery time.Duration // how often Next reads it without an event

	curMu sync.Mutex // held by NextCursor
	cur   cursorState
}

// Open connects to the X display and prepares capture: shared memory,
// change detection, monitor list. Close releases all of it.
func Open(ctx context.Context, opts Options) (*Screen, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open screen: %w", err)
	}
	display := opts.Display
	if display == "" {
		display = os.Getenv("DISPLAY")
	}
	if display == "" {
		return nil, errors.New("open screen: no X display: set DISPLAY or pass -display")
	}
	conn, err := xconn.Dial(display)
	if err != nil {
		return nil, fmt.Errorf("open screen: connect to X display %q (is an X session running, and may this user use it?): %w", display, err)
	}
	s := newScreen(conn, opts)
	if err := s.init(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open screen %q: %w", display, err)
	}
	s.log.Info("capture: ready", "display", display, "shm", s.cap.seg != nil, "damage", s.damage != nil,
		"cursor_shapes", s.xfixes, "monitors", len(s.monitors))
	go s.readEvents()
	return s, nil
}

func newScreen(conn *xgb.Conn, opts Options) *Screen {
	return &Screen{
		log:     opts.logger(),
		opts:    opts,
		conn:    conn,
		root:    xproto.Setup(conn).DefaultScreen(conn).Root,
		wake:    make(chan struct{}, 1),
		shapeCh: make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		cur:     cursorState{shapeStale: true},
		atoms:   map[xproto.Atom]string{},
		// Monitors defined by clients (xrandr --setmonitor) change without
		// any event, so a busy Next rereads the layout now and then.
		layoutEvery: time.Second,
	}
}

// init checks the pixel format and sets up each extension; only a pixel
// format we cannot read is fatal, missing extensions have fallbacks.
func (s *Screen) init() error {
	if err := checkFormat(s.conn); err != nil {
		return err
	}
	s.randr = initRandR(s.conn, s.root, s.log)
	s.xfixes = initXFixes(s.conn, s.root, s.log)
	if s.xfixes && !s.opts.noDamage {
		s.damage = initDamage(s.conn, s.root, s.log)
	}
	if s.damage == nil {
		s.log.Info("capture: no DAMAGE extension, comparing tiles", "interval", s.opts.pollInterval())
	}
	if err := s.loadLayout(); err != nil {
		return err
	}
	return s.cap.resize(s.conn, s.rootSize, !s.opts.noSHM, s.log)
}

// checkFormat accepts the one layout almost every X server uses today:
// 32 bits per pixel, little-endian, blue in the low byte (BGRX in memory).
func checkFormat(c *xgb.Conn) error {
	setup := xproto.Setup(c)
	scr := setup.DefaultScreen(c)
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == scr.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	var red, blue uint32
	for _, d := range scr.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId == scr.RootVisual {
				red, blue = v.RedMask, v.BlueMask
			}
		}
	}
	if bpp != 32 || setup.ImageByteOrder != xproto.ImageOrderLSBFirst || red != 0xff0000 || blue != 0xff {
		return fmt.Errorf("unsupported screen format (depth %d, %d bits per pixel): run the X server at depth 24", scr.RootDepth, bpp)
	}
	return nil
}

// readEvents is the only reader of the connection's events. It turns them
// into wake-ups and stops when the connection closes.
func (s *Screen) readEvents() {
	defer close(s.done)
	for {
		ev, xerr := s.conn.WaitForEvent()
		if ev == nil && xerr == nil {
			return
		}
		if xerr != nil {
			s.log.Debug("capture: x error", "err", xerr.Error())
			continue
		}
		switch {
		case isDamage(ev):
			signal(s.wake)
		case isLayout(ev):
			s.layoutStale.Store(true)
			signal(s.wake)
		case isCursorShape(ev):
			signal(s.shapeCh)
		}
	}
}

// signal wakes a waiter without blocking; one pending wake-up is enough.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Close stops capture and frees the shared memory; any Frame returned
// before is invalid afterwards. It is safe to call more than once.
func (s *Screen) Close() error {
	s.once.Do(func() {
		close(s.closing)
		s.capMu.Lock() // wait for a capture in flight
		defer s.capMu.Unlock()
		s.cap.release(s.conn)
		s.damage.destroy(s.conn)
		s.conn.Close()
		<-s.done
		s.cap.unmap()
	})
	return nil
}

// wait blocks until woken by ch, ctx or Close.
func (s *Screen) wait(ctx context.Context, ch <-chan struct{}, timer <-chan time.Time) error {
	select {
	case <-ch:
		return nil
	case <-timer:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return ErrClosed
	case <-s.done:
		return fmt.Errorf("x connection lost: %w", ErrClosed)
	}
}
