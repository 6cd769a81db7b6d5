// Package deskui is the technician's desk window (Gio): the queue of
// customers waiting on the help page's web chat, the conversation picked,
// a line to answer in, and the buttons that invite the customer to a
// remote session and end the chat. It only shows and asks: the caller
// feeds it the desk's messages (Update, from package deskclient) and
// carries out its Actions.
package deskui

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"slices"
	"sync"
	"time"

	"gioui.org/app"
	"gioui.org/unit"

	"github.com/tandem-remote/tandem/internal/media/giowin"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

// ActionKind says what the technician asked for.
type ActionKind int

// Actions.
const (
	// Pick takes up Action.Conversation (a waiting one, or one of the
	// operator's own again).
	Pick ActionKind = iota + 1
	// Say sends Action.Text to the conversation's customer.
	Say
	// Invite opens a remote session and gives its code to the customer.
	Invite
	// End ends the conversation.
	End
	// Typing tells the customer the technician is typing.
	Typing
	// Open starts a remote session with no conversation: its code is for
	// the technician to give by phone or mail (SetSession shows it); the
	// customer who comes to the help page with it appears in the queue.
	Open
)

func (k ActionKind) String() string {
	switch k {
	case Pick:
		return "pick"
	case Say:
		return "say"
	case Invite:
		return "invite"
	case End:
		return "end"
	case Typing:
		return "typing"
	case Open:
		return "open"
	}
	return "ActionKind(?)"
}

// Action is one request from the window.
type Action struct {
	Kind         ActionKind
	Conversation string
	Text         string
}

// Config configures a Desk.
type Config struct {
	Title  string // window title; default "Tandem desk"
	Logger *slog.Logger
}

// ErrRunning is returned by a second call to Run.
var ErrRunning = errors.New("deskui: Run called twice")

// Desk is the window's state, shared between the caller (Update) and the
// window goroutine.
type Desk struct {
	cfg     Config
	log     *slog.Logger
	actions chan Action

	win *giowin.Window

	mu      sync.Mutex
	queue   []deskclient.Summary
	convs   map[string]*conversation
	current string        // the conversation shown
	note    string        // the last error the desk sent, or its connection's state, for the status line
	session string        // the running session's code; "" when none runs
	busy    bool          // a session is starting or running
	waiting Waiting       // the running session's code, until its customer joins
	layout  giowin.Record // what the last frame drew
}

// conversation is what the window knows of one conversation.
type conversation struct {
	events  []deskclient.Event // sequenced ones, in order
	typing  time.Time          // when the customer last typed
	invited string             // the session code given, if any
	closed  bool
}

// New returns a desk window, not yet open.
func New(cfg Config) *Desk {
	if cfg.Title == "" {
		cfg.Title = "Tandem desk"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	win := giowin.New(app.Title(cfg.Title), app.Size(unit.Dp(760), unit.Dp(520)))
	return &Desk{cfg: cfg, log: log, win: win, actions: make(chan Action, 32), convs: map[string]*conversation{}}
}

// Actions delivers the technician's requests; it is closed when Run
// returns.
func (d *Desk) Actions() <-chan Action { return d.actions }

// Update shows a message from the desk: the queue, a conversation's
// history or new event, the customer typing, or an error.
func (d *Desk) Update(m deskclient.Message) {
	d.mu.Lock()
	switch m.Type {
	case "queue":
		d.queue = slices.Clone(m.Conversations)
	case "history":
		c := d.conv(m.Conversation)
		c.events = c.events[:0]
		for _, e := range m.Events {
			c.add(e)
		}
		d.current = m.Conversation
	case "event":
		if m.Event != nil {
			d.conv(m.Conversation).add(*m.Event)
		}
	case "typing":
		d.conv(m.Conversation).typing = time.Now()
	case "error":
		d.note = m.Message
	case deskclient.TypeLost:
		d.note = "Desk connection lost: reconnecting…"
	case deskclient.TypeReconnected:
		d.note = "Desk reconnected"
	}
	d.mu.Unlock()
	d.win.Invalidate()
}

// SetSession shows the running session's code (busy, code "" while it
// starts), or that none runs (not busy): Start a session and Invite wait
// for it to end.
func (d *Desk) SetSession(busy bool, code string) {
	d.mu.Lock()
	d.busy, d.session = busy, code
	if !busy {
		d.waiting = Waiting{}
	}
	d.mu.Unlock()
	d.win.Invalidate()
}

// Waiting is the session code that waits for the customer.
type Waiting = giowin.Waiting

// NewWaiting is the Waiting for code, opened on server (the technician's
// -server URL, which also serves the help page), until expires.
func NewWaiting(server, code string, expires time.Time) Waiting {
	return giowin.NewWaiting(server, code, expires)
}

// SetWaiting shows, at the top of the queue, the running session's code
// in groups, the help page's link with a button that copies it, and the
// time left, until the zero Waiting (the customer joined) or the session's
// end (SetSession(false, "")) takes it away.
func (d *Desk) SetWaiting(w Waiting) {
	d.mu.Lock()
	d.waiting = w
	d.mu.Unlock()
	d.win.Invalidate()
}

// conv returns the conversation called id, creating it. d.mu is held.
func (d *Desk) conv(id string) *conversation {
	c := d.convs[id]
	if c == nil {
		c = &conversation{}
		d.convs[id] = c
	}
	return c
}

// add records a sequenced event once (a replay after a reconnect repeats
// some).
func (c *conversation) add(e deskclient.Event) {
	if e.Seq > 0 && slices.ContainsFunc(c.events, func(o deskclient.Event) bool { return o.Seq == e.Seq }) {
		return
	}
	switch e.Type {
	case "invite":
		c.invited = e.Code
	case "closed":
		c.closed = true
	case "message":
		c.typing = time.Time{}
	}
	c.events = append(c.events, e)
}

// Controls returns where the window's controls were last drawn, in window
// pixels, by name ("queue-ID" for each queued conversation, "open",
// "reply", "send", "invite", "end", and the code card's giowin.NameCode,
// NameLink, NameCopy and NameExpires while it waits for the customer),
// and which conversation is shown. It serves
// automation: accessibility tools and end-to-end tests.
func (d *Desk) Controls() (map[string]image.Rectangle, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.layout.Clone().Rects, d.current
}

// Editing reports whether the reply line has the keyboard.
func (d *Desk) Editing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.layout.Editing == nReply
}

// Texts returns every text the last frame drew, in order (for tests).
func (d *Desk) Texts() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.layout.Texts)
}

// Run opens the window and serves it until ctx ends (it returns ctx's
// error) or the technician closes it (nil). Actions is closed when it
// returns.
func (d *Desk) Run(ctx context.Context) error {
	u := newUI(d)
	err := d.win.Run(ctx, giowin.Handler{Frame: u.frame})
	if errors.Is(err, giowin.ErrRunning) {
		return ErrRunning
	}
	close(d.actions)
	return err
}

// act queues an action; the window never blocks on a slow caller.
func (d *Desk) act(a Action) {
	select {
	case d.actions <- a:
	default:
		d.log.Warn("deskui: action dropped, the caller is not reading", "action", a.Kind.String())
	}
}
