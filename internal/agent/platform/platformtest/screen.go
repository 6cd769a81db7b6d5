package platformtest

import (
	"context"
	"errors"
	"image"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// errClosed is what a closed screen returns.
var errClosed = errors.New("fake screen closed")

// Screen is one monitor of synthetic BGRX pixels. Paint changes them and
// reports the damage; Next returns a frame only when something changed.
type Screen struct {
	w, h int
	wake chan struct{} // a change since Next last looked

	mu      sync.Mutex
	opts    platform.ScreenOptions
	pix     []byte
	dirty   []image.Rectangle
	seq     uint64
	current int
	closed  bool
	frame   capture.Frame
	frames  int // frames returned

	moves   chan capture.Cursor
	pointer capture.Cursor
	shaped  bool // the pointer's shape went out once
}

func newScreen(w, h int) *Screen {
	s := &Screen{w: w, h: h, wake: make(chan struct{}, 1), pix: make([]byte, 4*w*h), current: capture.All,
		moves: make(chan capture.Cursor, 1), pointer: cursorAt(w/2, h/2)}
	s.Paint(image.Rect(0, 0, w, h), 0x202020) // dark grey, whole: the first frame
	return s
}

func (s *Screen) open(o platform.ScreenOptions) {
	s.mu.Lock()
	s.opts = o
	s.mu.Unlock()
}

// Paint fills r with colour 0xRRGGBB and reports it damaged.
func (s *Screen) Paint(r image.Rectangle, rgb uint32) {
	r = r.Intersect(image.Rect(0, 0, s.w, s.h))
	s.mu.Lock()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := 4 * (y*s.w + x)
			s.pix[i], s.pix[i+1], s.pix[i+2], s.pix[i+3] = byte(rgb), byte(rgb>>8), byte(rgb>>16), 0
		}
	}
	s.dirty = append(s.dirty, r)
	s.mu.Unlock()
	s.signal()
}

func (s *Screen) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Next waits for damage and returns the frame of what changed.
func (s *Screen) Next(ctx context.Context) (*capture.Frame, error) {
	for {
		if f, err := s.take(); f != nil || err != nil {
			return f, err
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// take returns the frame of the damage so far, or nil without any.
func (s *Screen) take() (*capture.Frame, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if len(s.dirty) == 0 {
		return nil, nil
	}
	var mark uint64
	if s.opts.Mark != nil {
		mark = s.opts.Mark().Mark
	}
	s.seq++
	s.frames++
	// A copy: the frame is the encoder's until the next call, while the
	// test may paint meanwhile.
	s.frame = capture.Frame{Pix: append(s.frame.Pix[:0], s.pix...), Stride: 4 * s.w, Width: s.w, Height: s.h,
		Dirty: s.dirty, Captured: time.Now(), Seq: s.seq, Monitor: s.current, Mark: mark}
	s.dirty = nil
	return &s.frame, nil
}

// Frames reports how many frames Next returned.
func (s *Screen) Frames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames
}

// Refresh makes the next frame whole.
func (s *Screen) Refresh() {
	s.mu.Lock()
	s.dirty = []image.Rectangle{image.Rect(0, 0, s.w, s.h)}
	s.mu.Unlock()
	s.signal()
}

// Monitors returns the one primary monitor, ID 1.
func (s *Screen) Monitors() []capture.Monitor {
	return []capture.Monitor{{ID: 1, Name: "FAKE-1", Width: s.w, Height: s.h, Primary: true}}
}

// Select shares monitor 1 or capture.All (the same pixels here).
func (s *Screen) Select(id int) error {
	if id != 1 && id != capture.All {
		return errors.New("no such monitor")
	}
	s.mu.Lock()
	s.current = id
	s.mu.Unlock()
	s.Refresh()
	return nil
}

// MovePointer moves the pointer to (x, y); NextCursor brings it.
func (s *Screen) MovePointer(x, y int) {
	s.mu.Lock()
	s.pointer.X, s.pointer.Y = x, y
	c := s.pointerLocked()
	s.mu.Unlock()
	select {
	case <-s.moves: // only the newest position counts
	default:
	}
	s.moves <- c
}

// NextCursor returns the pointer when the test moved it.
func (s *Screen) NextCursor(ctx context.Context) (capture.Cursor, error) {
	select {
	case c := <-s.moves:
		return c, nil
	case <-ctx.Done():
		return capture.Cursor{}, ctx.Err()
	}
}

// CursorNow returns the pointer, its shape's pixels included.
func (s *Screen) CursorNow() (capture.Cursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pointer, nil
}

// pointerLocked is the pointer with its pixels the first time only.
func (s *Screen) pointerLocked() capture.Cursor {
	c := s.pointer
	if s.shaped {
		c.Pixels = nil
	}
	s.shaped = true
	return c
}

// Close makes Next fail.
func (s *Screen) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.signal()
	return nil
}

// cursorAt is an 8×8 opaque white arrow-ish square with its hot spot at
// the top left.
func cursorAt(x, y int) capture.Cursor {
	pix := make([]byte, 4*8*8)
	for i := range pix {
		pix[i] = 0xff
	}
	return capture.Cursor{X: x, Y: y, W: 8, H: 8, Pixels: pix, Serial: 1}
}
