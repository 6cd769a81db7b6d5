package winapps

import (
	"context"
	"errors"
	"image"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

// desk is a desktop whose windows a test moves: a Lister over it.
type desk struct {
	mu    sync.Mutex
	l     Layout
	fail  error
	reads int // lists so far
}

func (d *desk) list() (Layout, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reads++
	return Layout{Screen: d.l.Screen, Windows: slices.Clone(d.l.Windows)}, d.fail
}

func (d *desk) set(ws ...Top) {
	d.mu.Lock()
	d.l.Windows = ws
	d.mu.Unlock()
}

var (
	screen  = image.Rect(0, 0, 1024, 768)
	editor  = Top{ID: 0x10, Title: "notes.txt - Notepad", Program: "notepad.exe", PID: 100, Bounds: image.Rect(100, 100, 500, 400), Listed: true}
	dialog  = Top{ID: 0x11, Title: "Save as", Program: "notepad.exe", PID: 100, Bounds: image.Rect(200, 150, 400, 300), Listed: true}
	mail    = Top{ID: 0x20, Title: "Inbox - Mail", Program: "mail.exe", PID: 200, Bounds: image.Rect(300, 200, 800, 600), Listed: true}
	tooltip = Top{ID: 0x21, PID: 200, Bounds: image.Rect(120, 120, 220, 140)} // a tool window of mail
	folder  = Top{ID: 0x30, Title: "Documents", Program: "explorer.exe", PID: 300, Bounds: image.Rect(600, 0, 900, 200), Listed: true}
	desktop = Top{ID: 0x31, Title: "Program Manager", Program: "explorer.exe", PID: 300, Bounds: screen, Shell: true}
	agentUI = Top{ID: 0x40, Title: "Tandem", Program: "tandem-agent.exe", PID: 400, Bounds: image.Rect(800, 0, 1024, 300), Listed: true}
)

// newTracker starts a tracker over d, closed at the test's end; its
// poller must be gone then (leakcheck).
func newTracker(t *testing.T, d *desk, o Options) *Tracker {
	t.Helper()
	leakcheck.Check(t)
	o.List = d.list
	tr, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func TestRegionOfChosenWindows(t *testing.T) {
	d := &desk{l: Layout{Screen: screen}}
	d.set(agentUI, mail, tooltip, editor, folder, desktop)
	tr := newTracker(t, d, Options{Exclude: func(id uint32) bool { return id == agentUI.ID }})
	var ids []uint32
	for _, w := range tr.Windows() {
		ids = append(ids, w.ID)
	}
	if want := []uint32{mail.ID, editor.ID, folder.ID}; !slices.Equal(ids, want) {
		t.Fatalf("Windows() = %#x, want %#x (not the agent's own, the tool window or the desktop)", ids, want)
	}
	if r := tr.Region(); !r.All {
		t.Fatalf("Region() before a choice = %v, want the whole screen", r)
	}
	tr.Select([]uint32{editor.ID})
	r := tr.Region()
	for _, c := range []struct {
		p    image.Point
		want bool
	}{
		{image.Pt(150, 300), true},  // the editor, uncovered
		{image.Pt(350, 250), false}, // the editor under mail
		{image.Pt(150, 130), false}, // the editor under mail's tooltip
		{image.Pt(700, 500), false}, // mail
		{image.Pt(50, 50), false},   // the desktop
	} {
		if got := r.Contains(c.p); got != c.want {
			t.Errorf("with the editor chosen, Contains(%v) = %v, want %v (region %v)", c.p, got, c.want, r.Rects)
		}
	}
	tr.Select([]uint32{folder.ID})
	if r := tr.Region(); r.Contains(image.Pt(50, 50)) || !r.Contains(image.Pt(700, 100)) {
		t.Errorf("with a folder chosen the region is %v: want the folder, never the desktop of the same process", r.Rects)
	}
	tr.Select([]uint32{agentUI.ID})
	if r := tr.Region(); len(r.Rects) != 0 || r.All {
		t.Errorf("choosing the agent's own window shares %v, want nothing", r)
	}
}

// TestProcessFollowsSelection: a dialog the chosen window's process opens
// later is shared, a tool window of another process still covers it.
func TestProcessFollowsSelection(t *testing.T) {
	d := &desk{l: Layout{Screen: screen}}
	d.set(editor, desktop)
	tr := newTracker(t, d, Options{})
	tr.Select([]uint32{editor.ID})
	d.set(tooltip, dialog, editor, desktop)
	m := tr.Marker() // a read, as the capture's before each frame
	r, still, err := tr.Settled(context.Background(), appsel.Stamp(m.Mark))
	if err != nil || !still {
		t.Fatalf("Settled = %v, %v, want still", still, err)
	}
	if !r.Contains(image.Pt(250, 200)) {
		t.Errorf("the editor's new dialog is not shared: %v", r.Rects)
	}
	if r.Contains(image.Pt(150, 130)) {
		t.Errorf("another process's tool window over the editor is shared: %v", r.Rects)
	}
}

// TestSettledBracketsTheGrab: still says whether the read after a frame
// places every window as the read before it.
func TestSettledBracketsTheGrab(t *testing.T) {
	d := &desk{l: Layout{Screen: screen}}
	d.set(mail, editor)
	tr := newTracker(t, d, Options{})
	tr.Select([]uint32{editor.ID})
	ctx := context.Background()

	m := tr.Marker()
	if _, still, _ := tr.Settled(ctx, appsel.Stamp(m.Mark)); !still {
		t.Error("nothing moved between the reads, still = false")
	}
	retitled := mail
	retitled.Title = "Inbox (1) - Mail"
	m = tr.Marker()
	d.set(retitled, editor)
	if _, still, _ := tr.Settled(ctx, appsel.Stamp(m.Mark)); !still {
		t.Error("a new title moves no window, still = false")
	}
	m = tr.Marker()
	moved := mail
	moved.Bounds = moved.Bounds.Add(image.Pt(-250, 0)) // now over the whole editor's top
	d.set(moved, editor)
	r, still, err := tr.Settled(ctx, appsel.Stamp(m.Mark))
	if err != nil || still {
		t.Fatalf("a window moved during the grab: Settled = %v, %v, want not still", still, err)
	}
	if r.Contains(image.Pt(150, 250)) {
		t.Errorf("Settled's region %v still shares what mail now covers", r.Rects)
	}
	d.set(editor, moved) // raised
	m = tr.Marker()
	if _, still, _ := tr.Settled(ctx, appsel.Stamp(m.Mark)); !still {
		t.Error("after the raise, nothing moved between the reads, still = false")
	}
	if _, still, _ := tr.Settled(ctx, 0); still {
		t.Error("Settled(0) names no read, still = true")
	}
}

func TestSettledWhenListingFails(t *testing.T) {
	d := &desk{l: Layout{Screen: screen}}
	d.set(editor)
	tr := newTracker(t, d, Options{})
	tr.Select([]uint32{editor.ID})
	d.mu.Lock()
	d.fail = errors.New("access denied")
	d.mu.Unlock()
	m := tr.Marker()
	if _, still, err := tr.Settled(context.Background(), appsel.Stamp(m.Mark)); err == nil || still {
		t.Errorf("Settled with the windows unreadable = %v, %v, want an error", still, err)
	}
	tr.Close()
	if _, _, err := tr.Settled(context.Background(), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Settled after Close: %v, want ErrClosed", err)
	}
}

// TestChangedByPolling: a window that appears or moves is noticed within
// one poll, with no frame to read the layout.
func TestChangedByPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &desk{l: Layout{Screen: screen}}
		d.set(editor)
		tr := newTracker(t, d, Options{PollInterval: time.Second})
		tr.Select([]uint32{editor.ID})
		<-tr.Changed() // the selection's
		d.set(mail, editor)
		time.Sleep(time.Second + time.Millisecond)
		synctest.Wait()
		select {
		case <-tr.Changed():
		default:
			t.Fatal("a new window went unnoticed for a poll")
		}
		if got := len(tr.Windows()); got != 2 {
			t.Errorf("Windows() lists %d, want 2", got)
		}
		time.Sleep(5 * time.Second) // nothing moves: no signal
		synctest.Wait()
		select {
		case <-tr.Changed():
			t.Error("Changed signalled while nothing changed")
		default:
		}
		tr.Close()
	})
}

// TestPollBacksOffWhileStill: with the whole screen shared and nothing
// moving, reads slow down to idleSlowdown polls apart; a window that moves
// brings the pace back for stillReads reads, and a choice of applications
// for as long as it lasts.
func TestPollBacksOffWhileStill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &desk{l: Layout{Screen: screen}}
		d.set(editor)
		tr := newTracker(t, d, Options{PollInterval: time.Second})
		count := func(span time.Duration) int {
			d.mu.Lock()
			before := d.reads
			d.mu.Unlock()
			time.Sleep(span)
			synctest.Wait()
			d.mu.Lock()
			defer d.mu.Unlock()
			return d.reads - before
		}
		count(30 * time.Second) // settle into the slow pace
		if n := count(40 * time.Second); n != 40/idleSlowdown {
			t.Errorf("still, whole screen shared: %d reads in 40 s, want %d (every %d s)", n, 40/idleSlowdown, idleSlowdown)
		}
		moved := editor
		moved.Bounds = moved.Bounds.Add(image.Pt(10, 0))
		d.set(moved)
		time.Sleep(idleSlowdown*time.Second - time.Millisecond) // the slow read that sees the move
		synctest.Wait()
		if n := count(stillReads * time.Second); n != stillReads {
			t.Errorf("after a window moved: %d reads in %d s, want %[2]d (every second)", n, stillReads)
		}
		count(30 * time.Second)
		tr.Select([]uint32{moved.ID})
		synctest.Wait()
		if n := count(30 * time.Second); n != 30 {
			t.Errorf("with an application chosen: %d reads in 30 s, want 30 (every second)", n)
		}
		tr.Close()
	})
}
