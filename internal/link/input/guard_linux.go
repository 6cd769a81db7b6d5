package input

import (
	"image"

	"github.com/jezek/xgb/xproto"
)

// permit applies Options.Allow to ev. Pointer events are judged at the
// root point they act at (a move at its target, a button or wheel at the
// pointer), key and text events by the top-level window that has the
// keyboard focus. A release is let through only for what this injector
// pressed, so a dropped press never leaves a stray release behind. It is
// called with x.mu held.
func (x *X11) permit(ev Event) bool {
	if x.allow == nil {
		return true
	}
	switch ev.Type {
	case PointerMove:
		m, err := x.monitor(ev.Monitor)
		if err != nil {
			return true // Inject reports the error
		}
		return x.allow(Target{Pointer: true, Point: place(m, ev.X, ev.Y)})
	case ButtonUp:
		return int(ev.Button) < len(xButtons) && x.buttons[xButtons[ev.Button]]
	case ButtonDown, Wheel:
		p, _, err := x.pointer()
		return err == nil && x.allow(Target{Pointer: true, Point: p})
	case KeyDown, Text:
		w, err := x.focus()
		return err == nil && x.allow(Target{Window: w})
	}
	return true // key releases (only of keys this injector holds) and ReleaseAll
}

// pointer returns the pointer's root position and the top-level window
// under it.
func (x *X11) pointer() (image.Point, xproto.Window, error) {
	r, err := xproto.QueryPointer(x.conn, x.root).Reply()
	if err != nil {
		return image.Point{}, 0, err
	}
	return image.Pt(int(r.RootX), int(r.RootY)), r.Child, nil
}

// focus returns the top-level window that receives keyboard input: the
// focus window's top-level ancestor, or the one under the pointer when
// the focus follows the pointer.
func (x *X11) focus() (uint32, error) {
	r, err := xproto.GetInputFocus(x.conn).Reply()
	if err != nil {
		return 0, err
	}
	w := r.Focus
	if w == xproto.InputFocusPointerRoot || w == x.root {
		_, child, err := x.pointer()
		if err != nil {
			return 0, err
		}
		return uint32(child), nil
	}
	if w == xproto.InputFocusNone {
		return 0, nil
	}
	for {
		t, err := xproto.QueryTree(x.conn, w).Reply()
		if err != nil {
			return 0, err
		}
		if t.Parent == x.root || t.Parent == 0 {
			return uint32(w), nil
		}
		w = t.Parent
	}
}

// injecting tells Options.Injecting of a fake event about to be sent.
func (x *X11) injecting(xType byte, detail byte, at image.Point) {
	if x.onInject != nil {
		x.onInject(xType, detail, at)
	}
}
