package deskui

import (
	"context"
	"fmt"
	"image"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/technician/deskclient"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// opened is a desk window on a private Xvfb.
type opened struct {
	d       *Desk
	display string
}

func openDesk(t *testing.T) *opened {
	t.Helper()
	leakcheck.Check(t)
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Skip("xdotool is not installed (apt-get install xdotool); window tests skipped")
	}
	display := xvfb.Start(t, 1280, 800)
	t.Setenv("DISPLAY", display)
	t.Setenv("WAYLAND_DISPLAY", "") // Gio tries Wayland first
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	d := New(Config{Title: "tandem-desk-test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10 s of its context ending")
		}
	})
	return &opened{d: d, display: display}
}

func (o *opened) xdotool(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

// click clicks the middle of control name, as last drawn (the window sits
// at the root's origin: there is no window manager).
func (o *opened) click(t *testing.T, name string) {
	t.Helper()
	var c map[string]any
	waitFor(t, name+" on screen", func() bool {
		rs, _ := o.d.Controls()
		r, ok := rs[name]
		if ok {
			c = map[string]any{"x": (r.Min.X + r.Max.X) / 2, "y": (r.Min.Y + r.Max.Y) / 2}
		}
		return ok
	})
	o.xdotool(t, "mousemove", "--sync", "0", "0", "mousemove", "--sync", fmt.Sprint(c["x"]), fmt.Sprint(c["y"]), "click", "1")
}

// action returns the next action other than a typing notice.
func (o *opened) action(t *testing.T) Action {
	t.Helper()
	for {
		select {
		case a := <-o.d.Actions():
			if a.Kind != Typing {
				return a
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no action within 10 s")
		}
	}
}

func (o *opened) shows(t *testing.T, text string) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%q drawn", text), func() bool {
		return slices.ContainsFunc(o.d.Texts(), func(s string) bool { return strings.Contains(s, text) })
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestDesk: the technician picks a waiting customer with a click, reads
// their message, answers with Enter, invites them with the button, and
// sees the chat end; each request comes out as the matching action.
func TestDesk(t *testing.T) {
	o := openDesk(t)
	now := time.Now()
	o.d.Update(deskclient.Message{Type: "queue", Conversations: []deskclient.Summary{
		{ID: "c1", State: "waiting", Name: "Paul", Started: now.Add(-3 * time.Minute)},
		{ID: "c2", State: "waiting", Name: "Marie", Topic: "my printer", Started: now.Add(-time.Minute)},
	}})
	o.shows(t, "Marie — my printer")
	o.click(t, "queue-c2")
	if a := o.action(t); a != (Action{Kind: Pick, Conversation: "c2"}) {
		t.Fatalf("got %+v, want c2 picked", a)
	}
	o.d.Update(deskclient.Message{Type: "history", Conversation: "c2", Events: []deskclient.Event{
		{Type: "message", Seq: 1, From: "customer", Name: "Marie", Text: "It prints blank pages"},
		{Type: "assigned", Seq: 2},
	}})
	o.shows(t, "Marie: It prints blank pages")
	o.d.Update(deskclient.Message{Type: "typing", Conversation: "c2"})
	o.shows(t, "Marie is typing")

	o.click(t, "reply")
	waitFor(t, "the reply line to take the keyboard", o.d.Editing)
	o.xdotool(t, "type", "Let me look")
	o.xdotool(t, "key", "Return")
	if a := o.action(t); a != (Action{Kind: Say, Conversation: "c2", Text: "Let me look"}) {
		t.Fatalf("got %+v, want the answer sent", a)
	}
	o.d.Update(deskclient.Message{Type: "event", Conversation: "c2", Event: &deskclient.Event{Type: "message", Seq: 3, From: "operator", Text: "Let me look"}})
	o.shows(t, "You: Let me look")

	o.click(t, "invite")
	if a := o.action(t); a != (Action{Kind: Invite, Conversation: "c2"}) {
		t.Fatalf("got %+v, want an invitation", a)
	}
	o.d.Update(deskclient.Message{Type: "event", Conversation: "c2", Event: &deskclient.Event{Type: "invite", Seq: 4, Code: "123456789"}})
	o.shows(t, "session code 123456789")
	waitFor(t, "the invite button to go", func() bool { rs, _ := o.d.Controls(); _, ok := rs["invite"]; return !ok })

	o.click(t, "end")
	if a := o.action(t); a != (Action{Kind: End, Conversation: "c2"}) {
		t.Fatalf("got %+v, want the chat ended", a)
	}
	o.d.Update(deskclient.Message{Type: "event", Conversation: "c2", Event: &deskclient.Event{Type: "closed", Seq: 5}})
	o.shows(t, "This chat has ended.")
	// A replayed event is kept once.
	o.d.Update(deskclient.Message{Type: "event", Conversation: "c2", Event: &deskclient.Event{Type: "message", Seq: 3, From: "operator", Text: "Let me look"}})
	o.d.mu.Lock()
	n := len(o.d.convs["c2"].events)
	o.d.mu.Unlock()
	if n != 5 {
		t.Fatalf("%d events after a replay, want 5", n)
	}
	// The status line follows the desk's connection.
	o.d.Update(deskclient.Message{Type: deskclient.TypeLost})
	o.shows(t, "Desk connection lost: reconnecting")
	o.d.Update(deskclient.Message{Type: deskclient.TypeReconnected})
	o.shows(t, "Desk reconnected")
}

// TestDeskStartSession: Start a session asks for one; while it starts and
// runs, the window shows its code and offers neither Start nor Invite.
func TestDeskStartSession(t *testing.T) {
	o := openDesk(t)
	o.d.Update(deskclient.Message{Type: "queue"})
	o.click(t, "open")
	if a := o.action(t); a.Kind != Open || a.Conversation != "" {
		t.Fatalf("got %+v, want a session opened", a)
	}
	o.d.SetSession(true, "")
	o.shows(t, "Starting a session")
	o.d.SetSession(true, "123456789")
	o.shows(t, "Session code 123 456 789")
	if rs, _ := o.d.Controls(); rs["open"] != (image.Rectangle{}) {
		t.Fatal("Start a session still offered while one runs")
	}
	o.d.SetSession(false, "")
	o.shows(t, "Start a session")
}
