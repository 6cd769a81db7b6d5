package techui

import (
	"image"

	"github.com/tandem-remote/tandem/internal/technician/viewer"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// cursor moves the remote pointer in the window. Positions are relative to
// the shared monitor, which is what the window's picture shows.
func (u *ui) cursor(p proto.CursorPos) {
	u.v.SetCursor(viewer.CursorPos{X: int(p.X), Y: int(p.Y), Hidden: p.Hidden, Serial: p.Serial})
}

// cursorShape gives the window a new pointer shape. The decoded pixels
// are the window's from now on.
func (u *ui) cursorShape(s proto.CursorShape) {
	img := &image.RGBA{Pix: s.Pix, Stride: 4 * s.W, Rect: image.Rect(0, 0, s.W, s.H)}
	u.v.SetCursorShape(viewer.CursorShape{Serial: s.Serial, Image: img, Hot: image.Pt(s.HotX, s.HotY)})
}
