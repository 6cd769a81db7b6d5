package main

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

	"golang.org/x/term"

	"github.com/tandem-remote/tandem/internal/deskclient"
)

// deskFlags are the desk mode's settings: the operator's queue of web chat
// customers (package helpdesk), the chat, and the invitation to a session.
type deskFlags struct {
	on     bool
	pick   string   // "first" or a conversation ID
	say    []string // sent once picked
	invite bool     // open a session and invite the picked customer
}

func (f *deskFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "desk", false, "open the operator's desk instead of a session at once: the queue of web chat\ncustomers ({\"event\":\"queue\"}), their messages (\"desk-message\", \"desk-typing\",\n\"desk-closed\"). With a display (and no -pick) it is a window (\"desk-window\" events\nsay where its controls are); headless, lines you type go to the picked customer")
	fs.StringVar(&f.pick, "pick", "", "with -desk: pick `WHICH` customer: first (the first waiting, or one who came with a\ncode of a session of yours) or a conversation ID")
	fs.Func("desk-say", "with -desk: send `TEXT` to the picked customer; repeatable", func(v string) error {
		f.say = append(f.say, v)
		return nil
	})
	fs.BoolVar(&f.invite, "invite", false, "with -desk and -pick: open a session, send its code to the picked customer (the help\npage offers the agent download), and run the session as usual")
}

// check reports desk flags given without -desk.
func (f *deskFlags) check() error {
	if !f.on && (f.pick != "" || len(f.say) > 0 || f.invite) {
		return errors.New("-pick, -desk-say and -invite need -desk")
	}
	if f.invite && f.pick == "" {
		return errors.New("-invite needs -pick (whom to invite)")
	}
	return nil
}

// deskRun is one desk connection with what the flags asked of it.
type deskRun struct {
	flags  deskFlags
	dc     *deskclient.Client
	out    *lineWriter
	json   bool
	picked chan struct{} // closed once the pick's history arrived and -desk-say went out

	mu    sync.Mutex
	conv  string          // the conversation asked for, once picked
	tried map[string]bool // picks refused (taken by someone else)
	done  bool            // picked chan closed
}

// runDesk opens the desk and, with -invite, the session (session runs
// it, reporting the code through out's tap) once a customer is picked.
func runDesk(ctx context.Context, f deskFlags, server string, roots *x509.CertPool, token string, out *lineWriter, jsonOut bool, session func(context.Context) error) error {
	dc, err := deskclient.Dial(ctx, server, roots, token)
	if err != nil {
		return err
	}
	defer dc.Close()
	d := &deskRun{flags: f, dc: dc, out: out, json: jsonOut, picked: make(chan struct{}), tried: map[string]bool{}}
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
	if !f.invite {
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
	out.setOnCode(func(code string) { d.sendInvite(readCtx, code) })
	return session(ctx)
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
			return m.Event.Type == "closed" && !d.flags.invite && m.Conversation == d.current(), nil
		}
	case "typing":
		d.emit(map[string]string{"event": "desk-typing", "conversation": m.Conversation}, "")
	case "error":
		d.emit(map[string]string{"event": "desk-error", "conversation": m.Conversation, "error": m.Error, "message": m.Message},
			"Desk: "+m.Message)
		d.mu.Lock()
		defer d.mu.Unlock()
		if m.Conversation != "" && m.Conversation == d.conv && !d.done {
			if d.flags.pick != "first" {
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
	if d.flags.pick == "" || d.conv != "" {
		return
	}
	if d.flags.pick != "first" {
		// Asked by ID: the server says if it cannot be had.
		d.conv = d.flags.pick
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
	for _, s := range d.flags.say {
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
