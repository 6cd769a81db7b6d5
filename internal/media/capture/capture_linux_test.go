package capture

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// idle is how long Next must stay silent on an unchanged screen: absence of
// a frame, not a speed measurement.
const idle = 300 * time.Millisecond

func openScreen(t *testing.T, display string, opts Options) *Screen {
	t.Helper()
	opts.Display = display
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func next(t *testing.T, s *Screen) *Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return f
}

// expectIdle fails the test if Next returns a frame within idle.
func expectIdle(t *testing.T, s *Screen) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), idle)
	defer cancel()
	f, err := s.Next(ctx)
	if err == nil {
		t.Fatalf("unchanged screen produced frame %d, dirty %v", f.Seq, f.Dirty)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on idle screen: %v, want deadline exceeded", err)
	}
}

// pixel returns the frame's pixel at (x, y) as 0xRRGGBB.
func pixel(f *Frame, x, y int) uint32 {
	i := y*f.Stride + 4*x
	return uint32(f.Pix[i+2])<<16 | uint32(f.Pix[i+1])<<8 | uint32(f.Pix[i])
}

func totalArea(rs []image.Rectangle) int {
	n := 0
	for _, r := range rs {
		n += area(r)
	}
	return n
}

// testPattern is w×h BGRX pixels that differ from their neighbours.
func testPattern(w, h int) []byte {
	b := make([]byte, 4*w*h)
	for y := range h {
		for x := range w {
			i := 4 * (y*w + x)
			b[i], b[i+1], b[i+2] = byte(4*x), byte(5*y), 0x80
		}
	}
	return b
}

func TestOpenWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	_, err := Open(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "set DISPLAY") {
		t.Fatalf("Open without display: %v, want advice to set DISPLAY", err)
	}
}

func TestCapture(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t, 1920, 1080)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"shm+damage", Options{}},
		{"plain-getimage", Options{noSHM: true}},
		{"tile-compare", Options{noDamage: true, PollInterval: 20 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testCapture(t, display, tc.opts)
		})
	}
}

// testCapture: a full first frame, silence while idle, then a drawn
// pattern arrives with its pixels and a dirty list that covers it and
// little else.
func testCapture(t *testing.T, display string, opts Options) {
	p := newPainter(t, display)
	p.fill(image.Rect(0, 0, 1920, 1080), 0x000000)
	s := openScreen(t, display, opts)
	if (s.cap.seg == nil) != opts.noSHM || (s.damage == nil) != opts.noDamage {
		t.Fatalf("capture path: shared memory %v, damage %v; want %v, %v", s.cap.seg != nil, s.damage != nil, !opts.noSHM, !opts.noDamage)
	}
	f := next(t, s)
	if f.Seq != 1 || f.Width != 1920 || f.Height != 1080 || f.Stride != 4*1920 {
		t.Fatalf("first frame: seq %d, %dx%d stride %d", f.Seq, f.Width, f.Height, f.Stride)
	}
	if len(f.Dirty) != 1 || f.Dirty[0] != image.Rect(0, 0, 1920, 1080) {
		t.Fatalf("first frame dirty %v, want the whole screen", f.Dirty)
	}
	expectIdle(t, s)

	at := image.Rect(300, 200, 364, 248)
	p.put(at.Min.X, at.Min.Y, at.Dx(), at.Dy(), testPattern(at.Dx(), at.Dy()))
	f = next(t, s)
	if !covered(f.Dirty, at) {
		t.Fatalf("dirty %v does not cover the drawn %v", f.Dirty, at)
	}
	if a := totalArea(f.Dirty); a > 16*area(at) {
		t.Errorf("dirty %v covers %d pixels for a change of %d", f.Dirty, a, area(at))
	}
	for y := range at.Dy() {
		for x := range at.Dx() {
			want := uint32(0x80)<<16 | uint32(byte(5*y))<<8 | uint32(byte(4*x))
			if got := pixel(f, at.Min.X+x, at.Min.Y+y); got != want {
				t.Fatalf("pixel (%d,%d) = %06x, want %06x", at.Min.X+x, at.Min.Y+y, got, want)
			}
		}
	}
	if got := pixel(f, at.Max.X, at.Max.Y); got != 0 {
		t.Errorf("pixel outside the pattern = %06x, want black", got)
	}
	expectIdle(t, s)

	// A second change elsewhere: the new frame shows it and still shows
	// the first (only changed rows may be grabbed, the rest must persist).
	p.fill(image.Rect(1500, 900, 1510, 905), 0x123456)
	f = next(t, s)
	if got := pixel(f, 1505, 902); got != 0x123456 {
		t.Errorf("second change: pixel = %06x, want 123456", got)
	}
	if got := pixel(f, at.Min.X+1, at.Min.Y+1); got != 0x800504 {
		t.Errorf("first change lost: pixel = %06x, want 800504", got)
	}
}

func TestTwoMonitors(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t, 2304, 1024)
	p := newPainter(t, display)
	p.fill(image.Rect(0, 0, 2304, 1024), 0x000000)
	left, right := image.Rect(0, 0, 1024, 768), image.Rect(1024, 0, 2304, 1024)
	p.splitMonitors(left, right)
	s := openScreen(t, display, Options{})

	ms := s.Monitors()
	if len(ms) != 2 {
		t.Fatalf("monitors %+v, want 2", ms)
	}
	for i, want := range []image.Rectangle{left, right} {
		if ms[i].ID != i+1 || ms[i].Bounds() != want || ms[i].Primary != (i == 0) {
			t.Errorf("monitor %d = %+v, want ID %d at %v", i, ms[i], i+1, want)
		}
	}
	if f := next(t, s); f.Width != 2304 || f.Monitor != All {
		t.Fatalf("default capture %dx%d monitor %d, want the whole 2304x1024 screen", f.Width, f.Height, f.Monitor)
	}
	if err := s.Select(3); err == nil {
		t.Error("Select(3) of 2 monitors succeeded")
	}
	if err := s.Select(2); err != nil {
		t.Fatal(err)
	}
	f := next(t, s)
	if f.Width != 1280 || f.Height != 1024 || f.Origin != right.Min || f.Monitor != 2 {
		t.Fatalf("monitor 2 frame %dx%d at %v (monitor %d), want 1280x1024 at %v", f.Width, f.Height, f.Origin, f.Monitor, right.Min)
	}
	p.fill(image.Rect(10, 10, 50, 50), 0xff0000) // on monitor 1 only
	expectIdle(t, s)
	p.fill(image.Rect(1034, 20, 1074, 60), 0x00ff00)
	f = next(t, s)
	if got := pixel(f, 10, 20); got != 0x00ff00 {
		t.Errorf("monitor 2 pixel (10,20) = %06x, want green drawn at (1034,20)", got)
	}
	if !covered(f.Dirty, image.Rect(10, 20, 50, 60)) {
		t.Errorf("dirty %v misses the change at (10,20)-(50,60) in monitor coordinates", f.Dirty)
	}

	// Switching while Next waits on an idle screen wakes it with a full
	// frame of the new choice.
	got := make(chan *Frame, 1)
	go func() { got <- next(t, s) }()
	if err := s.Select(1); err != nil {
		t.Fatal(err)
	}
	f = <-got
	if f.Monitor != 1 || f.Width != 1024 || f.Height != 768 || pixel(f, 20, 20) != 0xff0000 {
		t.Errorf("after Select(1): monitor %d, %dx%d, pixel %06x; want 1024x768 with red at (20,20)", f.Monitor, f.Width, f.Height, pixel(f, 20, 20))
	}
}

// TestMonitorRemoved: when the selected monitor goes away while capturing,
// Next notices on its own and falls back to the whole screen. Removing a
// client-defined monitor raises no event; Next rereads the layout every
// layoutEvery while frames flow (every frame here).
func TestMonitorRemoved(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t, 2304, 1024)
	p := newPainter(t, display)
	p.splitMonitors(image.Rect(0, 0, 1024, 768), image.Rect(1024, 0, 2304, 1024))
	s := openScreen(t, display, Options{})
	s.layoutEvery = 0
	if err := s.Select(2); err != nil {
		t.Fatal(err)
	}
	if f := next(t, s); f.Monitor != 2 {
		t.Fatalf("frame of monitor %d, want 2", f.Monitor)
	}
	p.deleteMonitor("TANDEM-2")
	p.fill(image.Rect(0, 0, 8, 8), 0xffffff)
	f := next(t, s)
	if f.Monitor != All || f.Width != 2304 || len(f.Dirty) != 1 || f.Dirty[0] != image.Rect(0, 0, 2304, 1024) {
		t.Fatalf("after removal: monitor %d, %dx%d, dirty %v; want a full frame of all", f.Monitor, f.Width, f.Height, f.Dirty)
	}
	if ms := s.Monitors(); len(ms) != 1 {
		t.Errorf("monitors after removal: %+v", ms)
	}
}
