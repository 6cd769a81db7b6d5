package agentsession

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/media/capture"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// fakePointer feeds cursorSender: each value sent on moves is one pointer
// change; sent records what went out and when (in synctest's clock).
type fakePointer struct {
	moves   chan capture.Cursor
	mu      sync.Mutex
	sent    []proto.CursorPos
	at      []time.Time
	shapes  int
	serials []uint32 // of the shapes sent
	offset  int32    // subtracted from X, like a monitor's origin
	// hide, when set, says which x are outside what is shared.
	hide func(x int) bool
	cur  capture.Cursor // the pointer as the last move left it
	// fresh, when not 0, is the shape serial a fresh read (now) finds:
	// the shape's change not announced yet.
	fresh uint32
}

func newFakePointer(t *testing.T, ctx context.Context) *fakePointer {
	f := &fakePointer{moves: make(chan capture.Cursor, 64)}
	cs := cursorSender{
		next: func(ctx context.Context) (capture.Cursor, error) {
			select {
			case c := <-f.moves:
				f.mu.Lock()
				f.cur = c
				f.mu.Unlock()
				return c, nil
			case <-ctx.Done():
				return capture.Cursor{}, ctx.Err()
			}
		},
		place: func(c capture.Cursor, seq uint16) proto.CursorPos {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.hide != nil && f.hide(c.X) {
				return proto.CursorPos{Seq: seq, Serial: c.Serial, Hidden: true}
			}
			return proto.CursorPos{Seq: seq, Serial: c.Serial, X: int32(c.X) - f.offset, Y: int32(c.Y)}
		},
		now: func() (capture.Cursor, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			c := f.cur
			if f.fresh != 0 {
				c.Serial = f.fresh
			}
			c.W, c.H, c.Pixels = 1, 1, make([]byte, 4)
			return c, nil
		},
		send: func(_ context.Context, b []byte) error {
			p, err := proto.DecodeCursorPos(b)
			if err != nil {
				t.Errorf("sent a bad position: %v", err)
			}
			f.mu.Lock()
			f.sent, f.at = append(f.sent, p), append(f.at, time.Now())
			f.mu.Unlock()
			return nil
		},
		shape: func(_ context.Context, c capture.Cursor) {
			f.mu.Lock()
			f.shapes++
			f.serials = append(f.serials, c.Serial)
			f.mu.Unlock()
		},
		log: slog.New(slog.DiscardHandler),
	}
	go cs.run(ctx)
	return f
}

func (f *fakePointer) snapshot() ([]proto.CursorPos, []time.Time, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]proto.CursorPos(nil), f.sent...), append([]time.Time(nil), f.at...), f.shapes
}

// TestCursorSenderPace: a burst of moves goes out no faster than one per
// cursorGap, shapes only when pixels come with a move, and the position at
// rest goes out exactly once more.
func TestCursorSenderPace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		f := newFakePointer(t, ctx)
		f.moves <- capture.Cursor{X: 0, Serial: 1, W: 1, H: 1, Pixels: make([]byte, 4)}
		for i := 1; i < 10; i++ {
			f.moves <- capture.Cursor{X: i, Serial: 1}
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		sent, at, shapes := f.snapshot()
		if len(sent) != 11 || shapes != 1 {
			t.Fatalf("sent %d positions and %d shapes, want 10 moves + 1 at rest and 1 shape", len(sent), shapes)
		}
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap < cursorGap {
				t.Errorf("positions %d and %d %v apart, want at least %v", i-1, i, gap, cursorGap)
			}
			if !sent[i].Newer(sent[i-1]) {
				t.Errorf("position %d (seq %d) not newer than %d", i, sent[i].Seq, sent[i-1].Seq)
			}
		}
		if last, rest := sent[9], sent[10]; rest.X != last.X || rest.Y != last.Y {
			t.Errorf("at rest resent %+v, want the last position %+v", rest, last)
		}
	})
}

// TestCursorSenderMonitorChange: when the shared monitor changes while the
// pointer rests, the new relative position goes out within cursorSettle.
func TestCursorSenderMonitorChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		f := newFakePointer(t, ctx)
		f.moves <- capture.Cursor{X: 700, Y: 5, Serial: 1}
		time.Sleep(time.Second)
		f.mu.Lock()
		f.offset = 640
		f.mu.Unlock()
		time.Sleep(cursorSettle + cursorGap)
		synctest.Wait()
		sent, _, _ := f.snapshot()
		if len(sent) != 3 || sent[2].X != 60 {
			t.Fatalf("sent %+v, want the move, its repeat at rest and x=60 on the new monitor", sent)
		}
	})
}

// TestCursorSenderHidesOutside: the pointer goes from a shared window
// over one that is not shared, where its shape changes (a text field's
// I-beam), moves about there for two seconds, and comes back. Outside,
// the technician gets "hidden" as it leaves and once more, naming the
// shape sent before, and nothing else: no position, no shape. Back inside,
// the shape read afresh goes out before the position naming it; the shape
// from outside never does.
func TestCursorSenderHidesOutside(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		f := newFakePointer(t, ctx)
		f.mu.Lock()
		f.hide = func(x int) bool { return x >= 100 && x < 200 }
		f.mu.Unlock()
		f.moves <- capture.Cursor{X: 10, Serial: 1, W: 1, H: 1, Pixels: make([]byte, 4)}
		time.Sleep(time.Second)
		f.moves <- capture.Cursor{X: 150, Serial: 2, W: 1, H: 1, Pixels: make([]byte, 4)}
		for i := range 100 { // two seconds of moving about outside
			time.Sleep(20 * time.Millisecond)
			f.moves <- capture.Cursor{X: 110 + i%80, Serial: 2}
		}
		time.Sleep(time.Second)
		synctest.Wait()
		sent, _, _ := f.snapshot()
		var hidden int
		for _, p := range sent {
			if p.Hidden {
				hidden++
				if p.Serial != 1 {
					t.Errorf("hidden position names shape %d, want 1 (the last shape sent)", p.Serial)
				}
			}
		}
		if hidden != 2 || len(sent) != 4 {
			t.Fatalf("sent %+v; want the position inside, once more at rest, then hidden twice", sent)
		}

		f.mu.Lock()
		f.fresh = 3 // back inside, the shape is the shared window's again
		f.mu.Unlock()
		f.moves <- capture.Cursor{X: 20, Serial: 2}
		time.Sleep(time.Second)
		synctest.Wait()
		sent, _, _ = f.snapshot()
		f.mu.Lock()
		serials := append([]uint32(nil), f.serials...)
		f.mu.Unlock()
		if len(serials) != 2 || serials[0] != 1 || serials[1] != 3 {
			t.Errorf("shapes sent %v, want 1 then 3 (never 2, the shape outside)", serials)
		}
		if back := sent[4]; back.Hidden || back.X != 20 || back.Serial != 3 {
			t.Errorf("back inside sent %+v, want x=20 with shape 3", back)
		}
	})
}
