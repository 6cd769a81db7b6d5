package viewer

import (
	"image"
	"time"

	"gioui.org/f32"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/op/clip"
	"gioui.org/op/paint"
)

// The remote pointer arrives apart from the video and is drawn over the
// picture from its own small texture, so moving it redraws the window
// without uploading the picture again.
//
// It is not drawn while the technician's own pointer is over the picture
// and the technician has control: their pointer then is the cursor (it
// moves the remote one), and drawing the remote one too would show a
// second pointer trailing a round trip behind. Over the toolbar, outside
// the window or in view-only mode the remote pointer is drawn, so the
// technician can follow what the customer points at. Gio's X11 backend
// reports no leave when the pointer goes straight from the picture to
// another window, so "over the picture" also means "moved there within
// localIdle": a pointer that rests, or left unseen, gives way to the remote
// one.

// CursorShape is an image of the remote pointer.
type CursorShape struct {
	// Serial names the shape; CursorPos refers to it.
	Serial uint32
	// Image is the shape, premultiplied as image.RGBA always is. The
	// viewer keeps it: the caller must not modify it afterwards.
	Image *image.RGBA
	// Hot is the hot spot: the pixel of Image that is at the position.
	Hot image.Point
}

// CursorPos is where the remote pointer is.
type CursorPos struct {
	// X and Y are the hot spot in the remote monitor's pixels, the
	// coordinates of the Frame's picture.
	X, Y int
	// Hidden is set while the pointer is off the monitor shown.
	Hidden bool
	// Serial is the shape to draw. Until that shape has arrived, the
	// latest shape is drawn.
	Serial uint32
}

// maxShapes bounds the shapes kept for lookup by serial; a desktop uses a
// handful.
const maxShapes = 32

// cursorState is the remote pointer as the viewer's shared state keeps it.
type cursorState struct {
	pos    CursorPos
	known  bool // pos was set
	shapes map[uint32]CursorShape
	latest CursorShape
}

// SetCursorShape adds a pointer shape that CursorPos.Serial may name.
func (v *Viewer) SetCursorShape(s CursorShape) {
	if s.Image == nil {
		return
	}
	v.mu.Lock()
	c := &v.cursor
	if c.shapes == nil || len(c.shapes) >= maxShapes {
		c.shapes = make(map[uint32]CursorShape)
	}
	c.shapes[s.Serial], c.latest = s, s
	v.mu.Unlock()
	v.invalidate()
}

// SetCursor moves the remote pointer. It wakes the window only; the
// picture is not uploaded again.
func (v *Viewer) SetCursor(p CursorPos) {
	v.mu.Lock()
	changed := !v.cursor.known || v.cursor.pos != p
	v.cursor.pos, v.cursor.known = p, true
	v.mu.Unlock()
	if changed {
		v.invalidate()
	}
}

// cursorSnapshot is what the window frame needs: the position and its
// shape. Called with v.mu held.
func (v *Viewer) cursorSnapshot() (CursorPos, CursorShape, bool) {
	c := &v.cursor
	if !c.known {
		return CursorPos{}, CursorShape{}, false
	}
	s, ok := c.shapes[c.pos.Serial]
	if !ok {
		s = c.latest
	}
	return c.pos, s, s.Image != nil
}

// uiCursor is the window goroutine's copy, with the shape's texture.
type uiCursor struct {
	pos   CursorPos
	shape CursorShape
	ok    bool // pos and shape are set
	img   paint.ImageOp
	over  bool // the local pointer is over the picture
	// moved is when the local pointer last moved, pressed or scrolled
	// over the window.
	moved time.Time
	drawn bool // drawn in the last window frame, for tests
}

// localIdle is how long after its last move the local pointer counts as
// the cursor.
const localIdle = time.Second

// localPointerIsCursor reports whether the local pointer stands in for the remote one
// at now; if only for a while, it asks for a frame when that ends.
func (u *ui) localPointerIsCursor(gtx layout.Context) bool {
	c := &u.cur
	if !c.over || u.viewOnly {
		return false
	}
	until := c.moved.Add(localIdle)
	if !gtx.Now.Before(until) {
		return false
	}
	gtx.Execute(op.InvalidateCmd{At: until})
	return true
}

// setCursor takes the frame's snapshot, making a new texture only when the
// shape changed.
func (c *uiCursor) set(pos CursorPos, shape CursorShape, ok bool) {
	if ok && shape.Image != c.shape.Image {
		c.img = paint.NewImageOp(shape.Image)
	}
	c.pos, c.shape, c.ok = pos, shape, ok
}

// drawCursor draws the remote pointer with the picture's transform, its
// hot spot over the remote pixel it points at, clipped to the picture.
func (u *ui) drawCursor(gtx layout.Context) {
	c := &u.cur
	c.drawn = false
	if u.shown == nil || !c.ok || c.pos.Hidden || u.localPointerIsCursor(gtx) {
		return
	}
	g := u.geom
	d := g.dest()
	defer clip.Rect(d.Intersect(image.Rectangle{Max: g.View})).Push(gtx.Ops).Pop()
	sx, sy := float32(d.Dx())/float32(g.Remote.X), float32(d.Dy())/float32(g.Remote.Y)
	at := image.Pt(c.pos.X, c.pos.Y).Sub(c.shape.Hot)
	origin := f32.Pt(float32(d.Min.X)+float32(at.X)*sx, float32(d.Min.Y)+float32(at.Y)*sy)
	c.img.Filter = paint.FilterNearest
	if sx < 1 || sy < 1 {
		c.img.Filter = paint.FilterLinear
	}
	tr := f32.AffineId().Scale(f32.Point{}, f32.Pt(sx, sy)).Offset(origin)
	defer op.Affine(tr).Push(gtx.Ops).Pop()
	defer clip.Rect(c.shape.Image.Bounds().Sub(c.shape.Image.Bounds().Min)).Push(gtx.Ops).Pop()
	c.img.Add(gtx.Ops)
	paint.PaintOp{}.Add(gtx.Ops)
	c.drawn = true
}
