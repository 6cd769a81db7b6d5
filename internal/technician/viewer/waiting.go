package viewer

import (
	"image"
	"time"

	"gioui.org/layout"
	"gioui.org/op"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// Waiting is the session code that waits for the customer: the window
// shows the code, the help page's link with a button that copies it, and
// the time left, until the customer's first picture arrives.
type Waiting = giowin.Waiting

// NewWaiting is the Waiting for code, opened on server (the technician's
// -server URL, which also serves the help page), until expires.
func NewWaiting(server, code string, expires time.Time) Waiting {
	return giowin.NewWaiting(server, code, expires)
}

// cardWidth is the widest the code card gets, in Dp.
const cardWidth = 460

// SetWaiting shows w in the screen's place while no picture has come;
// the zero Waiting takes it away (the customer joined). The first picture
// takes it away too.
func (v *Viewer) SetWaiting(w Waiting) {
	v.mu.Lock()
	v.waiting = w
	v.mu.Unlock()
	v.invalidate()
}

// drawWaiting draws the code card in the middle of the screen's viewport,
// a quarter down; origin is the viewport's place in the window.
func (u *ui) drawWaiting(gtx layout.Context, w Waiting, origin image.Point, rec *giowin.Record) {
	view := gtx.Constraints.Max
	width := min(gtx.Dp(cardWidth), view.X)
	at := image.Pt((view.X-width)/2, view.Y/4)
	gtx.Constraints = layout.Exact(image.Pt(width, view.Y-at.Y))
	defer op.Offset(at).Push(gtx.Ops).Pop()
	c := giowin.NewColumn(gtx, u.th, rec)
	c.Origin = origin.Add(at)
	u.card.Layout(c, pal, w)
}
