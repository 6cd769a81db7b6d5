//go:build !linux

package capture

import (
	"context"
	"image"
)

// Screen is a capture session; on this system it cannot be opened yet.
type Screen struct{}

// Open returns ErrNotSupported: only Linux/X11 has a backend so far.
func Open(ctx context.Context, opts Options) (*Screen, error) {
	return nil, ErrNotSupported
}

// Monitors returns nothing on this system.
func (s *Screen) Monitors() []Monitor { return nil }

// Select reports ErrNotSupported on this system.
func (s *Screen) Select(monitorID int) error { return ErrNotSupported }

// Next reports ErrNotSupported on this system.
func (s *Screen) Next(ctx context.Context) (*Frame, error) { return nil, ErrNotSupported }

// NextCursor reports ErrNotSupported on this system.
func (s *Screen) NextCursor(ctx context.Context) (Cursor, error) {
	return Cursor{}, ErrNotSupported
}

// CursorNow reports ErrNotSupported on this system.
func (s *Screen) CursorNow() (Cursor, error) { return Cursor{}, ErrNotSupported }

// Close does nothing on this system.
func (s *Screen) Close() error { return nil }

// Refresh does nothing without a backend.
func (s *Screen) Refresh() {}

// Prepare reports ErrNotSupported on this system.
func (s *Screen) Prepare(ctx context.Context) (image.Point, error) {
	return image.Point{}, ErrNotSupported
}
