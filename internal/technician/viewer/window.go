package viewer

import (
	"context"
	"errors"
	"time"

	"gioui.org/app"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// ErrRunning is returned by a second call to Run.
var ErrRunning = errors.New("viewer: Run called twice")

// Run opens the window and serves it until ctx ends (it returns ctx's
// error) or the technician closes the window (it returns nil). Input and
// Actions are closed when it returns; nothing it started keeps running.
func (v *Viewer) Run(ctx context.Context) error {
	u := newUI(v, time.Now())
	err := v.win.Run(ctx, giowin.Handler{
		Frame:  u.frame,
		Config: func(e app.ConfigEvent) { u.focus(e.Config.Focused) },
	})
	if errors.Is(err, giowin.ErrRunning) {
		return ErrRunning
	}
	u.release()
	v.detach()
	close(v.inputs)
	close(v.actions)
	return err
}

// detach hands back the frame that was never drawn.
func (v *Viewer) detach() {
	v.mu.Lock()
	next := v.next
	v.next = nil
	v.mu.Unlock()
	if next != nil && next.Done != nil {
		next.Done()
	}
}

// release lets go of the frame on screen.
func (u *ui) release() {
	if u.shown != nil && u.shown.Done != nil {
		u.shown.Done()
	}
	u.shown = nil
}
