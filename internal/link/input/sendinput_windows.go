//go:build windows

package input

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"unsafe"
)

// WindowsOptions configures NewWindows.
type WindowsOptions struct {
	// Monitor returns the screen rectangle (Windows screen coordinates)
	// of the monitor a pointer move names. It is called on every move, so
	// it should answer from a cache. Nil means one monitor, ID 0, the
	// whole virtual screen.
	Monitor func(id uint8) (image.Rectangle, bool)
	// Allow, when set, is asked before each event (see Target); refused
	// events are dropped without an error.
	Allow func(Target) bool
	// Injecting, when set, is called right before each SendInput, for a
	// watcher of the customer's own input.
	Injecting func()
	Logger    *slog.Logger // nil discards
}

// Windows injects events with SendInput: the pointer at absolute
// positions on the virtual desktop, buttons and wheels, keys by virtual
// key and scan code, and characters the keyboard layout cannot type as
// KEYEVENTF_UNICODE. Ctrl-Alt-Del cannot be injected by a program running
// as the user (Windows keeps it for the secure desktop): its Delete is
// refused with ErrSecureAttention.
type Windows struct {
	monitor func(id uint8) (image.Rectangle, bool)
	allow   func(Target) bool
	tell    func()
	log     *slog.Logger

	mu      sync.Mutex
	closed  bool
	keys    map[winKeyID]heldKey // keys held by KeyDown (modifiers included)
	buttons [6]bool              // wire buttons held
}

// heldKey is what KeyDown pressed, to release the same on KeyUp.
type heldKey struct {
	vk, scan uint16
	flags    uint32 // keyExtended or keyUnicode
	units    []uint16
}

// NewWindows returns an injector for the interactive desktop.
func NewWindows(opts WindowsOptions) (*Windows, error) {
	if err := procSendInput.Find(); err != nil {
		return nil, fmt.Errorf("input injection: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Windows{monitor: opts.Monitor, allow: opts.Allow, tell: opts.Injecting, log: log,
		keys: map[winKeyID]heldKey{}}, nil
}

// Inject replays ev on the desktop.
func (w *Windows) Inject(ev Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if !w.permit(ev) {
		return nil
	}
	if w.tell != nil {
		w.tell()
	}
	switch ev.Type {
	case PointerMove:
		return w.move(ev.Monitor, ev.X, ev.Y)
	case ButtonDown, ButtonUp:
		return w.button(ev.Button, ev.Type == ButtonDown)
	case Wheel:
		return w.wheel(ev.DX, ev.DY)
	case KeyDown:
		return w.keyDown(ev.Code, ev.Keysym)
	case KeyUp:
		return w.keyUp(ev.Code, ev.Keysym)
	case Text:
		return w.typeText(ev.Text)
	case ReleaseAll:
		return w.releaseAll()
	}
	return fmt.Errorf("inject: %w 0x%02x", ErrUnknownType, byte(ev.Type))
}

// ReleaseAll releases every key and button the injector holds down.
func (w *Windows) ReleaseAll() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	return w.releaseAll()
}

// Close releases everything held (modifiers included); the injector is
// unusable afterwards.
func (w *Windows) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	return w.releaseAll()
}

func (w *Windows) releaseAll() error {
	var ins []winInput
	for _, k := range w.keys {
		ins = append(ins, k.release()...)
	}
	for b, held := range w.buttons {
		if held {
			ins = append(ins, buttonEvent(Button(b), false))
		}
	}
	clear(w.keys)
	w.buttons = [6]bool{}
	return sendInput(ins...)
}

// permit applies the Allow option: a move at its target, a button or
// wheel at the pointer, keys and text by the foreground window. A button
// release passes only for a button this injector pressed.
func (w *Windows) permit(ev Event) bool {
	if w.allow == nil {
		return true
	}
	switch ev.Type {
	case PointerMove:
		p, err := w.place(ev.Monitor, ev.X, ev.Y)
		return err != nil || w.allow(Target{Pointer: true, Point: p})
	case ButtonUp:
		return int(ev.Button) < len(w.buttons) && w.buttons[ev.Button]
	case ButtonDown, Wheel:
		return w.allow(Target{Pointer: true, Point: cursorPos()})
	case KeyDown, Text:
		return w.allow(Target{Window: foreground()})
	}
	return true
}

func cursorPos() image.Point {
	var pt struct{ X, Y int32 }
	procGetCursorPos.Call(uintptr(unsafe.Pointer(&pt)))
	return image.Pt(int(pt.X), int(pt.Y))
}

// foreground is the top-level window that has the keyboard (0: none).
func foreground() uint32 {
	h, _, _ := procGetForegroundWindow.Call()
	if h == 0 {
		return 0
	}
	root, _, _ := procGetAncestor.Call(h, gaRoot)
	return uint32(root)
}

// place returns the screen point for (x, y) on monitor id.
func (w *Windows) place(id uint8, x, y uint16) (image.Point, error) {
	var m image.Rectangle
	switch {
	case w.monitor != nil:
		r, ok := w.monitor(id)
		if !ok {
			return image.Point{}, fmt.Errorf("%w %d", ErrUnknownMonitor, id)
		}
		m = r
	case id == 0:
		m = virtualDesk()
	default:
		return image.Point{}, fmt.Errorf("%w %d", ErrUnknownMonitor, id)
	}
	return image.Pt(m.Min.X+clamp(int(x), m.Dx()), m.Min.Y+clamp(int(y), m.Dy())), nil
}

func virtualDesk() image.Rectangle {
	x, y := metric(smXVirtualScreen), metric(smYVirtualScreen)
	return image.Rect(x, y, x+metric(smCXVirtualScreen), y+metric(smCYVirtualScreen))
}

// move puts the pointer at (x, y) of monitor id, in SendInput's absolute
// coordinates: 0-65535 across the virtual desktop.
func (w *Windows) move(id uint8, x, y uint16) error {
	p, err := w.place(id, x, y)
	if err != nil {
		return fmt.Errorf("pointer move: %w", err)
	}
	vd := virtualDesk()
	nx := normalize(p.X-vd.Min.X, vd.Dx())
	ny := normalize(p.Y-vd.Min.Y, vd.Dy())
	return sendInput(mouseEvent(nx, ny, 0, mouseMove|mouseAbsolute|mouseVirtual))
}

// normalize maps pixel v of size pixels to 0-65535, rounding to the
// pixel's centre so that Windows maps it back to v.
func normalize(v, size int) int32 {
	if size <= 1 {
		return 0
	}
	return int32((v*65536 + 32768) / size)
}

func (w *Windows) button(b Button, press bool) error {
	if b < ButtonLeft || int(b) >= len(w.buttons) {
		return fmt.Errorf("pointer button %d: %w", b, ErrMalformed)
	}
	w.buttons[b] = press
	return sendInput(buttonEvent(b, press))
}

func buttonEvent(b Button, press bool) winInput {
	flags := map[Button][2]uint32{
		ButtonLeft:    {mouseLeftUp, mouseLeftDown},
		ButtonMiddle:  {mouseMiddleUp, mouseMiddleDown},
		ButtonRight:   {mouseRightUp, mouseRightDown},
		ButtonBack:    {mouseXUp, mouseXDown},
		ButtonForward: {mouseXUp, mouseXDown},
	}[b]
	var data uint32
	switch b {
	case ButtonBack:
		data = 1 // XBUTTON1
	case ButtonForward:
		data = 2 // XBUTTON2
	}
	f := flags[0]
	if press {
		f = flags[1]
	}
	return mouseEvent(0, 0, data, f)
}

// wheel scrolls in the wire's units, which are Windows' own (120ths of a
// detent); Windows counts a vertical wheel positive away from the user.
func (w *Windows) wheel(dx, dy int16) error {
	var ins []winInput
	if dy != 0 {
		ins = append(ins, mouseEvent(0, 0, uint32(int32(-dy)), mouseWheel))
	}
	if dx != 0 {
		ins = append(ins, mouseEvent(0, 0, uint32(int32(dx)), mouseHWheel))
	}
	return sendInput(ins...)
}

// Errors from the Windows injector (the same as the X11 one's).
var (
	ErrClosed         = errors.New("closed")
	ErrUnknownMonitor = errors.New("no such monitor")
	errNoKey          = errors.New("no key or character")
)
