package platformtest

import (
	"context"
	"image"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/localinput"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// Injector records the events the agent injects: those InputOptions.Allow
// let through, in order, on Injected; Dropped counts the others.
type Injector struct {
	injected chan input.Event
	opts     platform.InputOptions
	at       image.Point // the pointer, in root coordinates
	dropped  atomic.Int64
	closed   atomic.Bool
}

func newInjector() *Injector { return &Injector{injected: make(chan input.Event, 256)} }

func (j *Injector) open(o platform.InputOptions) { j.opts = o }

// Inject asks Allow about ev, tells Injecting of it and records it. The
// agent's input loop alone calls it.
func (j *Injector) Inject(ev input.Event) error {
	t := input.Target{Pointer: ev.Type == input.PointerMove || ev.Type == input.ButtonDown || ev.Type == input.ButtonUp || ev.Type == input.Wheel}
	if ev.Type == input.PointerMove {
		j.at = j.place(ev)
	}
	t.Point = j.at
	if j.opts.Allow != nil && !j.opts.Allow(t) {
		j.dropped.Add(1)
		return nil
	}
	if tell := j.opts.Injecting; tell != nil {
		tell(journalKind(ev.Type), uint32(ev.Code), t.Point)
	}
	select {
	case j.injected <- ev:
	default:
	}
	return nil
}

// place maps a per-monitor position to root coordinates.
func (j *Injector) place(ev input.Event) image.Point {
	if j.opts.Monitor != nil {
		if m, ok := j.opts.Monitor(ev.Monitor); ok {
			return m.Min.Add(image.Pt(int(ev.X), int(ev.Y)))
		}
	}
	return image.Pt(int(ev.X), int(ev.Y))
}

func journalKind(t input.Type) localinput.Kind {
	switch t {
	case input.KeyDown:
		return localinput.KeyDown
	case input.KeyUp:
		return localinput.KeyUp
	case input.ButtonDown:
		return localinput.ButtonDown
	case input.ButtonUp:
		return localinput.ButtonUp
	}
	return localinput.Motion
}

// Injected brings each event injected.
func (j *Injector) Injected() <-chan input.Event { return j.injected }

// Dropped counts the events Allow refused.
func (j *Injector) Dropped() int { return int(j.dropped.Load()) }

// Close records that every key was released.
func (j *Injector) Close() error { j.closed.Store(true); return nil }

// Closed reports whether the agent closed the injector.
func (j *Injector) Closed() bool { return j.closed.Load() }

// Clipboard is text in memory. Copy is another program putting text on
// it; Set is the technician's text arriving.
type Clipboard struct {
	changed chan struct{}
	sets    chan string

	mu   sync.Mutex
	text string
}

func newClipboard() *Clipboard {
	return &Clipboard{changed: make(chan struct{}, 1), sets: make(chan string, 16)}
}

// Get returns the text.
func (c *Clipboard) Get(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text, nil
}

// Set puts the technician's text on it (not a change by another program).
func (c *Clipboard) Set(text string) error {
	c.mu.Lock()
	c.text = text
	c.mu.Unlock()
	select {
	case c.sets <- text:
	default:
	}
	return nil
}

// Sets brings each text the agent set.
func (c *Clipboard) Sets() <-chan string { return c.sets }

// Copy is another program of the customer's copying text.
func (c *Clipboard) Copy(text string) {
	c.mu.Lock()
	c.text = text
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Changed is signalled by Copy.
func (c *Clipboard) Changed() <-chan struct{} { return c.changed }

// Close does nothing: the text stays, like a real clipboard's.
func (c *Clipboard) Close() error { return nil }

// Local is the customer's own keyboard and mouse: Touch is the customer
// using them.
type Local struct {
	activity chan struct{}
	injected atomic.Int64

	mu   sync.Mutex
	last time.Time
}

func newLocal() *Local { return &Local{activity: make(chan struct{}, 1)} }

// Touch is the customer pressing a key or moving the mouse now.
func (l *Local) Touch() {
	l.mu.Lock()
	l.last = time.Now()
	l.mu.Unlock()
	select {
	case l.activity <- struct{}{}:
	default:
	}
}

// Activity is signalled by Touch.
func (l *Local) Activity() <-chan struct{} { return l.activity }

// LastActivity is the time of the last Touch.
func (l *Local) LastActivity() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Injecting counts the events the agent said it injects.
func (l *Local) Injecting(localinput.Kind, uint32, image.Point) { l.injected.Add(1) }

// Journalled counts the events the agent said it injects.
func (l *Local) Journalled() int { return int(l.injected.Load()) }

// Close does nothing.
func (l *Local) Close() error { return nil }

// Apps is a fixed list of application windows; the region shared is the
// union of the chosen ones' bounds (nothing covers anything here).
type Apps struct {
	changed chan struct{}
	mark    atomic.Uint64

	mu      sync.Mutex
	windows []appsel.Window
	all     bool
	chosen  []uint32
}

func newApps(ws []appsel.Window) *Apps {
	return &Apps{changed: make(chan struct{}, 1), windows: ws, all: true}
}

func (a *Apps) open(o platform.AppsOptions) {
	if o.Exclude == nil {
		return
	}
	a.mu.Lock()
	a.windows = slices.DeleteFunc(slices.Clone(a.windows), func(w appsel.Window) bool { return o.Exclude(w.ID) })
	a.mu.Unlock()
}

// Region is the whole screen, or the chosen windows' bounds.
func (a *Apps) Region() appsel.Region {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.all {
		return appsel.Region{All: true}
	}
	var r appsel.Region
	for _, w := range a.windows {
		if slices.Contains(a.chosen, w.ID) {
			r.Rects = append(r.Rects, w.Bounds)
		}
	}
	return r
}

// Settled is the region now: the fake's windows never move.
func (a *Apps) Settled(context.Context, appsel.Stamp) (appsel.Region, bool, error) {
	return a.Region(), true, nil
}

// Marker numbers frames; there is no event stream to send it into.
func (a *Apps) Marker() capture.Marker { return capture.Marker{Mark: a.mark.Add(1)} }

// Changed is signalled when the choice changes.
func (a *Apps) Changed() <-chan struct{} { return a.changed }

// Windows lists the application windows.
func (a *Apps) Windows() []appsel.Window {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.windows)
}

// Select shares only the windows ids.
func (a *Apps) Select(ids []uint32) { a.choose(false, ids) }

// SelectAll shares the whole screen.
func (a *Apps) SelectAll() { a.choose(true, nil) }

func (a *Apps) choose(all bool, ids []uint32) {
	a.mu.Lock()
	a.all, a.chosen = all, slices.Clone(ids)
	a.mu.Unlock()
	select {
	case a.changed <- struct{}{}:
	default:
	}
}

// Close does nothing.
func (a *Apps) Close() error { return nil }
