package agentsession

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/media/capture"
)

// scriptedFrames hands out frames in order and counts Refresh calls.
type scriptedFrames struct {
	frames    []*capture.Frame
	refreshes int
}

func (s *scriptedFrames) Next(ctx context.Context) (*capture.Frame, error) {
	if len(s.frames) == 0 {
		return nil, errors.New("no more frames")
	}
	f := s.frames[0]
	s.frames = s.frames[1:]
	return f, nil
}

func (s *scriptedFrames) Refresh() { s.refreshes++ }

// movingWindows is a tracker whose stamp moves on at each window change:
// Region is what it has heard of so far, Settled what it learns once it
// caught up with the server.
type movingWindows struct {
	heard, settled appsel.Region
	stamp          appsel.Stamp // the stamp after the changes Settled learns of
}

func (m *movingWindows) Region() appsel.Region { return m.heard }

func (m *movingWindows) Settled(_ context.Context, s appsel.Stamp) (appsel.Region, bool, error) {
	return m.settled, s == m.stamp, nil
}

// solid is a whole 8×4 frame of one colour, captured with mark.
func solid(bgrx byte, mark uint64) *capture.Frame {
	f := &capture.Frame{Pix: make([]byte, 8*4*4), Stride: 32, Width: 8, Height: 4, Mark: mark,
		Dirty: []image.Rectangle{image.Rect(0, 0, 8, 4)}}
	for i := range f.Pix {
		f.Pix[i] = bgrx
	}
	return f
}

// TestGateWaitsForWindowMoves: a window that is not shared moved over the
// right half of the shared one just before a frame was captured, and the
// tracker has not heard of it yet. The gate never lets that frame through
// (its stamp is older than the move): it asks for a fresh one, and masks
// that with the region the tracker settled on.
func TestGateWaitsForWindowMoves(t *testing.T) {
	left := image.Rect(0, 0, 4, 4)
	windows := &movingWindows{
		heard:   appsel.Region{Rects: []image.Rectangle{image.Rect(0, 0, 8, 4)}},
		settled: appsel.Region{Rects: []image.Rectangle{left}},
		stamp:   2,
	}
	src := &scriptedFrames{frames: []*capture.Frame{solid(0x11, 1), solid(0x22, 2)}}
	g := &gatedSource{src: src, apps: windows, state: func() (bool, <-chan struct{}) { return true, nil }}
	f, err := g.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Mark != 2 || src.refreshes != 1 {
		t.Fatalf("gate let frame with mark %d through after %d refreshes; want the fresh frame (mark 2) after 1", f.Mark, src.refreshes)
	}
	for y := range 4 {
		for x := range 8 {
			want := byte(0x22)
			if !image.Pt(x, y).In(left) {
				want = 0
			}
			if got := f.Pix[y*f.Stride+4*x]; got != want {
				t.Fatalf("pixel (%d,%d) = %#x, want %#x (the window over the right half is not shared)", x, y, got, want)
			}
		}
	}
}
