package agentsession

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/platform/platformtest"
	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/testkit/leakcheck"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// techWatch is what the technician's handle reports, sorted by kind.
type techWatch struct {
	modes  chan proto.ModeState
	bright chan image.Point // size of a decoded frame whose top-left quarter is white
	chat   chan chat.Message
	ends   chan techsession.TransferEndEvent
	// answers holds the technician's answer to the customer's next
	// offers, in order; an offer that finds none is left unanswered.
	answers   chan bool
	offered   chan techsession.OfferEvent
	offerEnds chan techsession.OfferEndEvent
	tech      *techsession.Session // set before it runs: answers offers
}

func newTechWatch() *techWatch {
	return &techWatch{modes: make(chan proto.ModeState, 16), bright: make(chan image.Point, 1),
		chat: make(chan chat.Message, 16), ends: make(chan techsession.TransferEndEvent, 4),
		answers: make(chan bool, 4), offered: make(chan techsession.OfferEvent, 4), offerEnds: make(chan techsession.OfferEndEvent, 4)}
}

func (w *techWatch) event(e techsession.Event) {
	switch e := e.(type) {
	case techsession.ModeEvent:
		w.modes <- e.ModeState
	case techsession.FrameEvent:
		// Luma of a pixel inside the painted quarter (BT.601 limited
		// range: white is 235, the fake's dark grey about 43).
		if p := e.Pic; p.Y[40*p.StrideY+40] > 200 {
			select {
			case w.bright <- image.Pt(p.Width, p.Height):
			default:
			}
		}
	case techsession.ChatEvent:
		w.chat <- e.Message
	case techsession.TransferEndEvent:
		w.ends <- e
	case techsession.OfferEvent:
		w.offered <- e
		select {
		case ok := <-w.answers:
			w.tech.AnswerOffer(e.ID, ok)
		default:
		}
	case techsession.OfferEndEvent:
		w.offerEnds <- e
	}
}

// fakeSession is a technician (logged in with token) and an agent on the
// in-memory platform, both running against s.
type fakeSession struct {
	tech                *techsession.Session
	fake                *platformtest.Platform
	watch               *techWatch
	inbox               string // where the agent puts accepted files
	techDone, agentDone chan error
}

// startFakeSession starts a session and the agent that joins it, with the
// technician asking for control; the events of both are read until stop.
func startFakeSession(ctx context.Context, t *testing.T, s *stack, token string, stop chan struct{}) *fakeSession {
	t.Helper()
	return startFakeSessionWith(ctx, t, s, token, stop, nil)
}

// startFakeSessionWith is startFakeSession with tweak changing the
// technician's configuration first (when not nil).
func startFakeSessionWith(ctx context.Context, t *testing.T, s *stack, token string, stop chan struct{}, tweak func(*techsession.TechnicianConfig)) *fakeSession {
	t.Helper()
	fs := &fakeSession{fake: platformtest.New(platformtest.Options{Width: 320, Height: 240}), watch: newTechWatch(),
		inbox: t.TempDir(), techDone: make(chan error, 1), agentDone: make(chan error, 1)}
	techEvents, agentEvents := newEvents(), newEvents()
	collect(agentEvents, stop)
	tcfg := techsession.TechnicianConfig{Common: s.common(techEvents, false), Token: token,
		Mode: proto.ModeControl, Events: fs.watch.event}
	if tweak != nil {
		tweak(&tcfg)
	}
	fs.tech = techsession.New(tcfg)
	fs.watch.tech = fs.tech
	go func() { fs.techDone <- fs.tech.Run(ctx) }()
	code := techEvents.next(t, "code")["code"].(string)
	collect(techEvents, stop)
	go func() {
		fs.agentDone <- RunAgent(ctx, AgentConfig{Common: s.common(agentEvents, false), Code: code, Platform: fs.fake,
			Files: session.FilesConfig{Dir: fs.inbox}})
	}()
	return fs
}

// recv waits for the next value on ch, or fails the test.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// TestWholeSessionOnFakePlatformNoX runs a whole agent session on the
// in-memory platform (package platformtest) against the real technician
// side and the real signaling server, in this process and with no X
// server: the customer allows in the (scripted) window, a painted
// picture is decoded at the technician, the technician's pointer move is
// injected, a file is sent and accepted, chat goes both ways, and the
// hang-up ends the session with the agent removing itself.
func TestWholeSessionOnFakePlatformNoX(t *testing.T) {
	leakcheck.Check(t)
	s := newStack(t, "udp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	fs := startFakeSession(ctx, t, s, s.token, stop)
	tech, fake, watch, inbox, techDone, agentDone := fs.tech, fs.fake, fs.watch, fs.inbox, fs.techDone, fs.agentDone

	// Consent: the window is asked the session's question and allows.
	if q := recv(t, fake.Window.Asked(), "question in the agent's window"); q.Kind != agentui.KindSession {
		t.Fatalf("first question %v, want the session's", q.Kind)
	}
	if st := recv(t, watch.modes, "mode state"); st.Mode != proto.ModeControl || st.Answer != proto.AnswerAllowed {
		t.Fatalf("technician got %+v, want control allowed", st)
	}

	// A frame: what the customer's screen shows now reaches the technician.
	fake.Screen.Paint(image.Rect(0, 0, 160, 120), 0xffffff)
	if size := recv(t, watch.bright, "decoded frame with the painted quarter"); size != image.Pt(320, 240) {
		t.Errorf("decoded frame %v, want 320×240", size)
	}

	// Input: the technician's pointer move is injected on the customer's side.
	move := input.Event{Type: input.PointerMove, X: 10, Y: 20}
	tech.Input(move)
	if got := recv(t, fake.Input.Injected(), "injected event"); got != move {
		t.Errorf("injected %+v, want %+v", got, move)
	}
	if fake.Local.Journalled() == 0 {
		t.Error("the local-input watcher was not told of the injected event")
	}

	// A file: the customer is asked and accepts; it lands in the inbox.
	src := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(src, []byte("printer settings"), 0o600); err != nil {
		t.Fatal(err)
	}
	tech.Send(src)
	if end := recv(t, watch.ends, "end of the transfer"); end.Err != nil {
		t.Fatalf("send: %v", end.Err)
	}
	if b, err := os.ReadFile(filepath.Join(inbox, "notes.txt")); err != nil || string(b) != "printer settings" {
		t.Errorf("received file %q, %v", b, err)
	}
	if qs := fake.Window.Questions(); qs[len(qs)-1].Kind != agentui.KindFileIn || qs[len(qs)-1].File != "notes.txt" {
		t.Errorf("last question %+v, want the incoming notes.txt", qs[len(qs)-1])
	}

	// Chat both ways.
	tech.Say("hello from the technician")
	if line := recv(t, fake.Window.Chat(), "chat line in the agent's window"); line.Text != "hello from the technician" {
		t.Errorf("customer read %q", line.Text)
	}
	fake.Window.Act(agentui.Action{Kind: agentui.ChatSend, Text: "hello back"})
	for { // the technician's own message comes back as an event first
		if m := recv(t, watch.chat, "the customer's chat message"); m.Text == "hello back" {
			if m.From != "customer" {
				t.Errorf("message from %q, want customer", m.From)
			}
			break
		}
	}

	// The end: the technician hangs up; the agent closes what it opened
	// and removes itself.
	tech.HangUp()
	if err := recv(t, techDone, "technician's end"); err != nil {
		t.Errorf("technician: %v", err)
	}
	if err := recv(t, agentDone, "agent's end"); err != nil {
		t.Errorf("agent: %v", err)
	}
	if n := fake.Removed(); n != 1 {
		t.Errorf("self-removal ran %d times, want once", n)
	}
	if !fake.Window.Closed() || !fake.Input.Closed() {
		t.Errorf("window closed %v, injector closed %v; want both", fake.Window.Closed(), fake.Input.Closed())
	}
}
