package techdesk

import (
	"context"
	"errors"
	"fmt"
	"image"
	"maps"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/technician/deskclient"
	"github.com/tandem-remote/tandem/internal/technician/deskui"
)

// RunWindow is the desk in a window (-desk with a display): the queue
// of web chat customers, the picked conversation, Invite, which opens a
// session (the viewer window shows it) and gives its code to the
// customer, and Start a session, whose code the technician gives by
// phone (the customer who brings it to the help page joins the queue as
// theirs). The desk's events are printed as in the headless desk (JSON
// with -json), with the window's controls ("desk-window") for automation.
// It runs until the window is closed or ctx ends.
func RunWindow(ctx context.Context, cfg Config) error {
	dc, err := deskclient.Dial(ctx, cfg.Server, cfg.RootCAs, cfg.Token)
	if err != nil {
		return err
	}
	defer dc.Close()
	printer := &deskRun{flags: Flags{On: true}, dc: dc, out: cfg.Out, json: cfg.JSON, picked: make(chan struct{}), tried: map[string]bool{}}
	win := deskui.New(deskui.Config{Title: "Tandem desk"})

	// The desk outlives ctx (Ctrl-C) long enough to end the chat.
	deskCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	winCtx, closeWin := context.WithCancel(ctx)
	defer closeWin()
	readErr := make(chan error, 1)
	go func() {
		for {
			m, err := dc.Next(deskCtx)
			if err != nil {
				readErr <- err
				closeWin()
				return
			}
			printer.handle(deskCtx, m)
			win.Update(m)
		}
	}()
	g := &deskGUI{dc: dc, out: cfg.Out, session: cfg.Session, win: win, server: cfg.Server}
	acted := make(chan struct{})
	go func() {
		defer close(acted)
		g.serve(deskCtx, winCtx, win.Actions())
	}()
	if cfg.JSON {
		go reportDeskWindow(winCtx, win, printer)
	}
	err = win.Run(winCtx)
	<-acted
	g.wait()
	g.endPicked(deskCtx)
	select {
	case rerr := <-readErr:
		if ctx.Err() == nil {
			return fmt.Errorf("desk: %w", rerr)
		}
	default:
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil // interrupted: a normal end
	}
	return err
}

// deskGUI carries out the desk window's actions.
type deskGUI struct {
	dc      *deskclient.Client
	out     *LineWriter
	session func(context.Context) error
	win     *deskui.Desk
	server  string // the -server URL, for the code's link

	mu      sync.Mutex
	picked  string // the conversation taken last
	running bool   // a session runs
	wg      sync.WaitGroup
}

// serve acts on the window's requests until it closes. Desk requests use
// deskCtx (they must get out even while ctx ends); the session ends with
// sessCtx.
func (g *deskGUI) serve(deskCtx, sessCtx context.Context, actions <-chan deskui.Action) {
	for a := range actions {
		switch a.Kind {
		case deskui.Pick:
			g.mu.Lock()
			g.picked = a.Conversation
			g.mu.Unlock()
			g.dc.Pick(deskCtx, a.Conversation)
		case deskui.Say:
			g.dc.Say(deskCtx, a.Conversation, a.Text)
		case deskui.Typing:
			g.dc.Typing(deskCtx, a.Conversation)
		case deskui.End:
			g.dc.End(deskCtx, a.Conversation, "operator-ended")
		case deskui.Invite, deskui.Open:
			g.invite(deskCtx, sessCtx, a.Conversation)
		}
	}
}

// invite opens a session, one at a time, shows its code in the window
// and, for a conversation (Invite, not Open), sends the code to its
// customer as soon as the server gives it.
func (g *deskGUI) invite(deskCtx, sessCtx context.Context, conv string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running {
		return // the window shows the session already running
	}
	g.running = true
	g.win.SetSession(true, "")
	var once sync.Once
	g.out.setOnCode(func(code string, expires time.Time) {
		once.Do(func() {
			g.win.SetSession(true, code)
			g.win.SetWaiting(deskui.NewWaiting(g.server, code, expires))
			if conv != "" {
				g.dc.Invite(deskCtx, conv, code)
			}
		})
	})
	g.wg.Go(func() {
		g.session(sessCtx)
		g.out.setOnCode(nil)
		g.win.SetSession(false, "")
		g.mu.Lock()
		g.running = false
		g.mu.Unlock()
	})
}

func (g *deskGUI) wait() { g.wg.Wait() }

// endPicked ends the conversation taken last when the technician leaves
// the desk.
func (g *deskGUI) endPicked(ctx context.Context) {
	g.mu.Lock()
	id := g.picked
	g.mu.Unlock()
	if id != "" {
		g.dc.End(ctx, id, "operator-left")
	}
}

// reportDeskWindow prints where the desk window's controls are whenever
// they change and keep their place for a moment, until ctx ends.
func reportDeskWindow(ctx context.Context, win *deskui.Desk, p *deskRun) {
	type controls struct {
		at      map[string]image.Rectangle
		current string
		editing bool
	}
	look := func() (controls, bool) {
		at, current := win.Controls()
		return controls{at, current, win.Editing()}, true
	}
	same := func(a, b controls) bool {
		return a.current == b.current && a.editing == b.editing && maps.Equal(a.at, b.at)
	}
	session.ReportSteady(ctx, 50*time.Millisecond, 3, look, same, func(c controls) {
		out := make(map[string]map[string]int, len(c.at))
		for n, r := range c.at {
			out[n] = map[string]int{"x": r.Min.X, "y": r.Min.Y, "w": r.Dx(), "h": r.Dy()}
		}
		p.emit(struct {
			Event    string                    `json:"event"`
			Controls map[string]map[string]int `json:"controls"`
			Current  string                    `json:"conversation,omitempty"`
			Editing  bool                      `json:"editing,omitempty"`
		}{"desk-window", out, c.current, c.editing}, "")
	})
}
