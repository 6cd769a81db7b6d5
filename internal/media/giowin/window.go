// Package giowin runs Tandem's Gio windows — the technician's viewer and
// desk, the agent's own window, the demonstration's picture — with one
// lifecycle, one palette and one record of what each frame drew.
//
// # Lifecycle
//
// A Window is served by Run, at most once, on the goroutine that calls it:
// Run reads Gio's events and hands them to a Handler until the window is
// gone. Other goroutines only wake the window (Invalidate) or end it, by
// ending Run's context. They may not close it themselves, because Gio's
// X11 window must be closed from the goroutine that reads its events: so
// the context's end wakes the window, the next frame asks Gio to close it,
// and Run returns once Gio has destroyed it.
//
// Gio's X11 window, once shut down, hands out an empty (invalid) view
// event before its DestroyEvent, but has already forgotten its driver: the
// next Event call would create a new window (left on screen) and, when
// that fails, block for ever on a timer goroutine that has already quit.
// Run therefore takes the empty view event as the end and never asks for
// another event; Views counts the native windows Gio made, which stays 1.
//
// # Look and automation
//
// Dark and Light are the windows' palettes and Theme makes a material
// theme of one. Each frame records in a Record where its named controls
// went and what texts it drew; the windows publish the last one for
// automation (accessibility tools, and end-to-end tests that click with
// the real pointer). Column and Flow lay widgets out and record them.
//
// CodeCard is the one widget both technician windows share: while a
// session's code waits for its customer (Waiting), the viewer and the
// desk show it in groups of three, the help page's link with a button
// that copies it, and the time left, counting down.
package giowin

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"gioui.org/app"
	"gioui.org/io/system"
)

// ErrRunning is returned by a second call to Run.
var ErrRunning = errors.New("giowin: Run called twice")

// Handler is what a window does with Gio's events. Run calls its functions
// on its own goroutine, one at a time.
type Handler struct {
	// Frame draws one frame. It is required.
	Frame func(app.FrameEvent)
	// Config, if set, sees the window's configuration change (size,
	// focus).
	Config func(app.ConfigEvent)
	// View, if set, sees the native window appear: a valid view event
	// (on X11 an app.X11ViewEvent, which carries the window's ID).
	View func(app.ViewEvent)
}

// Window is one Gio window, served by Run. Its methods are safe for
// concurrent use.
type Window struct {
	opts []app.Option

	mu      sync.Mutex
	win     *app.Window // nil unless Run is running
	ran     bool
	views   int
	pending []app.Option // for Run's goroutine to apply
}

// New returns a window that Run opens with opts (title, size, …).
func New(opts ...app.Option) *Window {
	return &Window{opts: opts}
}

// Run opens the window and serves it until the user closes it (it returns
// nil), ctx ends (it returns ctx's error, once the window is gone) or Gio
// fails (Gio's error). It may be called once; a second call returns
// ErrRunning.
func (w *Window) Run(ctx context.Context, h Handler) error {
	win, err := w.attach()
	if err != nil {
		return err
	}
	defer w.detach()
	var cancelled atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		win.Invalidate()
	})
	defer stop()
	err = w.loop(win, h, &cancelled)
	if err == nil && cancelled.Load() {
		err = ctx.Err()
	}
	return err
}

// attach makes the Gio window, once.
func (w *Window) attach() (*app.Window, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ran {
		return nil, ErrRunning
	}
	w.ran = true
	w.win = new(app.Window)
	w.win.Option(w.opts...)
	return w.win, nil
}

func (w *Window) detach() {
	w.mu.Lock()
	w.win = nil
	w.mu.Unlock()
}

// loop reads the window's events until it is destroyed.
func (w *Window) loop(win *app.Window, h Handler, cancelled *atomic.Bool) error {
	closing := false
	for {
		if opts := w.takeOptions(); len(opts) > 0 {
			win.Option(opts...)
		}
		switch e := win.Event().(type) {
		case app.DestroyEvent:
			return e.Err
		case app.ViewEvent:
			if !e.Valid() { // the end: see the package doc
				return nil
			}
			w.mu.Lock()
			w.views++
			w.mu.Unlock()
			if h.View != nil {
				h.View(e)
			}
		case app.ConfigEvent:
			if h.Config != nil {
				h.Config(e)
			}
		case app.FrameEvent:
			if cancelled.Load() && !closing {
				closing = true
				win.Perform(system.ActionClose)
			}
			h.Frame(e)
		}
	}
}

// Invalidate asks for a new frame. It does nothing unless Run is running.
func (w *Window) Invalidate() {
	if win := w.running(); win != nil {
		win.Invalidate()
	}
}

// Option changes the window's options, for instance its size. Gio's X11
// window may only be changed from the goroutine that reads its events (the
// race detector catches it otherwise), so Run applies them before it reads
// the next event; Option wakes it for that. Options given before Run
// apply when it opens the window; after, they are dropped.
func (w *Window) Option(opts ...app.Option) {
	w.mu.Lock()
	win := w.win
	if win != nil || !w.ran {
		w.pending = append(w.pending, opts...)
	}
	w.mu.Unlock()
	if win != nil {
		win.Invalidate()
	}
}

func (w *Window) takeOptions() []app.Option {
	w.mu.Lock()
	defer w.mu.Unlock()
	opts := w.pending
	w.pending = nil
	return opts
}

// Views returns how many native windows Gio made for Run: 1 once it has
// shown the window (see the package doc), never more.
func (w *Window) Views() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.views
}

func (w *Window) running() *app.Window {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.win
}
