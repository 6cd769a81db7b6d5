package agentui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

var ana = Request{Kind: KindSession, Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl,
	Functions: []string{"file-transfer", "chat"}}

func armed(i layoutInfo) bool { return i.prompt != 0 && i.armed }

func TestAskByClick(t *testing.T) {
	for _, tc := range []struct {
		click string
		want  Answer
	}{{nAllow, Allow}, {nDeny, Deny}} {
		t.Run(tc.click, func(t *testing.T) {
			o := openUI(t)
			got := o.ask(ana)
			o.waitDrawn(t, "an armed question", armed)
			o.click(t, tc.click)
			if a := answerOf(t, got); a != tc.want {
				t.Fatalf("answer %v, want %v", a, tc.want)
			}
			o.waitDrawn(t, "the panel again", has(nStatus))
		})
	}
}

func TestAskTimesOut(t *testing.T) {
	o := openUI(t)
	r := ana
	r.Timeout = 1500 * time.Millisecond
	got := o.ask(r)
	o.waitDrawn(t, "the question", func(i layoutInfo) bool { return i.prompt != 0 })
	if a := answerOf(t, got); a != Timeout {
		t.Fatalf("answer %v, want timeout", a)
	}
	o.waitDrawn(t, "the panel again", has(nStatus))
}

// TestAskByKeyboard answers with Tab and Enter (Allow comes first), Tab
// Tab Enter (Deny) and Escape (Deny).
func TestAskByKeyboard(t *testing.T) {
	o := openUI(t)
	// Without a window manager the keyboard follows the pointer.
	p := o.u.Bounds()[0].Min.Add(image.Pt(5, 5))
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
	for _, tc := range []struct {
		keys []string
		want Answer
	}{
		{[]string{"Tab", "Return"}, Allow},
		{[]string{"Tab", "Tab", "Return"}, Deny},
		{[]string{"Escape"}, Deny},
	} {
		got := o.ask(ana)
		o.waitDrawn(t, "an armed question", armed)
		for _, k := range tc.keys {
			o.key(t, k)
		}
		if a := answerOf(t, got); a != tc.want {
			t.Errorf("%v: answer %v, want %v", tc.keys, a, tc.want)
		}
		o.waitDrawn(t, "the panel again", has(nStatus))
	}
}

// TestQuestionsQueue shows the second question only after the first.
func TestQuestionsQueue(t *testing.T) {
	o := openUI(t)
	first := o.ask(ana)
	i1 := o.waitDrawn(t, "the first question", armed)
	second := o.ask(Request{Kind: KindFileIn, Operator: "Ana Lopez", File: "setup.log", Size: 2048})
	o.waitDrawn(t, "the count of waiting questions", func(i layoutInfo) bool {
		return slices.Contains(i.Texts, "1 more question(s) waiting.")
	})
	o.click(t, nDeny)
	if a := answerOf(t, first); a != Deny {
		t.Fatalf("first: %v, want deny", a)
	}
	i2 := o.waitDrawn(t, "the second question, armed", func(i layoutInfo) bool { return armed(i) && i.prompt != i1.prompt })
	if !slices.Contains(i2.Texts, "Ana Lopez wants to send you “setup.log” (2.0 KB).") {
		t.Errorf("second question drew %q", i2.Texts)
	}
	o.click(t, nAllow)
	if a := answerOf(t, second); a != Allow {
		t.Fatalf("second: %v, want allow", a)
	}
}

func TestPanelActions(t *testing.T) {
	o := openUI(t)
	st := Status{Operator: "Ana Lopez", Organisation: "Acme IT", Mode: ModeControl}
	o.u.SetStatus(st)
	o.waitDrawn(t, "the Take back button", has(nTakeBack))
	for _, tc := range []struct {
		click string
		want  ActionKind
	}{{nStop, Stop}, {nPause, Pause}, {nTakeBack, TakeBack}} {
		o.click(t, tc.click)
		if a := o.action(t); a.Kind != tc.want {
			t.Errorf("clicked %s: got %v, want %v", tc.click, a.Kind, tc.want)
		}
	}
	st.Paused, st.InputSuspended = true, true
	o.u.SetStatus(st)
	o.waitDrawn(t, "Resume and Give back", func(i layoutInfo) bool {
		return slices.Contains(i.Texts, "Resume") && slices.Contains(i.Texts, "Give back control")
	})
	for _, tc := range []struct {
		click string
		want  ActionKind
	}{{nPause, Resume}, {nTakeBack, GiveBack}} {
		o.click(t, tc.click)
		if a := o.action(t); a.Kind != tc.want {
			t.Errorf("clicked %s: got %v, want %v", tc.click, a.Kind, tc.want)
		}
	}
}

func TestChat(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeView})
	o.u.AddChat("Ana Lopez", "Can you open the printer settings?", time.Date(2026, 1, 2, 9, 30, 0, 0, time.Local))
	info := o.waitDrawn(t, "the chat", has(nChatInput))
	if !slices.Contains(info.Texts, "09:30 Ana Lopez: Can you open the printer settings?") {
		t.Errorf("chat line not drawn; drawn %q", info.Texts)
	}
	o.click(t, nChatInput)
	xdotool(t, "type", "--delay", "20", "Yes, done")
	xdotool(t, "key", "Return")
	if a := o.action(t); a.Kind != ChatSend || a.Text != "Yes, done" {
		t.Fatalf("got %+v, want ChatSend \"Yes, done\"", a)
	}
	o.waitDrawn(t, "the customer's own line", func(i layoutInfo) bool {
		return slices.ContainsFunc(i.Texts, func(s string) bool { return strings.HasSuffix(s, " You: Yes, done") })
	})
}

func TestChooseApps(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeControl})
	o.u.SetAppWindows([]AppWindow{{ID: 0x400001, Title: "Invoice.ods", Program: "LibreOffice Calc"},
		{ID: 0x600001, Title: "Inbox", Program: "Thunderbird"}})
	o.waitDrawn(t, "the Apps button", has(nApps))
	o.click(t, nApps)
	o.waitDrawn(t, "the chooser", has(nShare))
	o.click(t, nWhole)
	o.click(t, appName(0x600001))
	o.click(t, nShare)
	a := o.action(t)
	if a.Kind != ChooseApps || a.WholeScreen || !slices.Equal(a.Windows, []uint32{0x600001}) {
		t.Fatalf("got %+v, want ChooseApps of window 0x600001 only", a)
	}
}

// TestChooseAppsListChanges: a window that opens while the customer is
// ticking boxes adds a line and leaves their ticks as they were.
func TestChooseAppsListChanges(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeControl})
	calc, mail, term := AppWindow{ID: 0x400001, Title: "Invoice.ods", Program: "LibreOffice Calc"},
		AppWindow{ID: 0x600001, Title: "Inbox", Program: "Thunderbird"}, AppWindow{ID: 0x800001, Title: "bash", Program: "xterm"}
	o.u.SetAppWindows([]AppWindow{calc, mail})
	o.waitDrawn(t, "the Apps button", has(nApps))
	o.click(t, nApps)
	o.waitDrawn(t, "the chooser", has(nShare))
	o.click(t, appName(mail.ID))
	o.u.SetAppWindows([]AppWindow{calc, mail, term})
	o.waitDrawn(t, "the new window's line", has(appName(term.ID)))
	o.click(t, appName(calc.ID))
	o.click(t, nShare)
	a := o.action(t)
	if a.Kind != ChooseApps || a.WholeScreen || !slices.Equal(a.Windows, []uint32{calc.ID, mail.ID}) {
		t.Fatalf("got %+v, want ChooseApps of both ticked windows", a)
	}
}

// TestStaysOnTop maps a window over the panel and expects the panel back
// on top of the stack.
func TestStaysOnTop(t *testing.T) {
	o := openUI(t)
	b := o.u.Bounds()[0]
	o.x.Window(b.Inset(-20), 0x00ff00)
	c, err := xconn.Dial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	root := xproto.Setup(c).DefaultScreen(c).Root
	id := xproto.Window(o.u.WindowIDs()[0])
	waitFor(t, "the panel back on top", func() bool {
		tr, err := xproto.QueryTree(c, root).Reply()
		return err == nil && tr.Children[len(tr.Children)-1] == id // bottom to top
	})
	img := o.x.Screenshot()
	if n := inked(img, b); n == 0 {
		t.Error("the panel's area shows nothing of it")
	}
}

// TestMovedBackOnScreen moves the window partly off the screen, as a
// technician could try, and expects it back.
func TestMovedBackOnScreen(t *testing.T) {
	o := openUI(t)
	screen := image.Rect(0, 0, 1280, 800)
	id := fmt.Sprint(o.u.WindowIDs()[0])
	for _, to := range []image.Point{{1200, 700}, {-300, -50}} {
		moveKept(t, id, to)
		waitFor(t, "the window back on screen", func() bool {
			b := o.u.Bounds()
			return len(b) == 1 && b[0].In(screen)
		})
	}
	// Moves that stay on screen are the customer's business.
	xdotool(t, "windowmove", "--sync", id, "100", "200")
	waitFor(t, "Bounds to follow the move", func() bool {
		return o.u.Bounds()[0].Min == image.Pt(100, 200)
	})
	if !o.u.Covers(image.Pt(110, 210)) || o.u.Covers(image.Pt(90, 190)) {
		t.Errorf("Covers disagrees with Bounds %v", o.u.Bounds())
	}
}

func TestCloseDeniesPending(t *testing.T) {
	o := openUI(t)
	got := o.ask(ana)
	o.waitDrawn(t, "the question", func(i layoutInfo) bool { return i.prompt != 0 })
	o.u.Close()
	select {
	case r := <-got:
		if r.a != Deny || !errors.Is(r.err, ErrClosed) {
			t.Fatalf("got %v, %v; want deny, ErrClosed", r.a, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ask still waiting after Close")
	}
	if _, ok := <-o.u.Actions(); ok {
		t.Error("Actions not closed")
	}
	if _, err := o.u.Ask(context.Background(), ana); !errors.Is(err, ErrClosed) {
		t.Errorf("Ask after Close: %v, want ErrClosed", err)
	}
}

// TestClosedByCustomer closes the window the way a window manager's close
// button does (a WM_DELETE_WINDOW message) and expects a Stop.
func TestClosedByCustomer(t *testing.T) {
	o := openUI(t)
	c, err := xconn.Dial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(c, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return r.Atom
	}
	win := xproto.Window(o.u.WindowIDs()[0])
	ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: atom("WM_PROTOCOLS"),
		Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom("WM_DELETE_WINDOW")), 0, 0, 0, 0})}
	if err := xproto.SendEventChecked(c, false, win, 0, string(ev.Bytes())).Check(); err != nil {
		t.Fatal(err)
	}
	if a := o.action(t); a.Kind != Stop {
		t.Fatalf("got %v, want stop", a.Kind)
	}
	if _, ok := <-o.u.Actions(); ok {
		t.Error("Actions not closed after the window closed")
	}
}

func TestFrench(t *testing.T) {
	o := openUI(t)
	o.u.Close()
	u, err := Open(t.Context(), Options{Lang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	fr := &opened{u: u, x: o.x}
	got := fr.ask(ana)
	info := fr.waitDrawn(t, "the question", armed)
	for _, s := range []string{"Ana Lopez (Acme IT) demande à contrôler votre écran (clavier et souris).", "Autoriser", "Refuser"} {
		if !slices.Contains(info.Texts, s) {
			t.Errorf("%q not drawn; drawn %q", s, info.Texts)
		}
	}
	fr.click(t, nAllow)
	if a := answerOf(t, got); a != Allow {
		t.Fatalf("answer %v, want allow", a)
	}
}

func TestOpenRefusesAnotherDisplay(t *testing.T) {
	t.Setenv("DISPLAY", ":1")
	if _, err := Open(t.Context(), Options{Display: ":2"}); err == nil || !strings.Contains(err.Error(), "set DISPLAY") {
		t.Fatalf("got %v, want an error saying to set DISPLAY", err)
	}
}

// TestFocusedFollowsThePointer: without a window manager the keyboard
// goes to the window under the pointer, and Focused must say so, so that
// the agent drops remote keys meanwhile.
func TestFocusedFollowsThePointer(t *testing.T) {
	o := openUI(t)
	xdotool(t, "mousemove", "--sync", "100", "500")
	waitFor(t, "Focused false with the pointer away", func() bool { return !o.u.Focused() })
	p := o.at(t, nStatus)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
	waitFor(t, "Focused true with the pointer over the window", o.u.Focused)
	xdotool(t, "mousemove", "--sync", "100", "500")
	waitFor(t, "Focused false again", func() bool { return !o.u.Focused() })
}

// TestStopDuringQuestion: a question during a session keeps Stop within
// reach; it denies the question and stops the session.
func TestStopDuringQuestion(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeView})
	got := o.ask(Request{Kind: KindMode, Operator: "Ana Lopez", Mode: ModeControl})
	o.waitDrawn(t, "the question with Stop", func(i layoutInfo) bool {
		_, ok := i.Rects[nStop]
		return i.prompt != 0 && ok
	})
	o.click(t, nStop)
	if a := o.action(t); a.Kind != Stop {
		t.Errorf("got %v, want stop", a.Kind)
	}
	if a := answerOf(t, got); a != Deny {
		t.Errorf("question answered %v, want deny", a)
	}
}

// TestPanelByKeyboard: Tab reaches the panel's first button, Enter
// presses it.
func TestPanelByKeyboard(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeControl})
	o.waitDrawn(t, "the panel's buttons", has(nTakeBack))
	p := o.at(t, nStatus)
	xdotool(t, "mousemove", "--sync", fmt.Sprint(p.X), fmt.Sprint(p.Y))
	for _, k := range []string{"Tab", "Tab", "Return"} {
		o.key(t, k)
	}
	if a := o.action(t); a.Kind != Pause {
		t.Errorf("Tab Tab Enter: got %v, want pause", a.Kind)
	}
}

// TestHiddenOrShrunk: a window unmapped or shrunk by another client comes
// back as it was.
func TestHiddenOrShrunk(t *testing.T) {
	o := openUI(t)
	o.waitDrawn(t, "the panel", has(nStatus))
	want := o.u.Bounds()[0]
	id := o.u.WindowIDs()[0]
	c, err := xconn.Dial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	xproto.UnmapWindowChecked(c, xproto.Window(id)).Check()
	waitFor(t, "the window mapped again", func() bool {
		a, err := xproto.GetWindowAttributes(c, xproto.Window(id)).Reply()
		return err == nil && a.MapState == xproto.MapStateViewable
	})
	xdotool(t, "windowsize", fmt.Sprint(id), "60", "30")
	defer func() {
		if t.Failed() {
			t.Logf("window at %v, want %v; last frame %v", o.u.Bounds(), want, o.info().size)
		}
	}()
	waitFor(t, "the window back to its size and place", func() bool {
		b := o.u.Bounds()
		return len(b) == 1 && b[0] == want
	})
}

// TestIdleDoesNotRedraw: a settled panel costs nothing.
func TestIdleDoesNotRedraw(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeView})
	o.waitDrawn(t, "the panel", has(nStatus))
	time.Sleep(200 * time.Millisecond) // let the last resize's frames pass
	o.u.mu.Lock()
	before := o.u.frames
	o.u.mu.Unlock()
	time.Sleep(time.Second)
	o.u.mu.Lock()
	n := o.u.frames - before
	o.u.mu.Unlock()
	if n > 1 {
		t.Errorf("%d frames drawn in a second of idle panel, want none", n)
	}
}

// TestManyApps: a long list of windows is chosen from a page at a time,
// and the window stays on the monitor.
func TestManyApps(t *testing.T) {
	o := openUI(t)
	o.u.SetStatus(Status{Operator: "Ana Lopez", Mode: ModeView})
	var ws []AppWindow
	for i := range 30 {
		ws = append(ws, AppWindow{ID: uint32(0x400000 + i), Title: fmt.Sprintf("Document %d", i), Program: "editor"})
	}
	o.u.SetAppWindows(ws)
	o.waitDrawn(t, "the Apps button", has(nApps))
	o.click(t, nApps)
	o.waitDrawn(t, "the first page", has(appName(0x400000)))
	o.click(t, nAppsNext)
	o.waitDrawn(t, "the second page", has(appName(0x400000+appsPage)))
	if _, ok := o.info().Rects[appName(0x400000)]; ok {
		t.Error("the first page is still drawn on the second")
	}
	o.click(t, nWhole)
	o.click(t, appName(0x400000+appsPage+1))
	savePNG(t, "apps.png", o.x.Screenshot(), o.u.Bounds()[0]) // for a human to look at
	o.click(t, nShare)
	if a := o.action(t); a.Kind != ChooseApps || !slices.Equal(a.Windows, []uint32{0x400000 + appsPage + 1}) {
		t.Fatalf("got %+v, want ChooseApps of window %#x", a, 0x400000+appsPage+1)
	}
	if b := o.u.Bounds()[0]; !b.In(image.Rect(0, 0, 1280, 800)) {
		t.Errorf("window at %v, off the screen", b)
	}
}

// TestOpenWithoutServer says why the window could not open.
func TestOpenWithoutServer(t *testing.T) {
	leakcheck.Check(t)
	t.Setenv("DISPLAY", ":4093") // no server there
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	u, err := Open(t.Context(), Options{})
	if err == nil {
		u.Close()
		t.Fatal("Open succeeded without an X server")
	}
	if !strings.Contains(err.Error(), `connect to X display ":4093"`) {
		t.Errorf("error %q does not say the X server is unreachable", err)
	}
}
