package agentui

import (
	"context"
	"errors"
	"image"
	"time"

	"gioui.org/app"
	"gioui.org/op"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// panelWidth is the window's width in Dp.
const panelWidth = 400

// layoutInfo records what the last window frame drew and where, in window
// pixels, so that tests can click buttons and check texts.
type layoutInfo struct {
	giowin.Record
	prompt uint64 // the question drawn; 0 for the panel
	armed  bool   // Allow was drawn as usable
	size   image.Point
	fits   bool // the window's size is the content's
}

// serve runs the Gio window until it is destroyed; Close ends it by
// ending ctx.
func (u *UI) serve(ctx context.Context, found chan<- uint32) {
	defer close(u.done)
	defer close(u.actions)
	v := newView(u)
	err := u.win.Run(ctx, giowin.Handler{
		Frame: v.frame,
		Config: func(e app.ConfigEvent) {
			u.focused.Store(e.Config.Focused)
			// Gio redraws on Expose, which a window that shrinks does
			// not get; a frame must come to fit the window again.
			u.win.Invalidate()
		},
		View: func(e app.ViewEvent) {
			if id, ok := viewWindowID(e); ok {
				select {
				case found <- id:
				default:
				}
			}
		},
	})
	closing := ctx.Err() != nil
	if closing && errors.Is(err, ctx.Err()) {
		err = nil
	}
	u.destroyed(err, closing)
}

// destroyed handles the end of the window. If the customer closed it (not
// Close), that is a Stop: they want nothing shared any more.
func (u *UI) destroyed(err error, closing bool) {
	u.focused.Store(false)
	u.failure = err
	if err != nil {
		u.log.Error("agentui window failed", "err", err)
	}
	if !closing && err == nil {
		u.log.Info("agentui window closed by the customer")
		u.act(Action{Kind: Stop})
	}
	u.model.close()
}

// frame draws one window frame and fits the window to what it drew.
func (v *view) frame(e app.FrameEvent) {
	gtx := app.NewContext(&v.ops, e)
	s := v.u.model.snapshot()
	v.handle(gtx, s)
	info := v.draw(gtx, s)
	if s.prompt != nil {
		armed := v.u.model.markDrawn(s.prompt.id)
		gtx.Execute(op.InvalidateCmd{At: nextTick(armed)})
	}
	e.Frame(gtx.Ops)
	info.size = e.Size
	info.fits = e.Size == image.Pt(e.Metric.Dp(panelWidth), v.height)
	v.u.mu.Lock()
	v.u.layout = info
	v.u.frames++
	if v.u.frames == 1 {
		close(v.u.drawn)
	}
	v.u.mu.Unlock()
	v.fit(e, info.size.Y, v.height)
}

// nextTick is when a question must be drawn again: at the next second for
// its countdown, or sooner when Allow becomes usable.
func nextTick(armed time.Time) time.Time {
	now := time.Now()
	next := now.Truncate(time.Second).Add(time.Second)
	if armed.After(now) && armed.Before(next) {
		return armed
	}
	return next
}

// fit asks for the window size that holds what was drawn when the window
// has another size: its content changed, or someone resized it. X events
// about older sizes can arrive after a request, so it asks again whenever
// the window's size changes and still does not fit; but not twice for the
// same sizes, or a window manager that refuses the size would have the
// window redraw without end.
func (v *view) fit(e app.FrameEvent, have, want int) {
	width := e.Metric.Dp(panelWidth)
	ask := [2]image.Point{e.Size, {width, want}}
	if (have == want && e.Size.X == width) || ask == v.asked {
		return
	}
	v.asked = ask
	px := e.Metric.PxPerDp
	v.u.win.Option(app.Size(unit.Dp(panelWidth), unit.Dp(float32(want)/px)))
}
