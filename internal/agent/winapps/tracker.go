package winapps

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// Top is one visible top-level window as a Lister reads it.
type Top struct {
	ID      uint32 // the HWND
	Title   string
	Program string // the process's image name, e.g. "notepad.exe"
	PID     int
	// Bounds is the window's visible frame in virtual-screen pixels
	// (the primary monitor starts at 0,0).
	Bounds image.Rectangle
	// Listed: an application window the customer may choose (titled,
	// not a tool window, not the shell's, not the agent's own).
	Listed bool
	// Shell: the desktop or the taskbar, never shared by following its
	// process (explorer.exe owns them and folder windows alike).
	Shell bool
}

// Layout is the screen's visible top-level windows at one moment, top of
// the stack first, and the virtual screen.
type Layout struct {
	Screen  image.Rectangle
	Windows []Top
}

// same reports whether a and b place the same windows in the same order:
// what the region depends on (titles aside).
func (a Layout) same(b Layout) bool {
	return a.Screen == b.Screen && slices.EqualFunc(a.Windows, b.Windows, func(x, y Top) bool {
		return x.ID == y.ID && x.Bounds == y.Bounds && x.PID == y.PID && x.Listed == y.Listed && x.Shell == y.Shell
	})
}

// Lister reads the layout now.
type Lister func() (Layout, error)

// Options configures New.
type Options struct {
	// List reads the windows: EnumWindows on Windows (NewLister).
	List Lister
	// Exclude hides windows from the list and from the selection (the
	// agent's own); they still cover what lies below them.
	Exclude func(id uint32) bool
	// PollInterval is how often the windows are read for Changed
	// (default DefaultPoll).
	PollInterval time.Duration
	Logger       *slog.Logger // nil discards
}

// DefaultPoll is the tracker's pace when nothing reads it otherwise: the
// chooser's list and the region follow windows within half a second; while
// applications are chosen, every frame reads the layout twice anyway.
// While the whole screen is shared and nothing moves, the pace slows to
// idleSlowdown times this.
const DefaultPoll = 500 * time.Millisecond

// ErrClosed is returned by Settled once the tracker is closed.
var ErrClosed = errors.New("winapps: window tracker closed")

// Tracker follows the top-level windows and the customer's selection among
// them. Its methods are safe for concurrent use.
type Tracker struct {
	o       Options
	log     *slog.Logger
	changed chan struct{}
	poke    chan struct{} // back to PollInterval (a choice was made)
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	readMu sync.Mutex // one read at a time, published in the order read

	mu     sync.Mutex
	layout Layout
	sel    selection
	region appsel.Region
	marks  [markRing]mark
	last   uint32 // the last marker's number
}

// selection is what the customer chose: whole screen, or windows and
// their processes.
type selection struct {
	all  bool
	ids  map[uint32]bool
	pids map[int]bool
}

// New reads the windows once and starts polling them. The selection
// starts as the whole screen.
func New(o Options) (*Tracker, error) {
	if o.List == nil {
		return nil, errors.New("winapps: no window lister")
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPoll
	}
	t := &Tracker{o: o, log: o.Logger, changed: make(chan struct{}, 1), poke: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		sel: selection{all: true}, region: appsel.Region{All: true}}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if _, err := t.read(); err != nil {
		return nil, fmt.Errorf("list windows: %w", err)
	}
	go t.poll()
	return t, nil
}

func (t *Tracker) poll() {
	defer close(t.done)
	timer := time.NewTimer(t.o.PollInterval)
	defer timer.Stop()
	still := 0 // reads in a row that found nothing changed
	for {
		select {
		case <-t.stop:
			return
		case <-t.poke:
			still = 0
		case <-timer.C:
			if t.readStill() {
				still++
			} else {
				still = 0
			}
		}
		wait := t.o.PollInterval
		if still >= stillReads {
			wait *= idleSlowdown
		}
		timer.Reset(wait)
	}
}

// While the whole screen is shared and stillReads reads in a row found
// the windows where they were, the tracker reads them idleSlowdown times
// less often (every 2 s by default): under Wine each read costs
// milliseconds of wineserver round trips, and each wake-up of the poller
// about one more, which an idle agent should not spend. The chooser's
// list of a still desktop then lags by up to that. Any change, or a
// choice of applications (whose frames read the layout anyway), brings
// back PollInterval.
const (
	stillReads   = 10
	idleSlowdown = 4
)

// readStill reads the windows and reports whether nothing needs the fast
// pace: the whole screen is shared and the windows are where they were.
func (t *Tracker) readStill() bool {
	before := t.current()
	l, err := t.read()
	if err != nil {
		t.log.Debug("list windows", "err", err)
		return false
	}
	return t.Region().All && l.same(before)
}

// current is the layout read last.
func (t *Tracker) current() Layout {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layout
}

// read lists the windows and publishes them: the region is recomputed,
// and Changed signalled if the list or the region moved.
func (t *Tracker) read() (Layout, error) {
	t.readMu.Lock()
	defer t.readMu.Unlock()
	l, err := t.o.List()
	if err != nil {
		return Layout{}, err
	}
	if t.o.Exclude != nil {
		for i := range l.Windows {
			if t.o.Exclude(l.Windows[i].ID) {
				l.Windows[i].Listed = false
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	before := t.listed()
	t.layout = l
	if !slices.Equal(before, t.listed()) {
		t.notify()
	}
	t.update()
	return l, nil
}

// Close stops polling.
func (t *Tracker) Close() error {
	t.once.Do(func() { close(t.stop) })
	<-t.done
	return nil
}

// Changed is signalled (coalesced) after any change of Windows or Region.
func (t *Tracker) Changed() <-chan struct{} { return t.changed }

func (t *Tracker) notify() { signal(t.changed) }

// signal wakes a waiter on ch without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// closed reports whether Close was called.
func (t *Tracker) closed() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

// Settled reads the layout again and returns its region, and whether it
// places every window as the read of Marker's stamp s did (see the package
// doc for what that promises, and what not). s = 0 names no read: still is
// false.
func (t *Tracker) Settled(ctx context.Context, s appsel.Stamp) (appsel.Region, bool, error) {
	if err := ctx.Err(); err != nil {
		return appsel.Region{}, false, fmt.Errorf("settle window tracker: %w", err)
	}
	if t.closed() {
		return appsel.Region{}, false, ErrClosed
	}
	now, err := t.read()
	if err != nil {
		return appsel.Region{}, false, fmt.Errorf("settle window tracker: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.marks[uint32(s)%markRing]
	still := s != 0 && m.n == uint32(s) && m.ok && m.layout.same(now)
	return appsel.Region{All: t.region.All, Rects: slices.Clone(t.region.Rects)}, still, nil
}

// markRing is how many marked reads the tracker keeps: far more than
// frames in flight between a Marker and its Settled.
const markRing = 64

// mark is a read of the layout named for Settled.
type mark struct {
	n      uint32
	ok     bool // the read succeeded
	layout Layout
}

// Marker reads the layout now and names the read: the capture calls it
// just before it copies a frame's pixels and the frame carries the name,
// which the agent hands to Settled.
func (t *Tracker) Marker() capture.Marker {
	l, err := t.read()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last++; t.last == 0 {
		t.last++ // 0 names no read
	}
	t.marks[t.last%markRing] = mark{n: t.last, ok: err == nil, layout: l}
	return capture.Marker{Mark: uint64(t.last)}
}
