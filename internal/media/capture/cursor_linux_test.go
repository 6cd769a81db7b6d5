package capture

import (
	"context"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

func TestCursor(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t, 1920, 1080)
	p := newPainter(t, display)
	s := openScreen(t, display, Options{})
	nextCursor := func(d time.Duration) (Cursor, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return s.NextCursor(ctx)
	}
	first, err := nextCursor(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if first.W == 0 || len(first.Pixels) != 4*first.W*first.H || first.Image() == nil {
		t.Fatalf("first cursor has no shape: %dx%d, %d bytes", first.W, first.H, len(first.Pixels))
	}
	if c, err := nextCursor(idle); err == nil {
		t.Fatalf("still pointer produced an update: %+v", c)
	}

	p.move(700, 400)
	c, err := nextCursor(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.X != 700 || c.Y != 400 {
		t.Errorf("cursor at (%d,%d), want (700,400)", c.X, c.Y)
	}
	if c.Serial != first.Serial || c.Pixels != nil {
		t.Errorf("move changed shape: serial %d→%d, %d bytes sent", first.Serial, c.Serial, len(c.Pixels))
	}

	p.setCursor(68) // XC_left_ptr
	c, err = nextCursor(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Serial == first.Serial || c.Pixels == nil || c.X != 700 {
		t.Errorf("new shape: serial %d (was %d), %d bytes, at x=%d", c.Serial, first.Serial, len(c.Pixels), c.X)
	}
}

// TestCursorNow: CursorNow returns position and shape together, pixels
// included although the shape did not change, and a later NextCursor does
// not repeat it.
func TestCursorNow(t *testing.T) {
	display := startXvfb(t, 640, 480)
	p := newPainter(t, display)
	s := openScreen(t, display, Options{})
	first := nextCursorWithin(t, s, 5*time.Second)
	p.move(300, 200)
	c, err := s.CursorNow()
	if err != nil {
		t.Fatal(err)
	}
	if c.X != 300 || c.Y != 200 || c.Serial != first.Serial || len(c.Pixels) != 4*c.W*c.H || c.W == 0 {
		t.Fatalf("CursorNow = at (%d,%d), serial %d (first %d), %dx%d, %d bytes; want (300,200), the same shape with its pixels",
			c.X, c.Y, c.Serial, first.Serial, c.W, c.H, len(c.Pixels))
	}
	ctx, cancel := context.WithTimeout(context.Background(), idle)
	defer cancel()
	if again, err := s.NextCursor(ctx); err == nil {
		t.Errorf("NextCursor repeated what CursorNow returned: %+v", again)
	}
}

func nextCursorWithin(t *testing.T, s *Screen, d time.Duration) Cursor {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	c, err := s.NextCursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
