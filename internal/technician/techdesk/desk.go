package techdesk

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/tandem-remote/tandem/internal/technician/deskclient"
)

// Flags are the desk mode's settings: the operator's queue of web chat
// customers (package helpdesk), the chat, and the invitation to a session.
type Flags struct {
	On     bool     // -desk
	Pick   string   // "first" or a conversation ID
	Say    []string // sent once picked
	Invite bool     // open a session and invite the picked customer
}

// Register defines the desk flags on fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.BoolVar(&f.On, "desk", false, "open the operator's desk instead of a session at once: the queue of web chat\ncustomers ({\"event\":\"queue\"}), their messages (\"desk-message\", \"desk-typing\",\n\"desk-closed\"), and its connection's (\"desk-lost\", \"desk-reconnected\": it dials again by\nitself for up to 2 minutes). With a display (and no -pick) it is a window (\"desk-window\" events\nsay where its controls are); headless, lines you type go to the picked customer")
	fs.StringVar(&f.Pick, "pick", "", "with -desk: pick `WHICH` customer: first (the first waiting, or one who came with a\ncode of a session of yours) or a conversation ID")
	fs.Func("desk-say", "with -desk: send `TEXT` to the picked customer; repeatable", func(v string) error {
		f.Say = append(f.Say, v)
		return nil
	})
	fs.BoolVar(&f.Invite, "invite", false, "with -desk and -pick: open a session, send its code to the picked customer (the help\npage offers the agent download), and run the session as usual")
}

// Check reports desk flags given without -desk.
func (f *Flags) Check() error {
	if !f.On && (f.Pick != "" || len(f.Say) > 0 || f.Invite) {
		return errors.New("-pick, -desk-say and -invite need -desk")
	}
	if f.Invite && f.Pick == "" {
		return errors.New("-invite needs -pick (whom to invite)")
	}
	return nil
}

// deskRun is one desk connection with what the flags asked of it.
type deskRun struct {
	flags  Flags
	dc     *deskclient.Client
	out    *LineWriter
	json   bool
	picked chan struct{} // closed once the pick's history arrived and -desk-say went out

	mu    sync.Mutex
	conv  string          // the conversation asked for, once picked
	tried map[string]bool // picks refused (taken by someone else)
	done  bool            // picked chan closed
}

// Config is what the desk connects with, and the session it opens.
type Config struct {
	Server  string         // the signaling server's URL
	RootCAs *x509.CertPool // trust for it; nil = system roots
	Token   string         // the operator's login token
	Out     *LineWriter    // the desk's events go here, with the session's
	JSON    bool           // events as JSON lines
	// Session runs one technician session, reporting its code through
	// Out (the desk hands it to the picked customer).
	Session func(context.Context) error
}

// Run opens the desk headless and, with -invite, the session once a
// customer is picked.
func Run(ctx context.Context, f Flags, cfg Config) error {
	dc, err := deskclient.Dial(ctx, cfg.Server, cfg.RootCAs, cfg.Token)
	if err != nil {
		return err
	}
	defer dc.Close()
	out := cfg.Out
	d := &deskRun{flags: f, dc: dc, out: out, json: cfg.JSON, picked: make(chan struct{}), tried: map[string]bool{}}
	// The desk outlives ctx (Ctrl-C) long enough to end the chat: a
	// cancelled read would close the socket first.
	readCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	readErr, stopped := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(stopped)
		readErr <- d.read(readCtx)
	}()
	defer func() {
		d.end(readCtx)
		cancel()
		<-stopped
	}()
	if term.IsTerminal(int(os.Stdin.Fd())) {
		go d.typeLines(readCtx, os.Stdin)
	}
	if !f.Invite {
		select {
		case err := <-readErr:
			return err
		case <-ctx.Done():
			return nil
		}
	}
	select {
	case err := <-readErr:
		return err
	case <-ctx.Done():
		return nil
	case <-d.picked:
	}
	out.setOnCode(func(code string, _ time.Time) { d.sendInvite(readCtx, code) })
	return cfg.Session(ctx)
}

// read prints the desk's messages and acts on the flags until the picked
// conversation closes (desk-only mode) or ctx ends.
func (d *deskRun) read(ctx context.Context) error {
	for {
		m, err := d.dc.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if end, err := d.handle(ctx, m); end || err != nil {
			return err
		}
	}
}

// handle prints m and reports whether desk-only mode is over, or why the
// desk cannot do what the flags asked.
func (d *deskRun) handle(ctx context.Context, m deskclient.Message) (bool, error) {
	switch m.Type {
	case "queue":
		d.printQueue(m.Conversations)
		d.maybePick(ctx, m.Conversations)
	case "history":
		for _, e := range m.Events {
			d.printEvent(m.Conversation, e)
		}
		d.afterPick(ctx, m.Conversation)
	case "event":
		if m.Event != nil {
			d.printEvent(m.Conversation, *m.Event)
			return m.Event.Type == "closed" && !d.flags.Invite && m.Conversation == d.current(), nil
		}
	case "typing":
		d.emit(map[string]string{"event": "desk-typing", "conversation": m.Conversation}, "")
	case deskclient.TypeLost:
		d.emit(map[string]string{"event": "desk-lost"}, "Desk connection lost: reconnecting")
	case deskclient.TypeReconnected:
		d.emit(map[string]string{"event": "desk-reconnected"}, "Desk reconnected")
	case "error":
		d.emit(map[string]string{"event": "desk-error", "conversation": m.Conversation, "error": m.Error, "message": m.Message},
			"Desk: "+m.Message)
		d.mu.Lock()
		defer d.mu.Unlock()
		if m.Error == "closed" && m.Conversation != "" && m.Conversation == d.conv && d.done {
			// It ended while the desk was reconnecting.
			return !d.flags.Invite, nil
		}
		if m.Conversation != "" && m.Conversation == d.conv && !d.done {
			if d.flags.Pick != "first" {
				return false, fmt.Errorf("pick %s: %s", m.Conversation, m.Message)
			}
			d.tried[m.Conversation], d.conv = true, "" // someone else took it: try another
		}
	}
	return false, nil
}

func (d *deskRun) current() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.conv
}

// maybePick picks the conversation -pick names once the queue shows it.
func (d *deskRun) maybePick(ctx context.Context, q []deskclient.Summary) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.flags.Pick == "" || d.conv != "" {
		return
	}
	if d.flags.Pick != "first" {
		// Asked by ID: the server says if it cannot be had.
		d.conv = d.flags.Pick
		d.dc.Pick(ctx, d.conv)
		return
	}
	for _, s := range q {
		if d.tried[s.ID] {
			continue
		}
		d.conv = s.ID
		d.dc.Pick(ctx, s.ID)
		return
	}
}

// afterPick sends -desk-say once the picked conversation's history came.
func (d *deskRun) afterPick(ctx context.Context, id string) {
	d.mu.Lock()
	if id != d.conv || d.done {
		d.mu.Unlock()
		return
	}
	d.done = true
	d.mu.Unlock()
	d.emit(map[string]string{"event": "desk-picked", "conversation": id}, "Chatting with conversation "+id)
	for _, s := range d.flags.Say {
		d.dc.Say(ctx, id, s)
	}
	close(d.picked)
}

func (d *deskRun) sendInvite(ctx context.Context, code string) {
	if id := d.current(); id != "" {
		d.dc.Invite(ctx, id, code)
	}
}

// typeLines sends each line typed in the terminal to the picked customer.
func (d *deskRun) typeLines(ctx context.Context, r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && d.current() != "" {
			d.dc.Say(ctx, d.current(), line)
		}
	}
}

// end closes the picked conversation when the technician leaves.
func (d *deskRun) end(ctx context.Context) {
	d.mu.Lock()
	id, done := d.conv, d.done
	d.mu.Unlock()
	if id != "" && done {
		d.dc.End(ctx, id, "operator-left")
	}
}

func (d *deskRun) printQueue(q []deskclient.Summary) {
	var waiting []string
	for _, s := range q {
		label := s.Name
		if s.Topic != "" {
			label += ": " + s.Topic
		}
		if s.State == "yours" {
			label += " (yours)"
		}
		waiting = append(waiting, label+" ["+s.ID+"]")
	}
	text := fmt.Sprintf("Queue: %d (%s)", len(q), strings.Join(waiting, "; "))
	d.emit(struct {
		Event         string               `json:"event"`
		Conversations []deskclient.Summary `json:"conversations"`
	}{"queue", q}, text)
}

// deskEventOut is a conversation's event as the technician prints it.
type deskEventOut struct {
	Name         string `json:"event"`
	Conversation string `json:"conversation"`
	deskclient.Event
}

func (d *deskRun) printEvent(conv string, e deskclient.Event) {
	ev := deskEventOut{Conversation: conv, Event: e}
	text := ""
	switch e.Type {
	case "message":
		who := e.Name
		if who == "" {
			who = e.From
		}
		ev.Name, text = "desk-message", fmt.Sprintf("[%s] %s", who, e.Text)
	case "closed":
		ev.Name, text = "desk-closed", "Chat ended ("+e.Reason+")"
	case "invite":
		ev.Name, text = "desk-invite", "Invitation sent with code "+e.Code
	case "assigned":
		ev.Name = "desk-assigned"
	default:
		return
	}
	d.emit(ev, text)
}

func (d *deskRun) emit(v any, text string) {
	if d.json {
		b, _ := json.Marshal(v)
		d.out.Write(append(b, '\n'))
		return
	}
	if text != "" {
		d.out.Write([]byte(text + "\n"))
	}
}
