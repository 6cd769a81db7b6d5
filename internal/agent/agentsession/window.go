package agentsession

import (
	"context"
	"image"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandem-remote/tandem/internal/agent/agentui"
	"github.com/tandem-remote/tandem/internal/agent/appsel"
	"github.com/tandem-remote/tandem/internal/agent/platform"
	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/filexfer"
	"github.com/tandem-remote/tandem/internal/link/peer"
	"github.com/tandem-remote/tandem/internal/link/session"
	"github.com/tandem-remote/tandem/internal/wire/proto"
)

// windowCustomer is the agent's window (platform.Window) as the session's
// Customer: it asks the questions there, shows the state in force, and
// turns the panel's buttons into customer actions.
type windowCustomer struct {
	ui      platform.Window
	timeout time.Duration // for each question; 0 = agentui's default
	org     string        // the operator's organisation, once known
	actions chan CustomerAction
	report  *session.Reporter

	mu        sync.Mutex
	status    agentui.Status
	transfers map[uint32]filexfer.Progress // by ID
	canFiles  bool                         // file transfer is served: the grant has it
}

func newWindowCustomer(ui platform.Window, timeout time.Duration, report *session.Reporter) *windowCustomer {
	return &windowCustomer{ui: ui, timeout: timeout, report: report, actions: make(chan CustomerAction, 8),
		transfers: map[uint32]filexfer.Progress{}}
}

var questionKinds = map[session.QuestionKind]agentui.Kind{
	session.AskSession: agentui.KindSession, session.AskMode: agentui.KindMode,
	session.AskFileIn: agentui.KindFileIn, session.AskFileOut: agentui.KindFileOut,
}

// Ask shows q in the window and waits for the customer.
func (w *windowCustomer) Ask(ctx context.Context, q session.Question) string {
	if q.Organisation != "" {
		w.mu.Lock()
		w.org = q.Organisation
		w.mu.Unlock()
	}
	var ready func(allow, deny image.Rectangle)
	if w.report.JSON() { // where to click is for automation, which reads -json
		ready = func(allow, deny image.Rectangle) { w.report.Question(q, allow, deny) }
	}
	ans, err := w.ui.Ask(ctx, agentui.Request{
		Kind: questionKinds[q.Kind], Operator: q.Operator, Organisation: q.Organisation,
		Mode: string(q.Mode), Functions: q.Functions, File: q.File, Size: q.Size, Timeout: w.timeout,
		Dir: q.Dir, OutsideHome: q.OutsideHome, Hidden: q.Hidden,
		Browser: w.report.OperatorInBrowser(), Ready: ready,
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

// Show puts the state in force on the panel.
func (w *windowCustomer) Show(operator string, s proto.ModeState) {
	w.mu.Lock()
	w.status.Operator, w.status.Organisation = operator, w.org
	w.status.Mode, w.status.Paused, w.status.InputSuspended = string(s.Mode), s.Paused, s.InputSuspended
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
}

// reportPanel reports where the panel's controls are (for automation:
// accessibility tools, end-to-end tests) whenever the set on screen
// changes and has kept its place for a moment — a window still being
// resized can miss a click. It runs until ctx ends, and only for -json
// output, where the event goes (one X round trip every 50 ms).
func (w *windowCustomer) reportPanel(ctx context.Context, apps func() []uint32) {
	if !w.report.JSON() {
		return
	}
	look := func() (map[string]image.Rectangle, bool) {
		now := w.panelControls(apps())
		return now, len(now) > 0
	}
	session.ReportSteady(ctx, 50*time.Millisecond, 4, look, maps.Equal, w.report.Panel)
}

// panelControls returns where the panel's visible controls are (none
// while a question covers the panel), with "app-ID" for each listed
// application window of the chooser.
func (w *windowCustomer) panelControls(apps []uint32) map[string]image.Rectangle {
	names := []string{agentui.ControlAllow, agentui.ControlStop, agentui.ControlPause, agentui.ControlTakeBack,
		agentui.ControlChat, agentui.ControlFiles, agentui.ControlApps, agentui.ControlShare, agentui.ControlSend,
		agentui.ControlChatLine, agentui.ControlWhole, agentui.ControlSendFile, agentui.ControlChooserPath}
	for _, id := range apps {
		names = append(names, agentui.ControlApp(id))
	}
	controls := w.ui.WhereAll(names)
	if _, question := controls[agentui.ControlAllow]; question {
		return nil
	}
	return controls
}

// Actions delivers the panel's session buttons.
func (w *windowCustomer) Actions() <-chan CustomerAction { return w.actions }

// setTransfer shows one transfer's progress; the last report, all bytes
// there, removes it.
func (w *windowCustomer) setTransfer(p filexfer.Progress) {
	w.mu.Lock()
	if s := w.status.Sent; s != nil && s.Outcome == agentui.SendWaiting && !p.Incoming && s.Name == p.Name {
		w.status.Sent = nil // accepted: the transfer's line takes over
	}
	if p.Done >= p.Total {
		delete(w.transfers, p.ID)
	} else {
		w.transfers[p.ID] = p
	}
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
}

// dropTransfer takes a transfer off the panel (the customer canceled it).
func (w *windowCustomer) dropTransfer(id uint32) {
	w.mu.Lock()
	delete(w.transfers, id)
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
	st.CanSend = w.canFiles && st.Mode != string(proto.ModeNone)
	return st
}

// setFiles says whether file transfer is served (the grant includes it
// and the endpoint runs): the panel then offers "Send a file…" while a
// mode is in force.
func (w *windowCustomer) setFiles(on bool) {
	w.mu.Lock()
	w.canFiles = on
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
}

// setSent shows how the customer's last sent file ended (or that it waits).
func (w *windowCustomer) setSent(s *agentui.SentFile) {
	w.mu.Lock()
	w.status.Sent = s
	st := w.statusLocked()
	w.mu.Unlock()
	w.ui.SetStatus(st)
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
	scr   *screenShare        // nil without a shared screen
	chat  *chat.Conn          // nil when the grant has no chat
	local platform.LocalInput // nil without one
	// files serves file transfers once startFiles has run (the panel's
	// Cancel stops one there); nil before, and without file transfer.
	files atomic.Pointer[filexfer.Endpoint]

	mu       sync.Mutex
	apps     []uint32           // the chooser's windows
	withdraw context.CancelFunc // cancels the file sent last; nil before one
}

// newAgentWindow prepares the panel's side of a session that has just
// connected; withChat opens the chat (the grant allows it).
func newAgentWindow(r *session.Run, wc *windowCustomer, cs *customerSide, scr *screenShare, withChat bool) *agentWindow {
	aw := &agentWindow{wc: wc, cs: cs, scr: scr}
	if scr != nil {
		aw.local = scr.local
	}
	if withChat {
		aw.chat = chat.New(r.Link().Channel(peer.ChannelChat), "customer", chat.Options{Logger: r.Logger()})
	}
	return aw
}

// appsChanged is what hears of changes in the application windows: the
// chooser, when the window and a tracker are there (aw may be nil).
func (aw *agentWindow) appsChanged() func([]appsel.Window) {
	if aw == nil || aw.scr == nil || aw.scr.apps == nil {
		return nil
	}
	return aw.showApps
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
	aw.cs.r.Go(ctx, func(ctx context.Context) { aw.wc.reportPanel(ctx, aw.appIDs) })
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
			if aw.cs.consent.takesBack(aw.local.LastActivity()) {
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
			aw.cs.r.Logger().Info("chat message not sent", "err", err)
		}
	case agentui.CancelTransfer:
		aw.cancelTransfer(a.Transfer)
	case agentui.SendFile:
		aw.sendFile(ctx, a.Path)
	case agentui.CancelSend:
		aw.withdrawSend()
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

// appIDs lists the application windows the chooser shows.
func (aw *agentWindow) appIDs() []uint32 {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	return aw.apps
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
	ids := make([]uint32, len(list))
	for i, w := range list {
		ids[i] = w.ID
	}
	aw.mu.Lock()
	aw.apps = ids
	aw.mu.Unlock()
}

func overlapsAny(b image.Rectangle, rs []image.Rectangle) bool {
	for _, r := range rs {
		if r.Overlaps(b) {
			return true
		}
	}
	return false
}
