package appsel

import (
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestSettledSeesMovesBeforeIt: another client moves a window that is not
// shared over the shared one and away again, each time waiting until the
// server has done it (as the capture's request would come after); the
// region Settled returns at once shows every move, and says that a window
// changed since the marker sent before the move. With nothing moving in
// between, Settled says the region held, also when the tracker had not yet
// handled a move made before the marker.
func TestSettledSeesMovesBeforeIt(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	shared := d.open(app{class: "Editor", title: "shared", rgb: 0xff0000, bounds: image.Rect(0, 0, 200, 200)}, 0)
	private := d.open(app{class: "Mail", title: "private", rgb: 0x00ff00, bounds: image.Rect(300, 0, 400, 100)}, 0)
	tr := openTracker(t, display, Options{})
	tr.Select([]uint32{uint32(shared)})
	whole := image.Rect(0, 0, 200, 200)
	waitFor(t, tr, "editor shared", regionIs(tr, whole))
	ctx := context.Background()

	over := image.Rect(50, 50, 150, 150)
	covered := visible(image.Rect(0, 0, 640, 480), []image.Rectangle{over, whole}, []bool{false, true})
	for i := range 40 {
		place, want := image.Rect(300, 0, 400, 100), []image.Rectangle{whole}
		if i%2 == 0 {
			place, want = over, covered
		}
		s := tr.Mark()
		d.place(private, place)
		r, still, err := tr.Settled(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if still || r.All || !slices.Equal(r.Rects, want) {
			t.Fatalf("move %d to %v: Settled = %v, still %v; want %v, not still", i, place, r.Rects, still, want)
		}
		s = tr.Mark()
		if r2, still, _ := tr.Settled(ctx, s); !still || !slices.Equal(r2.Rects, want) {
			t.Fatalf("after move %d, nothing moving: Settled = %v, still %v; want %v, still", i, r2.Rects, still, want)
		}
	}

	// A move made before the marker, which the tracker has not handled
	// yet, is not a change between the markers: the region shows it and
	// holds.
	for i := range 10 {
		place, want := image.Rect(300, 0, 400, 100), []image.Rectangle{whole}
		if i%2 == 0 {
			place, want = over, covered
		}
		d.place(private, place)
		s := tr.Mark()
		if r, still, _ := tr.Settled(ctx, s); !still || !slices.Equal(r.Rects, want) {
			t.Fatalf("move %d to %v before the marker: Settled = %v, still %v; want %v, still", i, place, r.Rects, still, want)
		}
	}

	// A marker sent on another connection (the capture's) orders just as
	// well: a move after it is a change, a move before it is not.
	for i := range 10 {
		place := []image.Rectangle{over, image.Rect(300, 0, 400, 100)}[i%2]
		s, w, ev := tr.MarkEvent()
		before := i < 5
		if before {
			d.place(private, place)
		}
		xproto.SendEvent(d.conn, false, xproto.Window(w), 0, string(ev))
		d.sync() // as the capture's request for pixels would: the marker reached the server
		if !before {
			d.place(private, place)
		}
		if _, still, _ := tr.Settled(ctx, s); still != before {
			t.Fatalf("move %d %s the other connection's marker: still %v", i, map[bool]string{true: "before", false: "after"}[before], still)
		}
	}

	s := tr.Mark()
	d.setString(private, "_NET_WM_NAME", "UTF8_STRING", "another title")
	if _, still, _ := tr.Settled(ctx, s); !still {
		t.Errorf("a new title counted as a window change")
	}
	tr.Close()
	if _, _, err := tr.Settled(ctx, s); !errors.Is(err, ErrClosed) {
		t.Errorf("Settled after Close: %v, want ErrClosed", err)
	}
}

// TestSettledChangeAfterMarker: a window that moves right after Settled's
// marker, while the tracker is busy reading a large tree (150 windows with
// long titles), reaches the tracker in the same burst as the marker. The
// region read after that burst is newer than the marker; Settled must not
// call it still.
func TestSettledChangeAfterMarker(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	long := strings.Repeat("busy ", 800)
	for i := range 150 {
		w := d.open(app{class: "Filler", rgb: 0x202020, bounds: image.Rect(600+i%8, 400, 601+i%8, 401)}, 0)
		xproto.ChangeProperty(d.conn, xproto.PropModeReplace, w, xproto.AtomWmName, xproto.AtomString, 8, uint32(len(long)), []byte(long))
	}
	shared := d.open(app{class: "Editor", title: "shared", rgb: 0xff0000, bounds: image.Rect(0, 0, 200, 200)}, 0)
	private := d.open(app{class: "Mail", title: "private", rgb: 0x00ff00, bounds: image.Rect(300, 0, 400, 100)}, 0)
	busy := d.open(app{class: "Clock", title: "clock", rgb: 0x0000ff, bounds: image.Rect(300, 300, 340, 340)}, 0)
	tr := openTracker(t, display, Options{})
	tr.Select([]uint32{uint32(shared)})
	whole := image.Rect(0, 0, 200, 200)
	waitFor(t, tr, "editor shared", regionIs(tr, whole))
	ctx := context.Background()
	over, away := image.Rect(50, 50, 150, 150), image.Rect(300, 0, 400, 100)
	covered := visible(image.Rect(0, 0, 640, 480), []image.Rectangle{over, whole}, []bool{false, true})
	regions := map[image.Rectangle][]image.Rectangle{over: covered, away: {whole}}
	at := away
	var stills int
	for i := range 20 {
		d.place(busy, image.Rect(300+i, 300, 340+i, 340)) // the tracker reads the tree
		s, w, ev := tr.MarkEvent()
		xproto.SendEvent(d.conn, false, xproto.Window(w), 0, string(ev))
		d.sync()
		type answer struct {
			r     Region
			still bool
		}
		got := make(chan answer)
		go func() {
			r, still, _ := tr.Settled(ctx, s)
			got <- answer{r, still}
		}()
		time.Sleep(5 * time.Millisecond) // Settled's marker went out
		before := at
		at = map[image.Rectangle]image.Rectangle{over: away, away: over}[at]
		d.place(private, at)
		a := <-got
		if a.still {
			stills++
			if !slices.Equal(a.r.Rects, regions[before]) {
				t.Fatalf("round %d: still, with region %v; the windows between the markers gave %v", i, a.r.Rects, regions[before])
			}
		}
	}
	t.Logf("%d of 20 answers still", stills)
}
