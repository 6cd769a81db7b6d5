package appsel

import (
	"bytes"
	"image"
	"os/exec"
	"slices"
	"testing"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

func TestListsApplicationWindows(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	ed := d.open(app{class: "Editor", title: "notes.txt — Éditeur", pid: pid, rgb: 0xff0000, bounds: image.Rect(10, 10, 210, 110)}, 0)
	// An override-redirect window (a menu) is not an application window.
	xvfb.Connect(t, display).Window(image.Rect(300, 300, 320, 320), 0x00ff00)
	term := d.open(app{class: "XTerm", title: "shell", rgb: 0x0000ff, bounds: image.Rect(50, 50, 250, 150)}, 0)
	tr := openTracker(t, display, Options{})

	want := []Window{
		{ID: uint32(term), Title: "shell", Program: "XTerm", Bounds: image.Rect(50, 50, 250, 150)},
		{ID: uint32(ed), Title: "notes.txt — Éditeur", Program: "Editor", PID: pid, Bounds: image.Rect(10, 10, 210, 110)},
	}
	if got := tr.Windows(); !slices.Equal(got, want) {
		t.Fatalf("Windows() = %+v\nwant %+v (top first)", got, want)
	}
	if r := tr.Region(); !r.All {
		t.Errorf("default region %+v, want the whole screen", r)
	}

	d.raise(ed)
	waitFor(t, tr, "editor on top", func() bool { ws := tr.Windows(); return len(ws) == 2 && ws[0].ID == uint32(ed) })
	d.setString(ed, "_NET_WM_NAME", "UTF8_STRING", "draft.txt")
	waitFor(t, tr, "new title", func() bool { w, _ := find(tr.Windows(), ed); return w.Title == "draft.txt" })
	xproto.UnmapWindow(d.conn, term)
	d.sync()
	waitFor(t, tr, "unmapped window leaves", func() bool { _, ok := find(tr.Windows(), term); return !ok })
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRegionFollowsSelection(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	ed := d.open(app{class: "Editor", title: "a", pid: pid, rgb: 0xff0000, bounds: image.Rect(100, 100, 300, 250)}, 0)
	other := d.open(app{class: "Mail", title: "inbox", pid: pid + 1, rgb: 0x00ff00, bounds: image.Rect(400, 300, 500, 400)}, 0)
	tr := openTracker(t, display, Options{})

	tr.Select([]uint32{uint32(ed)})
	waitFor(t, tr, "region is the editor", regionIs(tr, image.Rect(100, 100, 300, 250)))

	// Another program's window moved over the editor's corner hides it.
	d.place(other, image.Rect(250, 200, 350, 300))
	waitFor(t, tr, "covered corner leaves the region", regionIs(tr,
		image.Rect(100, 100, 300, 200), image.Rect(100, 200, 250, 250)))
	r := tr.Region()
	if r.Contains(image.Pt(260, 210)) || !r.Contains(image.Pt(240, 210)) || r.Contains(image.Pt(50, 50)) {
		t.Errorf("Contains disagrees with region %v", r.Rects)
	}

	// Raising the editor uncovers it again; moving and resizing it moves
	// the region.
	d.raise(ed)
	waitFor(t, tr, "raised editor whole again", regionIs(tr, image.Rect(100, 100, 300, 250)))
	d.raise(other)
	waitFor(t, tr, "raised mail window covers the corner again", regionIs(tr,
		image.Rect(100, 100, 300, 200), image.Rect(100, 200, 250, 250)))
	d.place(ed, image.Rect(20, 30, 120, 90))
	waitFor(t, tr, "region follows move and resize", regionIs(tr, image.Rect(20, 30, 120, 90)))

	tr.SelectAll()
	if r := tr.Region(); !r.All {
		t.Errorf("after SelectAll region %+v, want the whole screen", r)
	}
	tr.Select(nil)
	if r := tr.Region(); r.All || len(r.Rects) != 0 {
		t.Errorf("after Select(nil) region %+v, want nothing shared", r)
	}
}

func TestNewWindowsOfChosenProgramJoin(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	ed := d.open(app{class: "Editor", title: "a", pid: pid, rgb: 0xff0000, bounds: image.Rect(0, 0, 100, 100)}, 0)
	tr := openTracker(t, display, Options{})
	tr.Select([]uint32{uint32(ed)})
	waitFor(t, tr, "region is the editor", regionIs(tr, image.Rect(0, 0, 100, 100)))

	d.open(app{class: "Editor", title: "Save as", pid: pid, rgb: 0xff8000, bounds: image.Rect(200, 200, 300, 260)}, 0)
	waitFor(t, tr, "editor's dialog joins", regionIs(tr, image.Rect(200, 200, 300, 260), image.Rect(0, 0, 100, 100)))

	// Same class, another process: another instance, not chosen. A
	// different program: not chosen. Both, on top, only cover.
	d.open(app{class: "Editor", title: "b", pid: pid + 1, rgb: 0x00ff00, bounds: image.Rect(400, 0, 500, 100)}, 0)
	mail := d.open(app{class: "Mail", title: "inbox", pid: pid, rgb: 0x0000ff, bounds: image.Rect(50, 0, 150, 50)}, 0)
	waitFor(t, tr, "unrelated windows listed", func() bool { _, ok := find(tr.Windows(), mail); return ok && len(tr.Windows()) == 4 })
	want := []image.Rectangle{image.Rect(200, 200, 300, 260), image.Rect(0, 0, 50, 50), image.Rect(0, 50, 100, 100)}
	if r := tr.Region(); !slices.Equal(r.Rects, want) {
		t.Errorf("region %v, want %v", r.Rects, want)
	}
}

func TestMaskRealCapture(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 320, 240)
	d := newDesk(t, display)
	d.open(app{class: "Wallpaper", rgb: 0x808080, bounds: image.Rect(0, 0, 320, 240)}, 0)
	ed := d.open(app{class: "Editor", rgb: 0xff0000, bounds: image.Rect(40, 30, 140, 130)}, 0)
	d.open(app{class: "Mail", rgb: 0x00ff00, bounds: image.Rect(120, 100, 220, 200)}, 0)
	tr := openTracker(t, display, Options{})
	tr.Select([]uint32{uint32(ed)})

	pix, size := d.grab()
	MaskBGRX(pix, size.X*4, image.Point{}, size, tr.Region())
	red := []byte{0x00, 0x00, 0xff}
	for y := range size.Y {
		for x := range size.X {
			p := pix[(y*size.X+x)*4:][:3]
			inEditor := image.Pt(x, y).In(image.Rect(40, 30, 140, 130)) && !image.Pt(x, y).In(image.Rect(120, 100, 220, 200))
			if inEditor && !bytes.Equal(p, red) || !inEditor && !bytes.Equal(p, []byte{0, 0, 0}) {
				t.Fatalf("pixel (%d,%d) = %x after masking; want the editor's red inside its visible part, black elsewhere", x, y, p)
			}
		}
	}
}

// TestReparentingWindowManager plays a window manager: frames as the
// root's children, the application window inside carrying WM_STATE, and
// _NET_CLIENT_LIST on the root.
func TestReparentingWindowManager(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	frame := d.open(app{class: "WMFrame", rgb: 0x404040, bounds: image.Rect(100, 80, 310, 250)}, 0)
	client := d.open(app{class: "Editor", title: "doc", pid: pid, rgb: 0xff0000, bounds: image.Rect(5, 20, 205, 165)}, frame)
	d.set32(client, "WM_STATE", d.atom("WM_STATE"), 1, 0)
	// The manager's own check window: mapped, no WM_STATE, not a client.
	d.open(app{class: "WMCheck", rgb: 0, bounds: image.Rect(600, 0, 601, 1)}, 0)
	d.set32(d.root, "_NET_CLIENT_LIST", xproto.AtomWindow, uint32(client))
	tr := openTracker(t, display, Options{})

	want := []Window{{ID: uint32(client), Title: "doc", Program: "Editor", PID: pid, Bounds: image.Rect(100, 80, 310, 250)}}
	if got := tr.Windows(); !slices.Equal(got, want) {
		t.Fatalf("Windows() = %+v\nwant %+v", got, want)
	}
	tr.Select([]uint32{uint32(client)})
	waitFor(t, tr, "region is the frame", regionIs(tr, image.Rect(100, 80, 310, 250)))

	// The manager moves the frame: the region follows.
	d.place(frame, image.Rect(0, 0, 210, 170))
	waitFor(t, tr, "region follows the frame", regionIs(tr, image.Rect(0, 0, 210, 170)))
	// The application renames its window inside the frame.
	d.setString(client, "_NET_WM_NAME", "UTF8_STRING", "doc (modified)")
	waitFor(t, tr, "title inside a frame", func() bool { w, _ := find(tr.Windows(), client); return w.Title == "doc (modified)" })
}

// TestXterm lists a real application: xterm sets its title, WM_CLASS and
// _NET_WM_PID itself.
func TestXterm(t *testing.T) {
	leakcheck.Check(t)
	path, err := exec.LookPath("xterm")
	if err != nil {
		t.Skip("xterm not installed (apt-get install xterm)")
	}
	display := xvfb.Start(t, 640, 480)
	tr := openTracker(t, display, Options{})
	cmd := exec.Command(path, "-title", "build log", "-class", "TandemTerm", "-geometry", "40x10+30+40")
	cmd.Env = append(cmd.Environ(), "DISPLAY="+display)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start xterm: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var got Window
	waitFor(t, tr, "xterm listed", func() bool {
		ws := tr.Windows()
		if len(ws) == 1 && ws[0].Title == "build log" {
			got = ws[0]
			return true
		}
		return false
	})
	t.Logf("xterm listed as %+v", got)
	if got.Program != "TandemTerm" || got.Bounds.Min != image.Pt(30, 40) || got.Bounds.Empty() {
		t.Errorf("xterm listed as %+v, want program TandemTerm at (30,40)", got)
	}
	if got.PID != 0 && got.PID != cmd.Process.Pid {
		t.Errorf("xterm's PID %d, want %d", got.PID, cmd.Process.Pid)
	}
	tr.Select([]uint32{got.ID})
	waitFor(t, tr, "region is the xterm", regionIs(tr, got.Bounds))
}

func TestExclude(t *testing.T) {
	leakcheck.Check(t)
	display := xvfb.Start(t, 640, 480)
	d := newDesk(t, display)
	ed := d.open(app{class: "Editor", rgb: 0xff0000, bounds: image.Rect(0, 0, 200, 200)}, 0)
	own := d.open(app{class: "TandemAgent", rgb: 0x00ff00, bounds: image.Rect(150, 0, 250, 50)}, 0)
	tr := openTracker(t, display, Options{Exclude: func(id uint32) bool { return id == uint32(own) }})
	if ws := tr.Windows(); len(ws) != 1 || ws[0].ID != uint32(ed) {
		t.Fatalf("Windows() = %+v, want only the editor", ws)
	}
	tr.Select([]uint32{uint32(ed), uint32(own)})
	want := []image.Rectangle{image.Rect(0, 0, 150, 50), image.Rect(0, 50, 200, 200)}
	if r := tr.Region(); !slices.Equal(r.Rects, want) {
		t.Errorf("region %v, want %v (the excluded window covers, never shows)", r.Rects, want)
	}
}
