package agentui

import (
	"image"
	"strings"

	"gioui.org/font/gofont"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/tandem-remote/tandem/internal/media/giowin"
)

// Names of the things a frame draws, as layoutInfo records them.
const (
	nAllow     = "allow"
	nDeny      = "deny"
	nAsks      = "asks" // the line naming the operator and what they ask
	nStatus    = "status"
	nStop      = "stop"
	nPause     = "pause" // Pause or Resume
	nTakeBack  = "take-back"
	nChat      = "chat"
	nFiles     = "files"
	nApps      = "apps"
	nChatInput = "chat-input"
	nSend      = "send"
	nChatLast  = "chat-last"
	nTransfers = "transfers" // the first line of the Files pane
	nShare     = "share"
	nAppsPrev  = "apps-prev" // the previous page of windows
	nAppsNext  = "apps-next"
	nWhole     = "whole-screen"
)

// view is the window goroutine's state; only that goroutine touches it.
type view struct {
	u   *UI
	t   *texts
	th  *material.Theme
	ops op.Ops

	buttons  map[string]*widget.Clickable
	editor   widget.Editor
	whole    widget.Bool
	apps     map[uint32]*widget.Bool
	cancels  []*widget.Clickable // of the transfers shown, in order
	appsFrom int                 // index of the first window on the chooser's page
	escape   int                 // tag for Escape, which denies a question
	pick     chooserView         // the chooser of "Send a file…"

	drawnPrompt      uint64 // question drawn last frame: clicks answer it
	chatOpen         bool
	filesOpen        bool
	appsOpen         bool
	appsEdited       bool // the customer changed the chooser's boxes since the last Share
	chatSeq, appsSeq uint64
	status           Status         // drawn last frame: buttons act on it
	height           int            // content height drawn
	asked            [2]image.Point // window size and size asked for, last time
}

func newView(u *UI) *view {
	// The whole Go collection: the window draws bold text.
	th := giowin.Theme(pal, gofont.Collection()...)
	v := &view{u: u, t: u.texts, th: th, buttons: map[string]*widget.Clickable{},
		apps: map[uint32]*widget.Bool{}}
	for _, n := range []string{nAllow, nDeny, nStop, nPause, nTakeBack, nChat, nFiles, nApps, nSend, nShare, nAppsPrev, nAppsNext, nSendFile, nSentCancel} {
		v.buttons[n] = new(widget.Clickable)
	}
	v.editor = widget.Editor{SingleLine: true, Submit: true}
	v.pick = newChooserView()
	return v
}

// handle acts on the input since the last frame. Clicks and keys answer
// the question that was on screen when they happened, never a newer one.
func (v *view) handle(gtx layout.Context, s snapshot) {
	b := v.buttons
	stop := b[nStop].Clicked(gtx)
	if id := v.drawnPrompt; id != 0 {
		if b[nAllow].Clicked(gtx) {
			v.u.model.answer(id, Allow)
		}
		if b[nDeny].Clicked(gtx) || v.escaped(gtx) || stop {
			v.u.model.answer(id, Deny)
		}
	}
	if stop {
		v.u.act(Action{Kind: Stop})
	}
	if s.prompt != nil && s.prompt.id != v.drawnPrompt {
		// A new question: nobody has chosen anything on it yet.
		gtx.Execute(key.FocusCmd{})
	}
	v.handlePanel(gtx, s)
}

// escaped reports whether Escape was pressed.
func (v *view) escaped(gtx layout.Context) bool {
	pressed := false
	for {
		e, ok := gtx.Event(key.Filter{Name: key.NameEscape})
		if !ok {
			return pressed
		}
		if ke, ok := e.(key.Event); ok && ke.State == key.Press {
			pressed = true
		}
	}
}

// handlePanel acts on the panel's buttons and fields.
func (v *view) handlePanel(gtx layout.Context, s snapshot) {
	b, st := v.buttons, v.status
	if b[nPause].Clicked(gtx) {
		v.u.act(Action{Kind: map[bool]ActionKind{false: Pause, true: Resume}[st.Paused]})
	}
	if b[nTakeBack].Clicked(gtx) {
		v.u.act(Action{Kind: map[bool]ActionKind{false: TakeBack, true: GiveBack}[st.InputSuspended]})
	}
	if b[nChat].Clicked(gtx) {
		v.chatOpen = !v.chatOpen
	}
	if b[nFiles].Clicked(gtx) {
		v.filesOpen = !v.filesOpen
	}
	if b[nApps].Clicked(gtx) {
		v.appsOpen = !v.appsOpen
		if v.appsEdited { // closed without Share: the boxes show what is shared again
			v.appsEdited = false
			v.listApps(s.apps)
		}
	}
	for i, c := range v.cancels {
		if c.Clicked(gtx) && i < len(st.Transfers) && st.Transfers[i].ID != 0 {
			v.u.act(Action{Kind: CancelTransfer, Transfer: st.Transfers[i].ID})
		}
	}
	v.handleChat(gtx, s)
	v.handleApps(gtx, s)
	v.handleChooser(gtx, st)
}

// handleChat opens the chat when a message arrives and sends what the
// customer typed on Enter or Send.
func (v *view) handleChat(gtx layout.Context, s snapshot) {
	if s.chatSeq != v.chatSeq {
		v.chatSeq, v.chatOpen = s.chatSeq, true
	}
	send := v.buttons[nSend].Clicked(gtx)
	for {
		e, ok := v.editor.Update(gtx)
		if !ok {
			break
		}
		if _, ok := e.(widget.SubmitEvent); ok {
			send = true
		}
	}
	msg := strings.TrimSpace(v.editor.Text())
	if !send || msg == "" {
		return
	}
	v.editor.SetText("")
	v.u.model.addChat(v.t[mYou], msg, gtx.Now)
	v.chatSeq++ // our own line must not reopen a chat the customer closes
	v.u.act(Action{Kind: ChatSend, Text: msg})
}

// handleApps keeps a checkbox per listed window and reports the choice on
// Share.
func (v *view) handleApps(gtx layout.Context, s snapshot) {
	// Ticking a window means sharing windows, not the whole screen; ticking
	// the whole screen clears the windows.
	for _, b := range v.apps {
		if b.Update(gtx) {
			v.appsEdited = true
			if b.Value {
				v.whole.Value = false
			}
		}
	}
	if v.whole.Update(gtx) {
		v.appsEdited = true
		if v.whole.Value {
			for _, b := range v.apps {
				b.Value = false
			}
		}
	}
	// A new list only after the ticks: a tick clicked in the frame the
	// list changes belongs to a box the new list must keep.
	if s.appsSeq != v.appsSeq {
		v.appsSeq = s.appsSeq
		v.listApps(s.apps)
	}
	if v.buttons[nAppsPrev].Clicked(gtx) {
		v.appsFrom = max(v.appsFrom-appsPage, 0)
	}
	if v.buttons[nAppsNext].Clicked(gtx) && v.appsFrom+appsPage < len(s.apps) {
		v.appsFrom += appsPage
	}
	if !v.buttons[nShare].Clicked(gtx) {
		return
	}
	a := Action{Kind: ChooseApps, WholeScreen: v.whole.Value}
	for _, w := range s.apps {
		if b := v.apps[w.ID]; b != nil && b.Value {
			a.Windows = append(a.Windows, w.ID)
		}
	}
	v.appsOpen, v.appsEdited = false, false
	v.u.act(a)
}

// listApps shows a new list of windows to choose from. Ticks the customer
// has made and not shared yet stay as they are for the windows still
// listed (a window opening elsewhere must not undo them); otherwise the
// boxes show what is shared now.
func (v *view) listApps(ws []AppWindow) {
	old := v.apps
	v.apps = make(map[uint32]*widget.Bool, len(ws))
	chosen := false
	for _, w := range ws {
		// The same box for a window still listed: a click on it that
		// began before the new list must end on it.
		b := old[w.ID]
		if b == nil {
			b = &widget.Bool{Value: w.Selected}
		} else if !v.appsEdited {
			b.Value = w.Selected
		}
		v.apps[w.ID] = b
		chosen = chosen || w.Selected
	}
	if !v.appsEdited {
		v.whole.Value = !chosen
	}
}
