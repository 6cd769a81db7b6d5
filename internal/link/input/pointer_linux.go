package input

import (
	"fmt"
	"image"

	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// xButtons maps wire buttons to X button numbers.
var xButtons = [...]byte{
	ButtonLeft: 1, ButtonMiddle: 2, ButtonRight: 3, ButtonBack: 8, ButtonForward: 9,
}

// X buttons a wheel detent clicks.
const (
	xWheelUp    = 4
	xWheelDown  = 5
	xWheelLeft  = 6
	xWheelRight = 7
)

// move puts the pointer at (px, py) on monitor id.
func (x *X11) move(id uint8, px, py uint16) error {
	m, err := x.monitor(id)
	if err != nil {
		return fmt.Errorf("pointer move: %w", err)
	}
	at := place(m, px, py)
	// Detail 0 makes the motion absolute, relative to root.
	x.injecting(xproto.MotionNotify, 0, at)
	xtest.FakeInput(x.conn, xproto.MotionNotify, 0, 0, x.root, int16(at.X), int16(at.Y), 0)
	return nil
}

func (x *X11) monitor(id uint8) (image.Rectangle, error) {
	if x.locate == nil && id == 0 {
		return x.screen, nil
	}
	if x.locate != nil {
		if r, ok := x.locate(id); ok {
			return r, nil
		}
	}
	return image.Rectangle{}, fmt.Errorf("%w %d", ErrUnknownMonitor, id)
}

func (x *X11) button(b Button, press bool) error {
	if int(b) >= len(xButtons) || xButtons[b] == 0 {
		return fmt.Errorf("pointer button %d: %w", b, ErrMalformed)
	}
	x.fakeButton(xButtons[b], press)
	return nil
}

func (x *X11) fakeButton(b byte, press bool) {
	typ := byte(xproto.ButtonRelease)
	if press {
		typ = xproto.ButtonPress
	}
	x.injecting(typ, b, image.Point{})
	xtest.FakeInput(x.conn, typ, b, 0, x.root, 0, 0, 0)
	x.buttons[b] = press
}

// scroll turns wheel motion into clicks of the wheel buttons, keeping what
// is less than a detent for the next event (fine-grained touchpads).
func (x *X11) scroll(dx, dy int16) {
	x.wheel[0] += int(dx)
	x.wheel[1] += int(dy)
	x.clicks(&x.wheel[0], xWheelLeft, xWheelRight)
	x.clicks(&x.wheel[1], xWheelUp, xWheelDown)
}

func (x *X11) clicks(acc *int, neg, pos byte) {
	for ; *acc >= WheelDetent; *acc -= WheelDetent {
		x.fakeButton(pos, true)
		x.fakeButton(pos, false)
	}
	for ; *acc <= -WheelDetent; *acc += WheelDetent {
		x.fakeButton(neg, true)
		x.fakeButton(neg, false)
	}
}
