package techsession

import (
	"context"
	"sync"

	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Session is one technician session as a handle: Run runs it, and while it
// runs the methods ask the agent for things — a monitor, a mode, input,
// clipboard, chat, files — or hang up; what happens comes back as Events
// (TechnicianConfig.Events). Input and Say wait for room; the other
// requests never block: a request that finds its queue full is dropped
// and they return false.
type Session struct {
	cfg  TechnicianConfig
	req  requests
	done chan struct{} // closed when Run returns

	hangOnce sync.Once
}

// requests are the handle's queues, which the session's workers serve.
type requests struct {
	out    chan outgoing // input, clipboard and monitor choices, in order
	modes  chan proto.Mode
	say    chan string
	files  chan FileRequest
	offers *offerBook // the customer's offers waiting for an answer
	hangUp chan struct{}
}

// outgoing is one input event, clipboard request or monitor choice: one
// queue keeps them in the order they were asked for (a script's clipboard
// goes before the text it then types).
type outgoing struct {
	kind    outKind
	ev      input.Event
	text    string // clipboard text to set, or "" to ask for the agent's
	monitor int
}

type outKind int

const (
	outInput outKind = iota
	outClipboard
	outMonitor
)

// New returns the session cfg configures, not started.
func New(cfg TechnicianConfig) *Session {
	return &Session{cfg: cfg, done: make(chan struct{}), req: requests{
		out: make(chan outgoing, 64), modes: make(chan proto.Mode, 4), say: make(chan string, 16),
		files: make(chan FileRequest, 16), offers: newOfferBook(), hangUp: make(chan struct{}),
	}}
}

// Run opens the session, reports its code, waits for the agent, brings
// the link up as the offerer and runs the session until it ends.
// Cancelling ctx ends the session cleanly (reason "interrupted"). A
// Session runs once.
func (s *Session) Run(ctx context.Context) error {
	defer close(s.done)
	return run(ctx, s.cfg, &s.req)
}

// Input sends ev to the agent (injected only while the customer lets the
// technician control). Unlike the other requests it waits for room, so
// that no key is lost, until the session ends; it reports whether ev was
// taken.
func (s *Session) Input(ev input.Event) bool {
	select {
	case s.req.out <- outgoing{kind: outInput, ev: ev}:
		return true
	case <-s.done:
		return false
	}
}

// Monitor asks the agent to share monitor id (0 = all monitors).
func (s *Session) Monitor(id int) bool {
	return offer(s.req.out, outgoing{kind: outMonitor, monitor: id})
}

// Mode asks the customer for mode m; the answer comes back as a
// ModeEvent.
func (s *Session) Mode(m proto.Mode) bool { return offer(s.req.modes, m) }

// Clipboard puts text on the agent's clipboard, or with "" asks for the
// agent's (a ClipboardEvent brings it).
func (s *Session) Clipboard(text string) bool {
	return offer(s.req.out, outgoing{kind: outClipboard, text: text})
}

// Say sends text in the session chat. Like Input it waits for room until
// the session ends, so that no line a person typed or a script holds is
// dropped; it reports whether text was taken.
func (s *Session) Say(text string) bool {
	select {
	case s.req.say <- text:
		return true
	case <-s.done:
		return false
	}
}

// Send offers the local file at path to the customer, once they allowed
// the session; TransferEvents and a TransferEndEvent follow.
func (s *Session) Send(path string) bool { return offer(s.req.files, FileRequest{Path: path}) }

// Fetch asks the customer for the file at path on their computer, once
// they allowed the session; it lands in the configured Files.Dir.
func (s *Session) Fetch(path string) bool {
	return offer(s.req.files, FileRequest{Path: path, Fetch: true})
}

// AnswerOffer answers the customer's offer id (an OfferEvent): accept
// lets the file come in to Files.Dir, false declines it. It reports
// whether the offer was still waiting (not answered, timed out or
// withdrawn already).
func (s *Session) AnswerOffer(id uint32, accept bool) bool { return s.req.offers.answer(id, accept) }

// HangUp ends the session (reason "hangup"); calling it again does
// nothing.
func (s *Session) HangUp() { s.hangOnce.Do(func() { close(s.req.hangUp) }) }

func offer[T any](ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	default:
		return false
	}
}
