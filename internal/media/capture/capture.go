package capture

import (
	"errors"
	"image"
	"log/slog"
	"time"
)

// All selects the whole virtual screen (every monitor) instead of one.
const All = 0

var (
	// ErrNotSupported is returned by Open on systems without a backend.
	ErrNotSupported = errors.New("screen capture is not supported on this system yet")
	// ErrClosed is returned by Next and NextCursor once the Screen is closed
	// or its display connection is gone.
	ErrClosed = errors.New("screen capture closed")
)

// Options configures Open. The zero value captures $DISPLAY.
type Options struct {
	// Display names the X display (":0"); empty means $DISPLAY.
	Display string
	// Logger receives the few lines worth knowing (which capture path was
	// chosen, monitor changes). Nil discards them.
	Logger *slog.Logger
	// PollInterval is how often the screen is compared tile by tile when the
	// server has no DAMAGE extension. Zero means 50 ms.
	PollInterval time.Duration
	// CursorInterval is how often NextCursor samples the pointer position
	// while it moves (five times less often after a second at rest). Zero
	// means 10 ms.
	CursorInterval time.Duration
	// Mark, when set, is called just before each frame's pixels are
	// requested, and the Marker it returns is sent first; Frame.Mark holds
	// its Mark. The agent passes the window tracker's marker, to learn
	// whether a window moved while the frame was captured.
	Mark func() Marker

	noSHM    bool // test hook: behave as if MIT-SHM were missing
	noDamage bool // test hook: behave as if DAMAGE were missing
}

// Marker is an event that the capture sends on its own X connection just
// before it asks for a frame's pixels, so that the X server handles it
// first: another client learns, in its own event stream, which of its
// events came before the frame.
type Marker struct {
	Mark   uint64 // copied into Frame.Mark
	Window uint32 // where Event goes (to the client that made it); 0 sends nothing
	Event  []byte // a 32-byte core event, sent with an empty event mask
}

// Monitor is one logical monitor, in virtual-screen coordinates.
type Monitor struct {
	ID            int // 1-based and stable while the layout does not change
	Name          string
	X, Y          int
	Width, Height int
	Primary       bool
}

// Bounds returns the monitor's rectangle in virtual-screen coordinates.
func (m Monitor) Bounds() image.Rectangle {
	return image.Rect(m.X, m.Y, m.X+m.Width, m.Y+m.Height)
}

// Frame is one captured picture of the selected monitor.
//
// Pix, Dirty and the Frame itself belong to the Screen and are overwritten
// by the next call to Next: encode or copy them before calling Next again.
type Frame struct {
	// Pix holds Height rows of Stride bytes; each pixel is 4 bytes in
	// B, G, R, X order (the X server's native little-endian layout).
	Pix           []byte
	Stride        int
	Width, Height int
	// Origin is the frame's top-left corner in virtual-screen coordinates,
	// to place the pointer (Cursor.X - Origin.X) or input events.
	Origin image.Point
	// Dirty lists the rectangles, in frame coordinates, that changed since
	// the previous frame, merged and clipped to the frame. The first frame,
	// and the first after a monitor or size change, is dirty everywhere.
	Dirty    []image.Rectangle
	Captured time.Time
	Seq      uint64 // 1 for the first frame, then one more per frame
	Monitor  int    // the selected monitor's ID, or All
	// Mark is the Mark of the Marker sent just before the pixels were
	// requested (0 without Options.Mark).
	Mark uint64
}

// Cursor is the pointer: position always, shape when it changed.
type Cursor struct {
	// X and Y are the pointer's hot spot in virtual-screen coordinates.
	X, Y int
	// HotX and HotY locate the hot spot inside the shape image.
	HotX, HotY int
	// W and H are the shape's size in pixels.
	W, H int
	// Pixels is the shape as W*H premultiplied RGBA pixels (the layout of
	// image.RGBA), set only when Serial differs from the previous Cursor
	// returned; nil means "same shape as before".
	Pixels []byte
	// Serial identifies the shape; it changes exactly when the shape does.
	Serial uint32
}

// Image wraps the shape in an *image.RGBA (premultiplied, as Go expects),
// or returns nil when this update carries no shape.
func (c Cursor) Image() *image.RGBA {
	if c.Pixels == nil {
		return nil
	}
	return &image.RGBA{Pix: c.Pixels, Stride: 4 * c.W, Rect: image.Rect(0, 0, c.W, c.H)}
}

func (o Options) pollInterval() time.Duration {
	if o.PollInterval <= 0 {
		return 50 * time.Millisecond
	}
	return o.PollInterval
}

func (o Options) cursorInterval() time.Duration {
	if o.CursorInterval <= 0 {
		return 10 * time.Millisecond
	}
	return o.CursorInterval
}

func (o Options) marker() Marker {
	if o.Mark == nil {
		return Marker{}
	}
	return o.Mark()
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}
