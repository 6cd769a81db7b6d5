package input

import (
	"errors"
	"image"
)

// ErrSecureAttention is Ctrl-Alt-Del asked of an injector that cannot
// send it: Windows keeps it for itself (the secure desktop), a program
// running as the user cannot send it, and the Windows injector presses
// nothing (not even the Delete). The agent tells the technician
// (proto.InputRefused).
var ErrSecureAttention = errors.New("cannot send Ctrl-Alt-Del: Windows takes it from no program running as the user; the customer must press it")

// Injector replays decoded events on the customer's desktop. Methods are
// safe for concurrent use: the data channel's reader calls Inject while the
// session's owner may call ReleaseAll or Close.
type Injector interface {
	// Inject replays one event. A ReleaseAll event is the same as calling
	// ReleaseAll.
	Inject(ev Event) error
	// ReleaseAll releases every key and button the injector holds down.
	// Call it when the viewer loses focus or control is withdrawn.
	ReleaseAll() error
	// Close releases everything, undoes any change to the desktop (such as
	// a remapped key) and frees the injector's resources.
	Close() error
}

// place returns the root-window point for (x, y) on the monitor whose
// root-window rectangle is m, clamped to m.
func place(m image.Rectangle, x, y uint16) image.Point {
	return image.Pt(m.Min.X+clamp(int(x), m.Dx()), m.Min.Y+clamp(int(y), m.Dy()))
}

func clamp(v, size int) int {
	return max(0, min(v, size-1))
}
