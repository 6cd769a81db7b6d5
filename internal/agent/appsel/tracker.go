package appsel

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
)

// Window is an application window as the customer sees it in the list.
type Window struct {
	ID      uint32 // the application's window (not its window-manager frame)
	Title   string
	Program string // WM_CLASS class, or the process's command name without one
	PID     int    // _NET_WM_PID, 0 when the window does not say
	// Bounds is the window on screen in root coordinates: its frame,
	// decorations included, when a window manager reparents it.
	Bounds image.Rectangle
}

// Options configures Open.
type Options struct {
	// Display names the X display, such as ":0"; empty means $DISPLAY.
	Display string
	// Logger receives X errors; nil discards.
	Logger *slog.Logger
	// Exclude hides windows from the list (the agent's own, say); they
	// still cover what lies below them. Nil excludes nothing.
	Exclude func(id uint32) bool
}

// Tracker follows the display's application windows and the customer's
// selection among them. Its methods are safe for concurrent use.
type Tracker struct {
	conn    *xgb.Conn
	root    xproto.Window
	atoms   atoms
	log     *slog.Logger
	exclude func(uint32) bool
	changed chan struct{}
	done    chan struct{} // closed when the event loop returns
	watched map[xproto.Window]bool
	marker  xproto.Window // receives Settled's markers (see settle.go)

	markMu  sync.Mutex // orders markers: numbered and sent under it
	marks   uint32     // the last marker's number
	changes uint64     // window changes in the event stream (the loop's own)

	mu      sync.Mutex
	entries []entry // top of the stack first
	screen  image.Rectangle
	sel     selection
	region  Region
	// What Settled reads: the markers handled lately, the last one, and a
	// channel closed when another is.
	marksSeen [markRing]markRecord
	settled   uint32
	settledCh chan struct{}
}

// selection is what the customer chose.
type selection struct {
	all      bool
	ids      map[uint32]bool
	programs map[program]bool
}

// Open connects to the display, reads its windows and starts following
// them. The selection starts as the whole screen.
func Open(ctx context.Context, o Options) (*Tracker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := xconn.Dial(o.Display)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", o.Display, err)
	}
	t, err := start(c, o)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("follow windows on X display %q: %w", o.Display, err)
	}
	return t, nil
}

func start(c *xgb.Conn, o Options) (*Tracker, error) {
	a, err := internAtoms(c)
	if err != nil {
		return nil, err
	}
	t := &Tracker{
		conn: c, root: xproto.Setup(c).DefaultScreen(c).Root, atoms: a,
		log: o.Logger, exclude: o.Exclude,
		changed: make(chan struct{}, 1), done: make(chan struct{}),
		sel: selection{all: true}, region: Region{All: true}, settledCh: make(chan struct{}),
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if t.marker, err = createMarker(c, t.root); err != nil {
		return nil, err
	}
	mask := uint32(xproto.EventMaskSubstructureNotify | xproto.EventMaskStructureNotify | xproto.EventMaskPropertyChange)
	if err := xproto.ChangeWindowAttributesChecked(c, t.root, xproto.CwEventMask, []uint32{mask}).Check(); err != nil {
		return nil, fmt.Errorf("watch root window: %w", err)
	}
	if err := t.refresh(); err != nil {
		return nil, err
	}
	go t.loop()
	return t, nil
}

// loop waits for events, drains each burst, then reads the tree again and
// answers the markers the burst held. It returns when the connection
// closes.
func (t *Tracker) loop() {
	defer close(t.done)
	var b burst
	failed := false // the last read of the tree failed
	for {
		if b.events == 0 {
			ev, xerr := t.conn.WaitForEvent()
			if ev == nil && xerr == nil {
				return
			}
			t.take(&b, ev, xerr)
		}
		t.drain(&b)
		drained := t.changes // the read below shows at least these
		if b.dirty {
			err := t.refresh()
			if failed = err != nil; failed && !errors.Is(err, io.EOF) {
				t.log.Warn("read window tree", "err", err)
			}
		}
		// What arrived while the tree was read: a window that changed
		// then may or may not show in what the read found.
		var after burst
		t.drain(&after)
		t.finish(b, drained, !failed && after.changes == 0)
		b = after
	}
}

// drain takes every event already queued into b.
func (t *Tracker) drain(b *burst) {
	for {
		ev, xerr := t.conn.PollForEvent()
		if ev == nil && xerr == nil {
			return
		}
		t.take(b, ev, xerr)
	}
}

// relevant reports whether an event can change the list or the region.
// Errors come from windows that vanished between a scan's requests: the
// events that announce their end trigger the next scan.
func (t *Tracker) relevant(ev xgb.Event, xerr xgb.Error) bool {
	if xerr != nil {
		t.log.Debug("x request failed", "err", xerr)
		return false
	}
	if p, ok := ev.(xproto.PropertyNotifyEvent); ok {
		if p.Window == t.root {
			return p.Atom == t.atoms.netClientList
		}
		return t.atoms.watchedProperty(p.Atom)
	}
	return true
}

// refresh scans the tree and publishes the result.
func (t *Tracker) refresh() error {
	entries, screen, err := t.scan()
	if err != nil {
		return err
	}
	t.watch(entries)
	t.mu.Lock()
	defer t.mu.Unlock()
	before := t.listed()
	t.entries, t.screen = entries, screen
	if !slices.Equal(before, t.listed()) {
		t.notify()
	}
	t.update()
	return nil
}
