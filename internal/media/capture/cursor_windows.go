//go:build windows

package capture

import (
	"context"
	"fmt"
	"image"
	"time"
	"unsafe"
)

// gdiCursor is what NextCursor last returned.
type gdiCursor struct {
	handle uintptr
	pos    image.Point
	serial uint32
	moved  time.Time
	sent   bool
}

// NextCursor returns the pointer when it moved or its shape changed,
// sampling GetCursorInfo every Options.CursorInterval, less often at rest
// (cursorRest), and at once when Wake says input came.
func (s *GDI) NextCursor(ctx context.Context) (Cursor, error) {
	s.curMu.Lock()
	defer s.curMu.Unlock()
	for {
		c, changed, err := s.sampleCursor()
		if err != nil || changed {
			return c, err
		}
		t := time.NewTimer(s.opts.cursorInterval() * cursorRest(time.Since(s.cursor.moved)))
		select {
		case <-ctx.Done():
			t.Stop()
			return Cursor{}, fmt.Errorf("next cursor: %w", ctx.Err())
		case <-s.closing:
			t.Stop()
			return Cursor{}, ErrClosed
		case <-s.curWake:
			t.Stop()
		case <-t.C:
		}
	}
}

// cursorRest is how many times slower than Options.CursorInterval a
// pointer at rest for so long is sampled: five times after a second,
// twenty (every 200 ms by default) after ten. Each sample is a round trip
// to wineserver and to the X server under Wine; the pointer moved by input
// is sampled at once anyway (Wake).
func cursorRest(rest time.Duration) time.Duration {
	switch {
	case rest > 10*time.Second:
		return 20
	case rest > time.Second:
		return 5
	}
	return 1
}

// CursorNow reads the pointer's position and shape.
func (s *GDI) CursorNow() (Cursor, error) {
	s.curMu.Lock()
	defer s.curMu.Unlock()
	s.cursor.sent = false
	c, _, err := s.sampleCursor()
	if err == nil && c.Pixels == nil {
		c, err = s.readShape(s.cursor.handle, c)
	}
	return c, err
}

// sampleCursor reads the pointer; changed is whether it differs from the
// last one returned (the shape is read only when it changed).
func (s *GDI) sampleCursor() (Cursor, bool, error) {
	ci := cursorInfo{Size: uint32(unsafe.Sizeof(cursorInfo{}))}
	if ok, _, err := procGetCursorInfo.Call(uintptr(unsafe.Pointer(&ci))); ok == 0 {
		return Cursor{}, false, fmt.Errorf("GetCursorInfo: %w", err)
	}
	cs := &s.cursor
	h := uintptr(ci.Cursor)
	if ci.Flags&cursorShowing == 0 {
		h = 0
	}
	pos := image.Pt(int(ci.X), int(ci.Y))
	c := Cursor{X: pos.X, Y: pos.Y, Serial: cs.serial}
	shape := h != cs.handle || !cs.sent
	if pos == cs.pos && !shape {
		return c, false, nil
	}
	cs.pos, cs.moved, cs.sent = pos, time.Now(), true
	if !shape {
		return c, true, nil
	}
	cs.handle = h
	cs.serial++
	c.Serial = cs.serial
	c, err := s.readShape(h, c)
	return c, true, err
}

// readShape draws the cursor on black and on white: on black the pixels
// are the shape's premultiplied colour, and the difference between the two
// is what shows through, so alpha = 255 - (white - black). A hidden
// pointer, or one whose shape cannot be read, is an empty 1×1 shape.
func (s *GDI) readShape(h uintptr, c Cursor) (Cursor, error) {
	c.W, c.H, c.HotX, c.HotY = 1, 1, 0, 0
	c.Pixels = make([]byte, 4)
	if h == 0 {
		return c, nil
	}
	var ii iconInfo
	if ok, _, _ := procGetIconInfo.Call(h, uintptr(unsafe.Pointer(&ii))); ok == 0 {
		// Another process's cursor that this one cannot read (seen
		// under Wine): the position still goes out, with no shape.
		return c, nil
	}
	procDeleteObject.Call(uintptr(ii.Mask))
	if ii.Color != 0 {
		procDeleteObject.Call(uintptr(ii.Color))
	}
	size := image.Pt(metric(smCXCursor), metric(smCYCursor))
	black, err := drawCursor(h, size, 0x00)
	if err != nil {
		return c, err
	}
	white, err := drawCursor(h, size, 0xff)
	if err != nil {
		return c, err
	}
	c.W, c.H, c.HotX, c.HotY = size.X, size.Y, int(ii.HotX), int(ii.HotY)
	c.Pixels = make([]byte, len(black))
	for i := 0; i < len(black); i += 4 {
		a := 255 - (int(white[i+1]) - int(black[i+1]))
		c.Pixels[i], c.Pixels[i+1], c.Pixels[i+2] = black[i+2], black[i+1], black[i] // BGRX to RGB
		c.Pixels[i+3] = byte(max(0, min(255, a)))
	}
	return c, nil
}

// drawCursor draws the cursor on a background of bg and returns its BGRX
// pixels.
func drawCursor(h uintptr, size image.Point, bg byte) ([]byte, error) {
	d, err := newDIB(size)
	if err != nil {
		return nil, err
	}
	defer d.free()
	for i := range d.pix {
		d.pix[i] = bg
	}
	if ok, _, err := procDrawIconEx.Call(d.dc, 0, 0, h, uintptr(size.X), uintptr(size.Y), 0, 0, diNormal); ok == 0 {
		return nil, fmt.Errorf("DrawIconEx: %w", err)
	}
	procGdiFlush.Call()
	return append([]byte(nil), d.pix...), nil
}
