package input

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
)

func openClipboard(t *testing.T, display string, max int) *X11Clipboard {
	t.Helper()
	c, err := NewX11Clipboard(ClipboardOptions{Display: display, MaxBytes: max})
	if err != nil {
		t.Fatalf("NewX11Clipboard: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// peer is another program on the desktop, written against the raw
// protocol so that the clipboard is not only tested against itself.
type peer struct {
	c   *xgb.Conn
	win xproto.Window
	evs chan xgb.Event
}

func newPeer(t *testing.T, display string) *peer {
	t.Helper()
	c := dial(t, display)
	win, err := xproto.NewWindowId(c)
	if err != nil {
		t.Fatal(err)
	}
	scr := xproto.Setup(c).DefaultScreen(c)
	err = xproto.CreateWindowChecked(c, 0, win, scr.Root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0, 0, nil).Check()
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{c: c, win: win, evs: make(chan xgb.Event, 16)}
	go func() {
		defer close(p.evs)
		for {
			ev, xerr := c.WaitForEvent()
			if ev == nil && xerr == nil {
				return
			}
			if ev != nil {
				p.evs <- ev
			}
		}
	}()
	return p
}

func (p *peer) atom(t *testing.T, name string) xproto.Atom {
	t.Helper()
	r, err := xproto.InternAtom(p.c, false, uint16(len(name)), name).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r.Atom
}

func (p *peer) next(t *testing.T) xgb.Event {
	t.Helper()
	select {
	case ev := <-p.evs:
		return ev
	case <-time.After(3 * time.Second):
		t.Fatal("peer received no event within 3 s")
		return nil
	}
}

// convert asks the clipboard's owner for target and returns the property
// it wrote.
func (p *peer) convert(t *testing.T, target string) *xproto.GetPropertyReply {
	t.Helper()
	prop := p.atom(t, "PEER_PROP")
	xproto.ConvertSelection(p.c, p.win, p.atom(t, "CLIPBOARD"), p.atom(t, target), prop, xproto.TimeCurrentTime)
	ev, ok := p.next(t).(xproto.SelectionNotifyEvent)
	if !ok || ev.Property != prop {
		t.Fatalf("conversion to %s refused: %+v", target, ev)
	}
	r, err := xproto.GetProperty(p.c, true, p.win, prop, xproto.AtomAny, 0, 1<<20).Reply()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// own takes the clipboard and answers the next request with text.
func (p *peer) own(t *testing.T, text string) {
	t.Helper()
	clipboard, utf8 := p.atom(t, "CLIPBOARD"), p.atom(t, "UTF8_STRING")
	if err := xproto.SetSelectionOwnerChecked(p.c, p.win, clipboard, xproto.TimeCurrentTime).Check(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev := range p.evs {
			req, ok := ev.(xproto.SelectionRequestEvent)
			if !ok {
				continue
			}
			xproto.ChangeProperty(p.c, xproto.PropModeReplace, req.Requestor, req.Property, utf8, 8, uint32(len(text)), []byte(text))
			reply := xproto.SelectionNotifyEvent{Time: req.Time, Requestor: req.Requestor,
				Selection: req.Selection, Target: req.Target, Property: req.Property}
			xproto.SendEvent(p.c, false, req.Requestor, 0, string(reply.Bytes()))
		}
	}()
}

func TestClipboardServesOtherPrograms(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	clip := openClipboard(t, display, 0)
	p := newPeer(t, display)

	text := "héllo Ж€\nline 2"
	if err := clip.Set(text); err != nil {
		t.Fatal(err)
	}
	if got := p.convert(t, "UTF8_STRING"); string(got.Value) != text || got.Type != p.atom(t, "UTF8_STRING") {
		t.Fatalf("peer read %q of type %d, want %q as UTF8_STRING", got.Value, got.Type, text)
	}
	targets := p.convert(t, "TARGETS")
	var atoms []xproto.Atom
	for i := 0; i+4 <= len(targets.Value); i += 4 {
		atoms = append(atoms, xproto.Atom(xgb.Get32(targets.Value[i:])))
	}
	if !slices.Contains(atoms, p.atom(t, "UTF8_STRING")) {
		t.Fatalf("TARGETS = %v, lacks UTF8_STRING", atoms)
	}
	if err := clip.Set(strings.Repeat("x", MaxClipboard+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Set over the limit: %v, want ErrTooLarge", err)
	}
}

func TestClipboardReadsOtherPrograms(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	clip := openClipboard(t, display, 0)
	small := openClipboard(t, display, 8)
	p := newPeer(t, display)
	if err := clip.Set("ours"); err != nil {
		t.Fatal(err)
	}

	text := "from the customer: 42 €"
	p.own(t, text)
	select {
	case <-clip.Changed():
	case <-time.After(3 * time.Second):
		t.Fatal("no change reported after another program took the clipboard")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if got, err := clip.Get(ctx); err != nil || got != text {
		t.Fatalf("Get = %q, %v; want %q", got, err, text)
	}
	if _, err := small.Get(ctx); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get over an 8-byte limit: %v, want ErrTooLarge", err)
	}
}

// TestClipboardLargeText moves text bigger than one X request (INCR
// transfers) between two clipboards.
func TestClipboardLargeText(t *testing.T) {
	leakcheck.Check(t)
	display := startXvfb(t)
	a, b := openClipboard(t, display, 0), openClipboard(t, display, 0)
	text := strings.Repeat("0123456789abcdéf", MaxClipboard/17)
	if len(text) <= a.chunk {
		t.Fatalf("%d bytes fit one request (%d): INCR untested", len(text), a.chunk)
	}
	if err := a.Set(text); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := b.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != text {
		t.Fatalf("got %d bytes, want %d", len(got), len(text))
	}
}
