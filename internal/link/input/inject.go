package input

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

// Monitor is one monitor's place in the desktop's root window, in pixels.
type Monitor struct {
	ID            uint8
	X, Y          int
	Width, Height int
}

// place returns the root-window point for (x, y) on m, clamped to m.
func (m Monitor) place(x, y uint16) (int, int) {
	return m.X + clamp(int(x), m.Width), m.Y + clamp(int(y), m.Height)
}

func clamp(v, size int) int {
	return max(0, min(v, size-1))
}
