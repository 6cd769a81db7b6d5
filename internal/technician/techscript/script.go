// Package techscript drives a technician session from a script: what the
// headless technician's flags ask for (-frames, -move, -click, -type,
// -clipboard, -then-mode, -say, -send, -fetch, -accept-files, -chat-log,
// -key-delay). It uses only the session's handle (techsession.Session) and
// its events, as a viewer does: the script waits for the first frame before
// it types, for the link before it says its lines, and for the customer's
// consent before it sends or fetches files, one after another.
package techscript

import (
	"context"
	"log/slog"
	"sync"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/input"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/techsession"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// Script is what the technician does on its own during a session.
type Script struct {
	FramesDir    string        // save received frames as PNG here ("" = don't)
	Moves        []input.Event // pointer moves (and clicks) to send before typing
	Type         string        // text to type once the first frame arrived
	SetClipboard string        // put on the agent's clipboard once the first frame arrived
	ThenMode     proto.Mode    // asked for once the first frame arrived
	Say          []string      // chat lines sent once the link is up
	Send         []string      // local files offered once the customer allowed the session
	Fetch        []string      // the customer's files fetched after that
	// AcceptFiles accepts every file the customer offers on their own
	// (into the session's Files.Dir); without it they are declined at
	// once, so that nothing lands unasked.
	AcceptFiles bool
	ChatLog     string // the transcript, saved at the end (JSON for a .json name)
	// KeyDelay, when set, names a file that gets, one JSON line a press
	// (KeyDelay), the key-to-screen delay of X pressed again and again
	// once the first frame arrived (keydelay.go).
	KeyDelay string
}

// Run runs the session cfg configures with sc driving it (cfg.Events, if
// set, still gets every event).
func Run(ctx context.Context, cfg techsession.TechnicianConfig, sc Script) error {
	d := New(sc, cfg.Report, cfg.Logger)
	cfg.Events = d.Events(cfg.Events)
	s := techsession.New(cfg)
	stop := d.Start(s)
	defer stop()
	return s.Run(ctx)
}

// Driver runs a Script against a session.
type Driver struct {
	sc     Script
	report *session.Reporter
	log    *slog.Logger
	saver  *frameSaver // nil without FramesDir
	keys   *keyProbe   // nil without KeyDelay

	firstFrame, connected, allowed chan struct{}
	firstOnce, connOnce, allowOnce sync.Once
	ended                          chan techsession.TransferEndEvent

	mu         sync.Mutex
	transcript []chat.Message
	want       *techsession.FileRequest // the transfer the script waits for
	sess       *techsession.Session     // set by Start: answers the customer's offers
}

// New returns a driver for sc; report gets its own events ("input-sent",
// a chat log that cannot be saved).
func New(sc Script, report *session.Reporter, log *slog.Logger) *Driver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{sc: sc, report: report, log: log, firstFrame: make(chan struct{}), connected: make(chan struct{}),
		allowed: make(chan struct{}), ended: make(chan techsession.TransferEndEvent, 1)}
	if sc.FramesDir != "" {
		d.saver = newFrameSaver(sc.FramesDir, log)
	}
	if sc.KeyDelay != "" {
		d.keys = newKeyProbe(sc.KeyDelay, log)
	}
	return d
}

// Events returns the session's event handler: the driver's, then next
// (when not nil).
func (d *Driver) Events(next func(techsession.Event)) func(techsession.Event) {
	return func(e techsession.Event) {
		d.event(e)
		if next != nil {
			next(e)
		}
	}
}

func (d *Driver) event(e techsession.Event) {
	switch e := e.(type) {
	case techsession.FrameEvent:
		if d.saver != nil {
			d.saver.offer(e.Pic)
		}
		if d.keys != nil {
			d.keys.frame(e.Pic)
		}
		d.firstOnce.Do(func() { close(d.firstFrame) })
	case techsession.PathEvent:
		d.connOnce.Do(func() { close(d.connected) })
	case techsession.ModeEvent:
		if e.Answer == proto.AnswerAllowed {
			d.allowOnce.Do(func() { close(d.allowed) })
		}
	case techsession.ChatEvent:
		d.mu.Lock()
		d.transcript = append(d.transcript, e.Message)
		d.mu.Unlock()
	case techsession.OfferEvent:
		d.answerOffer(e)
	case techsession.TransferEndEvent:
		d.mu.Lock()
		mine := d.want != nil && *d.want == e.Request
		if mine {
			d.want = nil
		}
		d.mu.Unlock()
		if mine {
			d.ended <- e // buffered: one transfer at a time
		}
	}
}

// Start drives s until the returned stop is called, once s.Run has
// returned: stop waits for the driver, saves the last frame and the chat
// transcript.
func (d *Driver) Start(s *techsession.Session) (stop func()) {
	d.mu.Lock()
	d.sess = s
	d.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.afterFirstFrame(ctx, s) })
	wg.Go(func() { d.say(ctx, s) })
	wg.Go(func() { d.files(ctx, s) })
	if d.saver != nil {
		wg.Go(func() { d.saver.run(ctx) })
	}
	if d.keys != nil {
		wg.Go(func() {
			if wait(ctx, d.firstFrame) {
				d.keys.run(ctx, s)
			}
		})
	}
	return func() {
		cancel()
		wg.Wait()
		d.saveChat()
	}
}

// afterFirstFrame sets the clipboard, moves, clicks and types, and asks
// for ThenMode, once the first frame shows the agent is sharing.
func (d *Driver) afterFirstFrame(ctx context.Context, s *techsession.Session) {
	if !wait(ctx, d.firstFrame) {
		return
	}
	if d.sc.ThenMode != proto.ModeNone {
		s.Mode(d.sc.ThenMode)
	}
	if d.sc.SetClipboard != "" {
		s.Clipboard(d.sc.SetClipboard)
	}
	events := append(append([]input.Event(nil), d.sc.Moves...), input.TextEvents(d.sc.Type)...)
	if len(events) == 0 {
		return
	}
	for _, ev := range events {
		if !s.Input(ev) {
			return
		}
	}
	d.report.Sent(len(events))
}

// say sends the chat lines once the link is up.
func (d *Driver) say(ctx context.Context, s *techsession.Session) {
	if len(d.sc.Say) == 0 || !wait(ctx, d.connected) {
		return
	}
	for _, line := range d.sc.Say {
		s.Say(line)
	}
}

// files sends, then fetches, one file at a time, once the customer
// allowed the session.
func (d *Driver) files(ctx context.Context, s *techsession.Session) {
	if len(d.sc.Send)+len(d.sc.Fetch) == 0 || !wait(ctx, d.allowed) {
		return
	}
	for _, path := range d.sc.Send {
		if !d.transfer(ctx, techsession.FileRequest{Path: path}, s.Send) {
			return
		}
	}
	for _, path := range d.sc.Fetch {
		if !d.transfer(ctx, techsession.FileRequest{Path: path, Fetch: true}, s.Fetch) {
			return
		}
	}
}

// transfer asks for req with ask and waits for its end.
func (d *Driver) transfer(ctx context.Context, req techsession.FileRequest, ask func(string) bool) bool {
	d.mu.Lock()
	d.want = &req
	d.mu.Unlock()
	if !ask(req.Path) {
		return false
	}
	select {
	case <-d.ended:
		return true
	case <-ctx.Done():
		return false
	}
}

// answerOffer answers a file the customer offers: accepted with
// AcceptFiles, else declined at once.
func (d *Driver) answerOffer(e techsession.OfferEvent) {
	d.mu.Lock()
	s := d.sess
	d.mu.Unlock()
	if s != nil {
		s.AnswerOffer(e.ID, d.sc.AcceptFiles)
	}
}

// saveChat writes the transcript to ChatLog, when set.
func (d *Driver) saveChat() {
	if d.sc.ChatLog == "" {
		return
	}
	d.mu.Lock()
	ms := append([]chat.Message(nil), d.transcript...)
	d.mu.Unlock()
	if err := chat.SaveTranscript(d.sc.ChatLog, ms); err != nil {
		d.report.Failed(err)
	}
}

func wait(ctx context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}
