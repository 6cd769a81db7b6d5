package viewer

import (
	"gioui.org/layout"
	"gioui.org/unit"
	"gioui.org/widget"
	"gioui.org/widget/material"
)

// chatShown is how many of the latest chat lines the pane shows; chatKept
// how many the viewer keeps.
const (
	chatShown = 4
	chatKept  = 100
)

// ChatLine is one chat message for the pane.
type ChatLine struct {
	From, Text string
}

// AddChat shows a chat message (either side's) in the chat pane, which
// opens if it was closed.
func (v *Viewer) AddChat(from, text string) {
	v.mu.Lock()
	v.chat = append(v.chat, ChatLine{From: from, Text: text})
	if len(v.chat) > chatKept {
		v.chat = v.chat[len(v.chat)-chatKept:]
	}
	v.chatSeq++
	v.mu.Unlock()
	v.invalidate()
}

// chatPane is the technician's side of the session chat, between the
// remote screen and the status line.
type chatPane struct {
	open   bool
	seq    uint64 // AddChat count seen
	editor widget.Editor
}

func newChatPane() chatPane {
	return chatPane{editor: widget.Editor{SingleLine: true, Submit: true}}
}

// handleChat opens the pane for a new message and sends what the
// technician typed on Enter.
func (u *ui) handleChat(gtx layout.Context, seq uint64) {
	c := &u.chat
	if seq != c.seq {
		c.seq, c.open = seq, true
	}
	if u.tb.buttons[btnChat].Clicked(gtx) {
		c.open = !c.open
	}
	for {
		e, ok := c.editor.Update(gtx)
		if !ok {
			break
		}
		if s, ok := e.(widget.SubmitEvent); ok && s.Text != "" {
			u.act(Action{Kind: ActionChat, Text: s.Text})
			c.editor.SetText("")
		}
	}
}

// chatFocused reports whether the technician is typing in the chat: keys
// then go there, not to the customer's machine.
func (u *ui) chatFocused(gtx layout.Context) bool {
	return u.chat.open && gtx.Focused(&u.chat.editor)
}

// drawChat draws the latest lines and the text field.
func (u *ui) drawChat(gtx layout.Context, lines []ChatLine) layout.Dimensions {
	if len(lines) > chatShown {
		lines = lines[len(lines)-chatShown:]
	}
	children := make([]layout.FlexChild, 0, len(lines)+1)
	for _, l := range lines {
		lbl := material.Label(u.th, unit.Sp(13), l.From+": "+l.Text)
		lbl.Color = pal.Fg
		lbl.MaxLines = 1
		children = append(children, layout.Rigid(lbl.Layout))
	}
	children = append(children, layout.Rigid(func(gtx layout.Context) layout.Dimensions {
		ed := material.Editor(u.th, &u.chat.editor, "Message to the customer (Enter sends)")
		ed.Color, ed.HintColor, ed.TextSize = pal.Fg, pal.Surface, unit.Sp(13)
		return ed.Layout(gtx)
	}))
	return layout.Inset{Top: 4, Bottom: 2, Left: 8, Right: 8}.Layout(gtx, func(gtx layout.Context) layout.Dimensions {
		return layout.Flex{Axis: layout.Vertical}.Layout(gtx, children...)
	})
}
