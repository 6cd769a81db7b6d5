package viewer

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"gioui.org/app"
	"gioui.org/io/system"
	"gioui.org/unit"
)

// ErrRunning is returned by a second call to Run.
var ErrRunning = errors.New("viewer: Run called twice")

// Run opens the window and serves it until ctx ends (it returns ctx's
// error) or the technician closes the window (it returns nil). Input and
// Actions are closed when it returns; nothing it started keeps running.
func (v *Viewer) Run(ctx context.Context) error {
	start := time.Now()
	w := new(app.Window)
	w.Option(app.Title(v.cfg.Title), app.Size(unit.Dp(v.cfg.Width), unit.Dp(v.cfg.Height)))
	if !v.attach(w) {
		return ErrRunning
	}
	defer close(v.actions)
	defer close(v.inputs)
	defer v.detach()

	// A goroutine may only wake the window: Gio's X11 window must be
	// closed from the goroutine that reads its events.
	var cancelled atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		w.Invalidate()
	})
	defer stop()

	u := newUI(v, start)
	err := u.loop(w, &cancelled)
	if err == nil && cancelled.Load() {
		err = ctx.Err()
	}
	return err
}

// attach records the running window so that Show can wake it.
func (v *Viewer) attach(w *app.Window) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.win != nil || v.ran {
		return false
	}
	v.win, v.ran = w, true
	return true
}

func (v *Viewer) detach() {
	v.mu.Lock()
	next := v.next
	v.win, v.next = nil, nil
	v.mu.Unlock()
	if next != nil && next.Done != nil {
		next.Done()
	}
}

// loop reads the window's events until it is destroyed.
func (u *ui) loop(w *app.Window, cancelled *atomic.Bool) error {
	closing := false
	for {
		switch e := w.Event().(type) {
		case app.DestroyEvent:
			u.release()
			return e.Err
		case app.X11ViewEvent:
			if !e.Valid() { // see gioDestroyed
				u.release()
				return nil
			}
			u.v.mu.Lock()
			u.v.stats.Windows++
			u.v.mu.Unlock()
		case app.ConfigEvent:
			u.focus(e.Config.Focused)
		case app.FrameEvent:
			if cancelled.Load() && !closing {
				closing = true
				w.Perform(system.ActionClose)
			}
			u.frame(e)
		}
	}
}

// gioDestroyed: Gio's X11 window, once shut down, hands out an empty
// X11ViewEvent before its DestroyEvent, but has already forgotten its
// driver: the next Event call would create a new window (left on screen)
// and, when that fails, block for ever on a timer goroutine that has
// already quit. The empty view event is the end, then.

// release lets go of the frame on screen.
func (u *ui) release() {
	if u.shown != nil && u.shown.Done != nil {
		u.shown.Done()
	}
	u.shown = nil
}
