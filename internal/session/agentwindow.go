package session

import (
	"context"
	"image"
	"slices"
	"sync"
	"time"

	"github.com/tandem-remote/tandem/internal/agentui"
	"github.com/tandem-remote/tandem/internal/appsel"
	"github.com/tandem-remote/tandem/internal/chat"
	"github.com/tandem-remote/tandem/internal/localinput"
	"github.com/tandem-remote/tandem/internal/peer"
	"github.com/tandem-remote/tandem/internal/proto"
)

// windowCustomer is the agent's window (package agentui) as the session's
// Customer: it asks the questions there, shows the state in force, and
// turns the panel's buttons into customer actions.
type windowCustomer struct {
	ui      *agentui.UI
	timeout time.Duration // for each question; 0 = agentui's default
	org     string        // the operator's organisation, once known
	actions chan CustomerAction
	report  *Reporter
	done    chan struct{} // closed when the session ends: announcers stop
	once    sync.Once

	mu        sync.Mutex
	status    agentui.Status
	transfers map[string]agentui.Transfer
}

func newWindowCustomer(ui *agentui.UI, timeout time.Duration, report *Reporter) *windowCustomer {
	return &windowCustomer{ui: ui, timeout: timeout, report: report, actions: make(chan CustomerAction, 8),
		transfers: map[string]agentui.Transfer{}, done: make(chan struct{})}
}

// close stops what the window customer started.
func (w *windowCustomer) close() { w.once.Do(func() { close(w.done) }) }

var questionKinds = map[QuestionKind]agentui.Kind{
	AskSession: agentui.KindSession, AskMode: agentui.KindMode,
	AskFileIn: agentui.KindFileIn, AskFileOut: agentui.KindFileOut,
}

// Ask shows q in the window and waits for the customer.
func (w *windowCustomer) Ask(ctx context.Context, q Question) string {
	if q.Organisation != "" {
		w.mu.Lock()
		w.org = q.Organisation
		w.mu.Unlock()
	}
	asked := make(chan struct{})
	defer close(asked)
	go w.announce(q, asked)
	ans, err := w.ui.Ask(ctx, agentui.Request{
		Kind: questionKinds[q.Kind], Operator: q.Operator, Organisation: q.Organisation,
		Mode: string(q.Mode), Functions: q.Functions, File: q.File, Size: q.Size, Timeout: w.timeout,
	})
	switch {
	case err != nil:
		return proto.AnswerRefused
	case ans == agentui.Allow:
		return proto.AnswerAllowed
	case ans == agentui.Timeout:
		return proto.AnswerTimeout
	}
	return proto.AnswerRefused
}

// announce reports the question once it is on screen and ready for an
// answer, with where its buttons are (for automation), unless it was
// answered first.
func (w *windowCustomer) announce(q Question, asked <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-asked:
			return
		case <-t.C:
		}
		allow, shown, ready := w.ui.Where(agentui.ControlAllow)
		deny, _, _ := w.ui.Where(agentui.ControlDeny)
		if shown && ready {
			w.report.Question(q, allow, deny)
			return
		}
	}
}

// Show puts the state in force on the panel.
func (w *windowCustomer) Show(operator string, s proto.ModeState) {
	w.mu.Lock()
	w.status.Operator, w.status.Organisation = operator, w.org
	w.status.Mode, w.status.Paused, w.status.InputSuspended = string(s.Mode), s.Paused, s.InputSuspended
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
	go w.announcePanel()
}

// announcePanel reports where the panel's buttons are once the panel is
// drawn and has kept its place for a moment (a window that is still being
// resized can miss a click), for automation, within a few seconds.
func (w *windowCustomer) announcePanel() {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	var last []image.Rectangle
	steady := 0
	for range 200 {
		select {
		case <-t.C:
		case <-w.done:
			return
		}
		controls, ok := w.panelControls()
		now := append(w.ui.Bounds(), controls["stop"])
		if !ok || !slices.Equal(now, last) {
			last, steady = now, 0
			continue
		}
		if steady++; steady == 10 {
			w.report.Panel(controls)
			return
		}
	}
}

// panelControls returns where the panel's buttons are, or false while a
// question covers the panel.
func (w *windowCustomer) panelControls() (map[string]image.Rectangle, bool) {
	if _, shown, _ := w.ui.Where(agentui.ControlAllow); shown {
		return nil, false
	}
	stop, shown, _ := w.ui.Where(agentui.ControlStop)
	if !shown {
		return nil, false
	}
	controls := map[string]image.Rectangle{"stop": stop}
	for name, c := range map[string]string{"pause": agentui.ControlPause, "takeback": agentui.ControlTakeBack,
		"chat": agentui.ControlChat, "files": agentui.ControlFiles, "apps": agentui.ControlApps} {
		if r, ok, _ := w.ui.Where(c); ok {
			controls[name] = r
		}
	}
	return controls, true
}

// Actions delivers the panel's session buttons.
func (w *windowCustomer) Actions() <-chan CustomerAction { return w.actions }

// setTransfer shows one transfer's progress; done removes it.
func (w *windowCustomer) setTransfer(id string, t agentui.Transfer, done bool) {
	w.mu.Lock()
	if done {
		delete(w.transfers, id)
	} else {
		w.transfers[id] = t
	}
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
}

func (w *windowCustomer) statusLocked() agentui.Status {
	st := w.status
	st.Transfers = st.Transfers[:0:0]
	for _, t := range w.transfers {
		st.Transfers = append(st.Transfers, t)
	}
	return st
}

// act queues a customer action for the session.
func (w *windowCustomer) act(a CustomerAction) {
	select {
	case w.actions <- a:
	default: // the session is ending or swamped; Stop is re-sent by a close
	}
}

var panelActions = map[agentui.ActionKind]CustomerAction{
	agentui.Stop: ActStop, agentui.Pause: ActPause, agentui.Resume: ActResume,
	agentui.TakeBack: ActTakeBack, agentui.GiveBack: ActGiveBack,
}

// agentWindow runs the panel for one session: buttons, chat, the apps
// chooser, and taking back control when the customer touches the
// keyboard or mouse.
type agentWindow struct {
	wc    *windowCustomer
	cs    *customerSide
	scr   *agentScreen // nil without a shared screen
	chat  *chat.Conn   // nil when the grant has no chat
	local *localinput.Watcher
}

// newAgentWindow prepares the panel's side of a session that has just
// connected; withChat opens the chat (the grant allows it).
func newAgentWindow(r *run, wc *windowCustomer, cs *customerSide, scr *agentScreen, withChat bool) *agentWindow {
	aw := &agentWindow{wc: wc, cs: cs, scr: scr}
	if scr != nil {
		aw.local = scr.local
		if scr.apps != nil {
			scr.appsChanged = aw.showApps
		}
	}
	if withChat {
		aw.chat = chat.New(r.link.Channel(peer.ChannelChat), "customer", chat.Options{Logger: r.cfg.Logger})
	}
	return aw
}

func (aw *agentWindow) run(ctx context.Context) {
	var incoming <-chan chat.Message
	if aw.chat != nil {
		incoming = aw.chat.Incoming()
	}
	var activity <-chan struct{}
	if aw.local != nil {
		activity = aw.local.Activity()
	}
	if aw.scr != nil && aw.scr.apps != nil {
		aw.showApps(aw.scr.apps.Windows())
	}
	actions := aw.wc.ui.Actions()
	for {
		select {
		case a, ok := <-actions:
			if !ok { // the customer closed the window
				aw.wc.act(ActStop)
				return
			}
			aw.handle(ctx, a)
		case m, ok := <-incoming:
			if !ok {
				incoming = nil
				continue
			}
			aw.wc.ui.AddChat(m.From, m.Text, m.Sent)
		case <-activity:
			if aw.cs.consent.get().InputAllowed() {
				aw.cs.takeBack(ctx)
			}
		case <-ctx.Done():
			return
		}
	}
}

func (aw *agentWindow) handle(ctx context.Context, a agentui.Action) {
	switch a.Kind {
	case agentui.ChatSend:
		if aw.chat == nil {
			return
		}
		if _, err := aw.chat.Send(ctx, a.Text); err != nil {
			aw.cs.r.cfg.Logger.Info("chat message not sent", "err", err)
		}
	case agentui.ChooseApps:
		if aw.scr == nil || aw.scr.apps == nil {
			return
		}
		aw.scr.chooseApps(a.WholeScreen, a.Windows)
		aw.cs.notify(ctx)
		aw.showApps(aw.scr.apps.Windows())
	default:
		if ca, ok := panelActions[a.Kind]; ok {
			aw.wc.act(ca)
		}
	}
}

// showApps gives the chooser the application windows, marking those in
// the shared region.
func (aw *agentWindow) showApps(ws []appsel.Window) {
	r := aw.scr.apps.Region()
	list := make([]agentui.AppWindow, 0, len(ws))
	for _, w := range ws {
		list = append(list, agentui.AppWindow{ID: w.ID, Title: w.Title, Program: w.Program, Selected: !r.All && overlapsAny(w.Bounds, r.Rects)})
	}
	aw.wc.ui.SetAppWindows(list)
}

func overlapsAny(b image.Rectangle, rs []image.Rectangle) bool {
	for _, r := range rs {
		if r.Overlaps(b) {
			return true
		}
	}
	return false
}
