package capture

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

func TestClose(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t, 640, 480)
	s := openScreen(t, display, Options{})
	next(t, s)
	errc := make(chan error, 2)
	go func() { _, err := s.Next(context.Background()); errc <- err }()
	go func() {
		s.NextCursor(context.Background()) // first call returns at once
		_, err := s.NextCursor(context.Background())
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let both block; the test holds either way
	s.Close()
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Errorf("blocked call after Close: %v, want ErrClosed", err)
		}
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
}

// TestNoFrameAllocation holds the hot path (take damage, merge, grab into
// the shared segment, fill the frame) to a handful of small allocations
// made inside xgb per request, and to no frame-sized buffer.
func TestNoFrameAllocation(t *testing.T) {
	display := startXvfb(t, 1920, 1080)
	s := openScreen(t, display, Options{})
	next(t, s)
	area := image.Rect(0, 0, 1920, 1080)
	var err error
	step := func() {
		cs := &s.cap
		cs.scratch, err = s.damage.take(s.conn, cs.scratch[:0])
		cs.scratch = coalesce(cs.scratch, area)
		pix, gerr := cs.grab(s.conn, s.root, area)
		err = errors.Join(err, gerr)
		cs.fill(pix, area, All, cs.scratch)
	}
	allocs := testing.AllocsPerRun(50, step)
	if err != nil {
		t.Fatal(err)
	}
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			step()
		}
	})
	t.Logf("per frame: %.0f allocations, %d bytes (xgb's cookies and replies)", allocs, res.AllocedBytesPerOp())
	if allocs > 40 || res.AllocedBytesPerOp() > 4096 {
		t.Errorf("hot path allocates %.0f times, %d bytes per frame", allocs, res.AllocedBytesPerOp())
	}
}

// TestRefresh: after Refresh, Next returns a whole frame read afresh even
// though nothing on the screen changed, with the pixels the screen holds
// (not ones a caller wrote into the previous frame).
func TestRefresh(t *testing.T) {
	display := startXvfb(t, 320, 240)
	s := openScreen(t, display, Options{})
	f := next(t, s)
	clear(f.Pix) // what a masking caller does
	f.Pix[0] = 0x7f
	s.Refresh()
	f = next(t, s)
	if len(f.Dirty) != 1 || f.Dirty[0] != image.Rect(0, 0, 320, 240) {
		t.Fatalf("dirty after Refresh = %v, want the whole frame", f.Dirty)
	}
	if f.Pix[0] != 0 {
		t.Errorf("first pixel = %#x: the frame was not read afresh (black root expected)", f.Pix[0])
	}
}

// TestMarkBeforeGrab: Options.Mark runs before the pixels are requested,
// so what changed on the screen before it returned is in the frame that
// carries its value. (Here Mark paints, as a window move that the tracker
// counts would.)
func TestMarkBeforeGrab(t *testing.T) {
	display := startXvfb(t, 320, 240)
	p := newPainter(t, display)
	var calls uint64
	s := openScreen(t, display, Options{Mark: func() Marker {
		calls++
		p.fill(image.Rect(0, 0, 320, 240), uint32(calls)*0x101010)
		return Marker{Mark: calls}
	}})
	for range 3 {
		f := next(t, s)
		if got, want := pixel(f, 10, 10), uint32(f.Mark)*0x101010; f.Mark == 0 || got != want {
			t.Fatalf("frame %d with mark %d shows %#06x, want %#06x (painted before that mark)", f.Seq, f.Mark, got, want)
		}
		s.Refresh()
	}
}

// TestMarkerEventSent: the Marker's event reaches the client that made its
// window, once per frame, carrying what Mark put in it.
func TestMarkerEventSent(t *testing.T) {
	display := startXvfb(t, 320, 240)
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, _ := xproto.NewWindowId(c)
	root := xproto.Setup(c).DefaultScreen(c).Root
	if err := xproto.CreateWindowChecked(c, 0, w, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0, 0, nil).Check(); err != nil {
		t.Fatal(err)
	}
	var n uint32
	s := openScreen(t, display, Options{Mark: func() Marker {
		n++
		ev := xproto.ClientMessageEvent{Format: 32, Window: w, Type: xproto.AtomInteger,
			Data: xproto.ClientMessageDataUnionData32New([]uint32{n, 0, 0, 0, 0})}
		return Marker{Mark: uint64(n), Window: uint32(w), Event: ev.Bytes()}
	}})
	for want := uint32(1); want <= 3; want++ {
		f := next(t, s)
		ev, xerr := c.WaitForEvent()
		m, ok := ev.(xproto.ClientMessageEvent)
		if !ok || m.Data.Data32[0] != want || f.Mark != uint64(want) {
			t.Fatalf("frame with mark %d; event %v (%v), want a ClientMessage carrying %d", f.Mark, ev, xerr, want)
		}
		s.Refresh()
	}
}

// TestPrepare: Prepare names the size of the next frame and hands out no
// pixels; the frame after it is whole and read afresh (it shows what was
// painted after Prepare), also when frames came before; after Close it
// reports ErrClosed.
func TestPrepare(t *testing.T) {
	display := startXvfb(t, 320, 240)
	p := newPainter(t, display)
	s := openScreen(t, display, Options{})
	whole := image.Rect(0, 0, 320, 240)
	for i := range 2 {
		p.fill(whole, 0xd02020)
		size, err := s.Prepare(context.Background())
		if err != nil || size != image.Pt(320, 240) {
			t.Fatalf("Prepare = %v, %v; want 320x240", size, err)
		}
		p.fill(whole, 0x2040e0)
		f := next(t, s)
		if f.Seq != uint64(i+1) || len(f.Dirty) != 1 || f.Dirty[0] != whole {
			t.Fatalf("frame %d after Prepare: dirty %v, want %d, whole", f.Seq, f.Dirty, i+1)
		}
		if got := pixel(f, 10, 10); got != 0x2040e0 {
			t.Fatalf("frame %d after Prepare shows %#06x, want %#06x (painted after Prepare)", f.Seq, got, 0x2040e0)
		}
	}
	s.Close()
	if _, err := s.Prepare(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Prepare after Close: %v, want ErrClosed", err)
	}
}
